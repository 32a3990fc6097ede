"""The guard on outgoing HTTP: private and local addresses refused unless listed, redirects
checked, size and time limited; real requests to a real local server."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from django.test import override_settings

from digiplace.urbandata import netguard
from digiplace.urbandata.netguard import FetchFailed, UnsafeAddress, safe_request

from .local_http import Answer, local_server

NOTHING_ALLOWED = override_settings(URBANDATA_PRIVATE_HOSTS_ALLOWED=[])
LOOPBACK_ALLOWED = override_settings(URBANDATA_PRIVATE_HOSTS_ALLOWED=["127.0.0.1"])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://localhost:9/context.jsonld",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
    ],
)
def test_private_and_local_addresses_are_refused_when_not_allowed(url: str) -> None:
    with NOTHING_ALLOWED, pytest.raises(UnsafeAddress):
        safe_request("GET", url, timeout=1)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://example.org/", "//x", ""]
)
def test_only_http_and_https_urls_are_fetched(url: str) -> None:
    with pytest.raises(UnsafeAddress):
        safe_request("GET", url, timeout=1)


def test_urls_with_credentials_are_refused() -> None:
    with pytest.raises(UnsafeAddress):
        safe_request("GET", "http://user:secret@127.0.0.1/", timeout=1)


def test_the_refused_address_is_never_contacted() -> None:
    with local_server({"/x": Answer(200, b"{}")}) as server, NOTHING_ALLOWED:
        with pytest.raises(UnsafeAddress, match=r"127\.0\.0\.1"):
            safe_request("GET", server.url("/x"), timeout=1)
        assert server.requests == []


def test_a_listed_address_is_fetched() -> None:
    answers = {"/context": Answer(200, b'{"@context": {"a": "b"}}')}
    with local_server(answers) as server, LOOPBACK_ALLOWED:
        response = safe_request("GET", server.url("/context"), timeout=2)

    assert response.status == 200
    assert response.json() == {"@context": {"a": "b"}}
    assert response.header("content-type") == "application/json"
    assert server.hits("/context") == 1


@pytest.mark.parametrize("allowed", [["*"], ["localhost"], ["127.0.0.0/8"]])
def test_a_listed_host_name_network_or_star_allows(allowed: list[str]) -> None:
    with local_server({"/ok": Answer(200, b"yes", "text/plain")}) as server:
        url = server.url("/ok").replace("127.0.0.1", "localhost")
        with override_settings(URBANDATA_PRIVATE_HOSTS_ALLOWED=allowed):
            try:
                response = safe_request("GET", url, timeout=2)
            except FetchFailed:
                # "localhost" may resolve to ::1 first where nothing listens: ask by address.
                response = safe_request("GET", server.url("/ok"), timeout=2)

    assert response.text == "yes"


def test_another_private_address_stays_refused_when_one_is_listed() -> None:
    with LOOPBACK_ALLOWED, pytest.raises(UnsafeAddress, match=r"10\.0\.0\.7"):
        safe_request("GET", "http://10.0.0.7/", timeout=1)


def test_a_json_body_and_headers_are_sent() -> None:
    with local_server({"/notify": Answer(204)}) as server, LOOPBACK_ALLOWED:
        response = safe_request(
            "POST",
            server.url("/notify"),
            json={"id": "urn:ngsi-ld:Notification:1", "data": []},
            headers={"Link": '<http://example.org/c.jsonld>; rel="x"'},
            timeout=2,
        )

    assert response.status == 204
    recorded = server.requests[0]
    assert recorded.method == "POST"
    assert recorded.body == b'{"id":"urn:ngsi-ld:Notification:1","data":[]}'
    assert recorded.headers["Content-Type"] == "application/json"
    assert recorded.headers["Link"] == '<http://example.org/c.jsonld>; rel="x"'


def test_an_error_status_is_returned_not_raised() -> None:
    with local_server({"/gone": Answer(410, b"gone", "text/plain")}) as server, LOOPBACK_ALLOWED:
        response = safe_request("GET", server.url("/gone"), timeout=2)

    assert (response.status, response.ok, response.text) == (410, False, "gone")


def test_a_redirect_to_a_refused_address_is_refused() -> None:
    answers = {"/r": Answer(302, headers={"Location": "http://169.254.169.254/latest/"})}
    with (
        local_server(answers) as server,
        LOOPBACK_ALLOWED,
        pytest.raises(UnsafeAddress, match=r"169\.254\.169\.254"),
    ):
        safe_request("GET", server.url("/r"), timeout=2)


def test_a_redirect_to_an_allowed_address_is_followed() -> None:
    with local_server({"/final": Answer(200, b'{"done": true}')}) as server, LOOPBACK_ALLOWED:
        server.answers["/r"] = Answer(301, headers={"Location": "/final"})
        response = safe_request("GET", server.url("/r"), timeout=2)

    assert response.json() == {"done": True}
    assert response.url == server.url("/final")


def test_endless_redirects_fail() -> None:
    with local_server() as server, LOOPBACK_ALLOWED:
        server.answers["/loop"] = Answer(302, headers={"Location": server.url("/loop")})
        with pytest.raises(FetchFailed, match="redirects"):
            safe_request("GET", server.url("/loop"), timeout=2)

    assert server.hits("/loop") == netguard.MAX_REDIRECTS + 1


def test_an_answer_over_the_size_limit_fails() -> None:
    with (
        local_server({"/big": Answer(200, b"x" * 5000)}) as server,
        LOOPBACK_ALLOWED,
        pytest.raises(FetchFailed, match="larger"),
    ):
        safe_request("GET", server.url("/big"), timeout=2, max_bytes=1000)


def test_a_server_that_never_answers_times_out() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    port = silent.getsockname()[1]
    try:
        with LOOPBACK_ALLOWED, pytest.raises(FetchFailed, match="longer"):
            safe_request("GET", f"http://127.0.0.1:{port}/", timeout=0.3)
    finally:
        silent.close()


def test_a_closed_port_fails() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with LOOPBACK_ALLOWED, pytest.raises(FetchFailed, match="could not be reached"):
        safe_request("GET", f"http://127.0.0.1:{port}/", timeout=1)


def test_an_unknown_host_fails() -> None:
    with pytest.raises(FetchFailed, match="resolved"):
        safe_request("GET", "http://no-such-host.invalid/", timeout=1)


@pytest.mark.parametrize(
    ("address", "public"),
    [("93.184.216.34", True), ("8.8.8.8", True), ("127.0.0.1", False), ("2001:db8::1", False)],
)
def test_address_allowed_without_a_list(address: str, public: bool) -> None:
    with NOTHING_ALLOWED:
        allowed = netguard.address_allowed(host="h", address=ipaddress.ip_address(address))

    assert allowed is public
