"""Upload limits: a declared Content-Length over the limit is refused (413) before the body
is read, and a file over its limit stops being stored while it streams in."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    TemporaryFileUploadHandler,
)
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser
from django.test import Client, RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from digiplace.core import http, uploads
from digiplace.core.models import Municipality

BOTOSANI = "botosani.localhost"


class _UnreadBody(io.RawIOBase):
    """A request body that records whether anyone read it."""

    def __init__(self) -> None:
        self.was_read = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.was_read = True
        return 0


def _post_declaring(client: Client, path: str, length: int) -> tuple[Any, _UnreadBody]:
    body = _UnreadBody()
    environ: dict[str, Any] = {
        "HTTP_HOST": BOTOSANI,
        "CONTENT_LENGTH": str(length),
        "wsgi.input": body,
    }
    response = client.generic("POST", path, b"", content_type=MULTIPART_CONTENT, **environ)
    return response, body


@pytest.fixture
def small_limit(settings: Any) -> int:
    settings.MAX_REQUEST_BYTES = 1000
    return 1000


@pytest.mark.django_db
def test_a_page_over_the_declared_limit_answers_413_in_the_page_language_unread(
    botosani: Municipality, small_limit: int
) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response, body = _post_declaring(client, "/reports/new/", small_limit + 1)

    assert response.status_code == 413
    assert (
        "What you sent is too large: the limit is 1000\xa0bytes for one request. "
        "Send fewer or smaller files." in response.content.decode()
    )
    assert response["Content-Language"] == "en"
    assert body.was_read is False


@pytest.mark.django_db
def test_a_request_at_the_limit_goes_through(botosani: Municipality, small_limit: int) -> None:
    client = Client()

    response = client.post("/language/", {"language": "en"}, HTTP_HOST=BOTOSANI)

    assert int(response.wsgi_request.META["CONTENT_LENGTH"]) <= small_limit
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_api_answers_413_in_its_own_format(botosani: Municipality, small_limit: int) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response, body = _post_declaring(client, "/api/v1/", 5000)

    assert response.status_code == 413
    assert response.json() == {
        "detail": "What you sent is too large: the limit is 1000\xa0bytes for one request. "
        "Send fewer or smaller files."
    }
    assert body.was_read is False


@pytest.fixture
def open311_renderer() -> Iterator[None]:
    def render(request: HttpRequest, limit: int) -> HttpResponse:
        return HttpResponse(f"own format, limit {limit}", status=413, content_type="text/plain")

    registered = http.error_format_for(RequestFactory().get("/open311/"))
    assert registered is not None
    http.error_format_register(
        path_prefix="/open311/",
        error_format=http.ErrorFormat(
            request_too_large=render, host_not_served=registered.host_not_served
        ),
    )
    yield
    http.error_format_register(path_prefix="/open311/", error_format=registered)


@pytest.mark.django_db
def test_a_module_renders_its_own_413(
    botosani: Municipality, small_limit: int, open311_renderer: None
) -> None:
    response, body = _post_declaring(Client(), "/open311/v2/requests.json", 5000)

    assert response.status_code == 413
    assert response.content == b"own format, limit 1000"
    assert body.was_read is False


class _Recorder(FileUploadHandler):
    """After the limit: records how many bytes of each file reached it."""

    received: dict[str, int]

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = getattr(self, "received", {})
        self.received[str(self.file_name)] = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received[str(self.file_name)] += len(raw_data)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def test_a_file_over_its_limit_is_skipped_while_streaming_and_the_rest_kept() -> None:
    request = HttpRequest()
    big = io.BytesIO(b"x" * 300_000)
    big.name = "big.jpg"
    small = io.BytesIO(b"y" * 1_000)
    small.name = "small.jpg"
    payload = encode_multipart(
        BOUNDARY, {"description": "Bins", "photos": [big, small], "after": "kept"}
    )
    recorder = _Recorder(request)
    handlers = [
        uploads.FileSizeLimitUploadHandler(request, max_bytes=100_000),
        recorder,
        MemoryFileUploadHandler(request),
        TemporaryFileUploadHandler(request),
    ]
    parser = MultiPartParser(
        {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(payload))},
        io.BytesIO(payload),
        handlers,
    )

    fields, files = parser.parse()

    assert uploads.uploads_skipped(request) == ["big.jpg"]
    assert [upload.name for upload in files.getlist("photos")] == ["small.jpg"]
    assert files.getlist("photos")[0].read() == b"y" * 1_000
    assert (fields["description"], fields["after"]) == ("Bins", "kept")
    # No more than the limit of the big file went past the limit handler.
    assert recorder.received["big.jpg"] <= 100_000
    assert recorder.received["small.jpg"] == 1_000
