"""@contexts: the core context built in (never fetched), the Smart Data Models' terms built
in, user contexts fetched from a real local HTTP server once and cached, unreachable or
refused ones answering 503 LdContextNotAvailable; terms expanded on the way in and
compacted on the way out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings

from digiplace.core.models import Municipality
from digiplace.urbandata import netguard
from digiplace.urbandata.models import ContextCache, Entity
from digiplace.urbandata.ngsi import contexts
from digiplace.urbandata.ngsi.contexts import CORE_ONLY, context_cache_clear, context_resolve

from .factories import EntityFactory, device_key_make
from .local_http import Answer, LocalServer, local_server
from .ngsi_helpers import container, get, problem_type, send

pytestmark = pytest.mark.django_db

CONTEXT_REL = 'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
WASTE = "https://smartdatamodels.org/dataModel.WasteManagement/"
USER_CONTEXT = {
    "@context": {
        "fill": WASTE + "fillingLevel",
        "Bin": WASTE + "WasteContainer",
        "colour": "http://example.org/vocab#colour",
    }
}


@pytest.fixture(autouse=True)
def _fresh_process_cache() -> Iterator[None]:
    context_cache_clear()
    yield
    context_cache_clear()


@pytest.fixture
def secret(botosani: Municipality) -> str:
    return device_key_make(municipality=botosani)[1]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"fetched {args} {kwargs}")

    monkeypatch.setattr(netguard, "safe_request", refuse)


@pytest.fixture
def context_server() -> Iterator[LocalServer]:
    answers = {
        "/user.jsonld": Answer(200, json.dumps(USER_CONTEXT).encode(), "application/ld+json"),
        "/not-json.jsonld": Answer(200, b"<html>hello</html>", "text/html"),
        "/no-context.jsonld": Answer(200, b'{"terms": {}}'),
        "/missing.jsonld": Answer(404, b"{}"),
    }
    with (
        local_server(answers) as server,
        override_settings(URBANDATA_PRIVATE_HOSTS_ALLOWED=["127.0.0.1"]),
    ):
        yield server


def _link(url: str) -> str:
    return f"<{url}>; {CONTEXT_REL}"


# The core context


@pytest.mark.usefixtures("no_network")
@pytest.mark.parametrize(
    "url",
    [
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld",
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.3.jsonld",
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.6.jsonld",
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.7.jsonld",
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld",
    ],
)
def test_every_core_context_version_is_built_in(
    client: Client, botosani: Municipality, secret: str, url: str
) -> None:
    created = send(
        client,
        "POST",
        "entities",
        container(1, **{"@context": url}),
        secret=secret,
        content_type="application/ld+json",
    )
    listed = get(client, "entities", {"type": "WasteContainer"}, link=_link(url))

    assert created.status_code == 201
    assert [entity["id"] for entity in listed.json()] == ["urn:ngsi-ld:WasteContainer:1"]
    assert not ContextCache.objects.exists()


def test_the_core_context_file_is_the_published_one() -> None:
    assert contexts.CORE_TERMS["observedAt"] == "https://uri.etsi.org/ngsi-ld/observedAt"
    assert contexts.CORE_TERMS["location"] == "https://uri.etsi.org/ngsi-ld/location"
    assert contexts.CORE_TERMS["Point"] == "https://purl.org/geojson/vocab#Point"
    assert contexts.CORE_TERMS["value"] == "https://uri.etsi.org/ngsi-ld/hasValue"


@pytest.mark.usefixtures("no_network")
def test_the_smart_data_models_context_is_built_in(client: Client, botosani: Municipality) -> None:
    EntityFactory.create(municipality=botosani, entity_id="urn:ngsi-ld:WasteContainer:1")

    response = get(
        client,
        "entities",
        {"type": "WasteContainer"},
        link=_link("https://smartdatamodels.org/context.jsonld"),
    )

    assert response.status_code == 200
    assert response.json()[0]["fillingLevel"] == {"type": "Property", "value": 0.4}
    assert response["Link"] == _link("https://smartdatamodels.org/context.jsonld")


# Terms


def test_terms_expand_to_the_names_the_platform_stores() -> None:
    sdm = context_resolve({"fill": WASTE + "fillingLevel", "ex": "http://example.org/"})

    assert sdm.to_stored("fill") == "fillingLevel"
    assert sdm.to_stored("ex:thing") == "http://example.org/thing"
    assert sdm.to_stored("fillingLevel") == "fillingLevel"  # the default context's
    assert CORE_ONLY.to_stored(WASTE + "WasteContainer") == "WasteContainer"
    assert (
        CORE_ONLY.to_stored("https://uri.etsi.org/ngsi-ld/default-context/fillingLevel")
        == "fillingLevel"
    )
    assert CORE_ONLY.to_stored("http://example.org/x") == "http://example.org/x"
    # Core terms are protected: a user context cannot move them.
    assert context_resolve({"location": "http://example.org/where"}).to_stored("location") == (
        "location"
    )


def test_stored_names_compact_with_the_clients_context() -> None:
    user = context_resolve({"fill": WASTE + "fillingLevel", "c": "http://example.org/c"})

    assert user.from_stored("fillingLevel") == "fill"
    assert user.from_stored("http://example.org/c") == "c"
    assert user.from_stored("status") == "status"
    assert CORE_ONLY.from_stored("fillingLevel") == "fillingLevel"
    assert CORE_ONLY.from_stored("http://example.org/c") == "http://example.org/c"


# User contexts over HTTP


def test_a_user_context_is_fetched_once_and_cached(
    client: Client, botosani: Municipality, secret: str, context_server: LocalServer
) -> None:
    url = context_server.url("/user.jsonld")
    document = {
        "id": "urn:ngsi-ld:WasteContainer:u",
        "type": "Bin",
        "fill": {"type": "Property", "value": 0.3},
        "colour": {"type": "Property", "value": "green"},
    }

    created = send(client, "POST", "entities", document, secret=secret, link=_link(url))
    listed = get(client, "entities", {"type": "Bin", "q": "fill<0.5"}, link=_link(url))
    context_cache_clear()  # another process: the database's copy serves it
    one = get(client, "entities/urn:ngsi-ld:WasteContainer:u", link=_link(url))

    assert created.status_code == 201
    stored = Entity.objects.get(entity_id="urn:ngsi-ld:WasteContainer:u")
    assert stored.type == "WasteContainer"
    assert set(stored.attributes) == {"fillingLevel", "http://example.org/vocab#colour"}
    assert listed.status_code == 200
    assert listed["Link"] == _link(url)
    assert listed.json() == [
        {
            "id": "urn:ngsi-ld:WasteContainer:u",
            "type": "Bin",
            "fill": {"type": "Property", "value": 0.3},
            "colour": {"type": "Property", "value": "green"},
        }
    ]
    assert one.json()["fill"] == {"type": "Property", "value": 0.3}
    assert context_server.hits("/user.jsonld") == 1
    assert ContextCache.objects.get(url=url).document == USER_CONTEXT


def test_without_the_context_unknown_iris_show_whole(
    client: Client, secret: str, context_server: LocalServer
) -> None:
    url = context_server.url("/user.jsonld")
    send(
        client,
        "POST",
        "entities",
        {"id": "urn:ngsi-ld:WasteContainer:u", "type": "Bin", "colour": "green"},
        secret=secret,
        link=_link(url),
    )

    response = get(client, "entities/urn:ngsi-ld:WasteContainer:u")

    assert response.json() == {
        "id": "urn:ngsi-ld:WasteContainer:u",
        "type": "WasteContainer",
        "http://example.org/vocab#colour": {"type": "Property", "value": "green"},
    }


def test_an_ld_json_answer_echoes_the_clients_context(
    client: Client, botosani: Municipality, context_server: LocalServer
) -> None:
    EntityFactory.create(municipality=botosani, entity_id="urn:ngsi-ld:WasteContainer:1")
    url = context_server.url("/user.jsonld")

    response = get(
        client,
        "entities/urn:ngsi-ld:WasteContainer:1",
        link=_link(url),
        accept="application/ld+json",
    )

    assert response.json() == {
        "id": "urn:ngsi-ld:WasteContainer:1",
        "type": "Bin",
        "fill": {"type": "Property", "value": 0.4},
        "@context": url,
    }


def test_an_inline_context_in_an_ld_json_body(client: Client, secret: str) -> None:
    document = {
        "@context": [
            {"level": WASTE + "fillingLevel"},
            "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld",
        ],
        "id": "urn:ngsi-ld:WasteContainer:i",
        "type": "WasteContainer",
        "level": 0.75,
    }

    response = send(
        client, "POST", "entities", document, secret=secret, content_type="application/ld+json"
    )

    assert response.status_code == 201
    stored = Entity.objects.get(entity_id="urn:ngsi-ld:WasteContainer:i")
    assert stored.attributes["fillingLevel"]["value"] == 0.75


@pytest.mark.parametrize("path", ["/missing.jsonld", "/not-json.jsonld", "/no-context.jsonld"])
def test_a_context_that_cannot_be_read_is_503(
    client: Client, secret: str, context_server: LocalServer, path: str
) -> None:
    response = send(
        client,
        "POST",
        "entities",
        container(1),
        secret=secret,
        link=_link(context_server.url(path)),
    )

    assert response.status_code == 503
    assert problem_type(response) == "LdContextNotAvailable"
    assert not Entity.objects.exists()
    assert not ContextCache.objects.exists()


def test_an_unreachable_context_is_503(client: Client, botosani: Municipality) -> None:
    with local_server() as server:
        url = server.url("/gone.jsonld")
    # The server is stopped: nothing listens on its port any more.
    with override_settings(URBANDATA_PRIVATE_HOSTS_ALLOWED=["127.0.0.1"]):
        response = get(client, "entities", {"type": "WasteContainer"}, link=_link(url))

    assert response.status_code == 503
    assert problem_type(response) == "LdContextNotAvailable"


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "10.0.0.8", "169.254.169.254", "192.168.1.20", "[::1]"]
)
def test_a_context_on_a_private_address_is_refused(
    client: Client, botosani: Municipality, host: str
) -> None:
    with (
        local_server({"/c.jsonld": Answer(200, json.dumps(USER_CONTEXT).encode())}) as server,
        override_settings(URBANDATA_PRIVATE_HOSTS_ALLOWED=[]),
    ):
        url = f"http://{host}:{server.port}/c.jsonld"
        response = get(client, "entities", {"type": "WasteContainer"}, link=_link(url))

    assert response.status_code == 503
    assert problem_type(response) == "LdContextNotAvailable"
    assert server.requests == []


def test_two_context_links_are_bad_request_data(client: Client, botosani: Municipality) -> None:
    core = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"

    response = get(
        client, "entities", {"type": "WasteContainer"}, link=f"{_link(core)}, {_link(core)}"
    )

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"


def test_a_link_header_with_an_ld_json_body_is_bad_request_data(
    client: Client, secret: str
) -> None:
    core = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"

    response = send(
        client,
        "POST",
        "entities",
        container(1, **{"@context": core}),
        secret=secret,
        content_type="application/ld+json",
        link=_link(core),
    )

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"
