"""Small helpers for NGSI-LD endpoint tests: requests on a city's host, with a key."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.test import Client

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
BASE = "/ngsi-ld/v1/"
ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"


def container(number: int = 1, **attributes: Any) -> dict[str, Any]:
    """A WasteContainer document in normalized form (fillingLevel 0.5 unless given)."""
    document: dict[str, Any] = {
        "id": f"urn:ngsi-ld:WasteContainer:{number}",
        "type": "WasteContainer",
        "fillingLevel": {"type": "Property", "value": 0.5},
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [26.6694, 47.7486]},
        },
    }
    document.update(attributes)
    return document


def send(
    client: Client,
    method: str,
    path: str,
    body: Any = None,
    *,
    secret: str | None = None,
    host: str = BOTOSANI,
    content_type: str = "application/json",
    raw: bytes | None = None,
    **headers: str,
) -> TestResponse:
    """``method`` on ``/ngsi-ld/v1/<path>`` with a JSON body and, if given, the key."""
    extra: dict[str, Any] = {"HTTP_HOST": host, "HTTP_ACCEPT_LANGUAGE": "en"}
    if secret is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    for name, value in headers.items():
        extra["HTTP_" + name.upper()] = value
    url = path if path.startswith("/") else BASE + path
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    response: TestResponse = client.generic(
        method, url, data, content_type=content_type if data else "", **extra
    )
    return response


def get(
    client: Client,
    path: str,
    parameters: dict[str, str] | None = None,
    *,
    secret: str | None = None,
    host: str = BOTOSANI,
    **headers: str,
) -> TestResponse:
    extra: dict[str, Any] = {"HTTP_HOST": host, "HTTP_ACCEPT_LANGUAGE": "en"}
    if secret is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    for name, value in headers.items():
        extra["HTTP_" + name.upper()] = value
    url = path if path.startswith("/") else BASE + path
    response: TestResponse = client.get(url, parameters or {}, **extra)
    return response


def problem_type(response: TestResponse) -> str:
    """The ProblemDetails type of an error answer, after checking its shape."""
    body = response.json()
    assert response["Content-Type"] == "application/json"
    assert body["status"] == response.status_code
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["title"] != body["detail"]
    kind: str = body["type"]
    return kind.rsplit("/", 1)[-1]
