"""The OSRM table client against a real HTTP server on 127.0.0.1 answering as OSRM does."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from django.test import override_settings

from digiplace.waste.routing import (
    DistanceServiceError,
    GeoPoint,
    OsrmClient,
    straight_line_matrix,
    travel_matrix,
)

POINTS = [GeoPoint(45.7537, 21.2257), GeoPoint(45.7580, 21.2290), GeoPoint(45.7400, 21.2000)]


class FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table/v1/driving/... with a matrix derived from the request's coordinates."""

    answer: ClassVar[dict[str, object] | None] = None
    status: ClassVar[int] = 200
    delay_event: ClassVar[threading.Event | None] = None
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        FakeOsrm.paths.append(self.path)
        if FakeOsrm.delay_event is not None:
            FakeOsrm.delay_event.wait(5)
        path, _, _query = self.path.partition("?")
        coordinates = path.split("/table/v1/driving/")[1].split(";")
        size = len(coordinates)
        answer = FakeOsrm.answer or {
            "code": "Ok",
            "distances": [[abs(i - j) * 1000.4 for j in range(size)] for i in range(size)],
            "durations": [[abs(i - j) * 90.6 for j in range(size)] for i in range(size)],
        }
        body = json.dumps(answer).encode()
        self.send_response(FakeOsrm.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def osrm() -> Iterator[str]:
    FakeOsrm.answer, FakeOsrm.status, FakeOsrm.delay_event = None, 200, None
    FakeOsrm.paths = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    if FakeOsrm.delay_event is not None:
        FakeOsrm.delay_event.set()
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_table_is_read_in_metres_and_seconds(osrm: str) -> None:
    matrix = OsrmClient(base_url=osrm + "/").table(POINTS)
    assert matrix.distances.tolist() == [[0, 1000, 2001], [1000, 0, 1000], [2001, 1000, 0]]
    assert matrix.durations[0, 2] == 181
    # OSRM wants longitude first, and both annotations
    assert FakeOsrm.paths == [
        "/table/v1/driving/21.225700,45.753700;21.229000,45.758000;21.200000,45.740000"
        "?annotations=distance,duration"
    ]


def test_the_configured_server_is_used_and_empty_means_straight_line(osrm: str) -> None:
    with override_settings(WASTE_OSRM_URL=osrm):
        assert travel_matrix(POINTS).distances[0, 1] == 1000
    with override_settings(WASTE_OSRM_URL=""):
        straight = travel_matrix(POINTS)
    assert (straight.distances == straight_line_matrix(POINTS).distances).all()
    assert len(FakeOsrm.paths) == 1


def test_an_unreachable_server_is_a_clear_error() -> None:
    # A port nobody listens on: bound, then closed
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DistanceServiceError, match=r"127\.0\.0\.1:\d+ cannot be reached"):
        OsrmClient(base_url=f"http://127.0.0.1:{port}", timeout_s=2).table(POINTS)


def test_a_slow_server_times_out(osrm: str) -> None:
    FakeOsrm.delay_event = threading.Event()
    with pytest.raises(DistanceServiceError, match="cannot be reached"):
        OsrmClient(base_url=osrm, timeout_s=0.3).table(POINTS)


def test_an_error_status_is_reported(osrm: str) -> None:
    FakeOsrm.status = 503
    with pytest.raises(DistanceServiceError, match="answered with error 503"):
        OsrmClient(base_url=osrm).table(POINTS)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"code": "InvalidQuery", "message": "Query string malformed"}, "Query string malformed"),
        ({"code": "Ok", "durations": [[0]]}, "cannot be used"),
        ({"code": "Ok", "distances": [[0]], "durations": [[0]]}, "table of the wrong size"),
        (
            {
                "code": "Ok",
                "distances": [[0, None, 1], [1, 0, 1], [1, 1, 0]],
                "durations": [[0, 1, 1], [1, 0, 1], [1, 1, 0]],
            },
            "found no road between some of the points",
        ),
    ],
)
def test_an_unusable_answer_is_reported(osrm: str, answer: dict[str, object], message: str) -> None:
    FakeOsrm.answer = answer
    with pytest.raises(DistanceServiceError, match=message):
        OsrmClient(base_url=osrm).table(POINTS)


def test_an_address_without_http_is_refused() -> None:
    with pytest.raises(DistanceServiceError, match="must start with http"):
        OsrmClient(base_url="file:///etc").table(POINTS)
