"""NGSI-LD entity operations over HTTP: each operation, each error type, keys, content
negotiation and another city's entities (ETSI GS CIM 009, clauses 5.6, 5.7, 6.4–6.6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.urbandata.models import Entity, Reading
from digiplace.urbandata.services.keys import device_key_revoke

from .factories import EntityFactory, device_key_make
from .ngsi_helpers import container, get, problem_type, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(botosani: Municipality) -> str:
    return device_key_make(municipality=botosani, name="Fleet gateway")[1]


def _attributes(entity_id: str) -> dict[str, Any]:
    return dict(Entity.objects.get(entity_id=entity_id).attributes)


# POST entities


def test_create_answers_201_with_the_location(client: Client, secret: str) -> None:
    response = send(client, "POST", "entities", container(1), secret=secret)

    assert response.status_code == 201
    assert response["Location"] == "/ngsi-ld/v1/entities/urn:ngsi-ld:WasteContainer:1"
    assert response.content == b""
    stored = Entity.objects.get(entity_id="urn:ngsi-ld:WasteContainer:1")
    assert stored.attributes["fillingLevel"]["value"] == 0.5
    assert (stored.latitude, stored.longitude) == (47.7486, 26.6694)


def test_create_in_concise_form(client: Client, secret: str) -> None:
    document = {
        "id": "urn:ngsi-ld:WasteContainer:c",
        "type": "WasteContainer",
        "fillingLevel": 0.25,
        "status": "ok",
        "location": {"type": "Point", "coordinates": [26.66, 47.75]},
    }

    response = send(client, "POST", "entities", document, secret=secret)

    assert response.status_code == 201
    attributes = _attributes("urn:ngsi-ld:WasteContainer:c")
    assert attributes["fillingLevel"] == {"type": "Property", "value": 0.25}
    assert attributes["status"] == {"type": "Property", "value": "ok"}
    assert attributes["location"]["type"] == "GeoProperty"


def test_create_twice_is_already_exists(client: Client, secret: str) -> None:
    send(client, "POST", "entities", container(1), secret=secret)

    response = send(client, "POST", "entities", container(1), secret=secret)

    assert response.status_code == 409
    assert problem_type(response) == "AlreadyExists"


def test_create_without_a_key_is_401_and_writes_nothing(client: Client, botosani: Any) -> None:
    response = send(client, "POST", "entities", container(1))

    assert response.status_code == 401
    assert problem_type(response) == "Unauthorized"
    assert response["WWW-Authenticate"] == 'Bearer realm="ngsi-ld"'
    assert not Entity.objects.exists()


@pytest.mark.parametrize("authorization", ["Bearer dpk_unknown", "Bearer nothing", "Basic eDp5"])
def test_an_unknown_key_is_401_invalid_token(
    client: Client, botosani: Any, authorization: str
) -> None:
    response = send(client, "POST", "entities", container(1), authorization=authorization)

    assert response.status_code == 401
    assert problem_type(response) == "Unauthorized"
    assert response["WWW-Authenticate"] == 'Bearer realm="ngsi-ld", error="invalid_token"'
    assert not Entity.objects.exists()


def test_a_revoked_key_is_401(client: Client, botosani: Municipality) -> None:
    key, secret = device_key_make(municipality=botosani)
    device_key_revoke(key=key)

    response = send(client, "POST", "entities", container(1), secret=secret)

    assert response.status_code == 401
    assert not Entity.objects.exists()


def test_another_citys_key_is_401_here(
    client: Client, botosani: Municipality, timisoara: Municipality
) -> None:
    _key, foreign = device_key_make(municipality=timisoara)

    response = send(client, "POST", "entities", container(1), secret=foreign)

    assert response.status_code == 401
    assert not Entity.objects.exists()


def test_malformed_json_is_invalid_request(client: Client, secret: str) -> None:
    response = send(client, "POST", "entities", raw=b'{"id": "urn:x:1", ', secret=secret)

    assert response.status_code == 400
    assert problem_type(response) == "InvalidRequest"


def test_an_array_for_one_entity_is_bad_request_data(client: Client, secret: str) -> None:
    response = send(client, "POST", "entities", [container(1)], secret=secret)

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"type": "Spaceship"}, "Unknown entity type"),
        ({"fillingLevel": {"type": "Property", "value": "full"}}, "must be a number"),
        ({"fillingLevel": {"type": "Property", "value": 7}}, "between"),
        (
            {
                "fillingLevel": {
                    "type": "Property",
                    "value": 0.3,
                    "observedAt": "2999-01-01T00:00:00Z",
                }
            },
            "future",
        ),
        ({"id": "not a uri"}, "URI"),
        ({"status": {"type": "Property", "value": "melted"}}, "one of"),
    ],
)
def test_bad_entities_are_bad_request_data_and_write_nothing(
    client: Client, secret: str, change: dict[str, Any], fragment: str
) -> None:
    response = send(client, "POST", "entities", container(1, **change), secret=secret)

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"
    assert fragment in response.json()["detail"]
    assert not Entity.objects.exists()
    assert not Reading.objects.exists()


def test_an_unsupported_content_type_is_415(client: Client, secret: str) -> None:
    response = send(
        client, "POST", "entities", container(1), secret=secret, content_type="text/plain"
    )

    assert response.status_code == 415
    assert not Entity.objects.exists()


def test_context_in_a_json_body_is_bad_request_data(client: Client, secret: str) -> None:
    document = container(1, **{"@context": "https://example.org/context.jsonld"})

    response = send(client, "POST", "entities", document, secret=secret)

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"


def test_ld_json_without_context_is_bad_request_data(client: Client, secret: str) -> None:
    response = send(
        client, "POST", "entities", container(1), secret=secret, content_type="application/ld+json"
    )

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"


def test_ld_json_with_the_core_context_is_created(client: Client, secret: str) -> None:
    document = container(
        1, **{"@context": "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.6.jsonld"}
    )

    response = send(
        client, "POST", "entities", document, secret=secret, content_type="application/ld+json"
    )

    assert response.status_code == 201
    assert "@context" not in _attributes("urn:ngsi-ld:WasteContainer:1")


def test_a_request_on_the_platform_host_is_resource_not_found(client: Client) -> None:
    response = send(client, "POST", "entities", container(1), host="localhost")

    assert response.status_code == 404
    assert problem_type(response) == "ResourceNotFound"


def test_a_method_not_offered_is_405(client: Client, secret: str) -> None:
    response = send(client, "PUT", "entities", container(1), secret=secret)

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


# GET entities/{id}


def test_retrieve_normalized(client: Client, botosani: Municipality) -> None:
    EntityFactory.create(
        municipality=botosani,
        entity_id="urn:ngsi-ld:WasteContainer:r",
        attributes={
            "fillingLevel": {
                "type": "Property",
                "value": 0.7,
                "observedAt": "2026-11-30T10:00:00.000Z",
            },
            "status": {"type": "Property", "value": "ok"},
        },
    )

    response = get(client, "entities/urn:ngsi-ld:WasteContainer:r")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    # Answers vary with Accept, Link and Authorization: never held by a shared cache.
    assert "X-Cache" not in response
    assert "public" not in response.get("Cache-Control", "")
    assert response["Link"] == (
        "<https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld>; "
        'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    )
    assert response.json() == {
        "id": "urn:ngsi-ld:WasteContainer:r",
        "type": "WasteContainer",
        "fillingLevel": {
            "type": "Property",
            "value": 0.7,
            "observedAt": "2026-11-30T10:00:00.000Z",
        },
        "status": {"type": "Property", "value": "ok"},
    }


def test_retrieve_as_ld_json_carries_the_context_in_the_body(
    client: Client, botosani: Municipality
) -> None:
    EntityFactory.create(municipality=botosani, entity_id="urn:ngsi-ld:WasteContainer:r")

    response = get(client, "entities/urn:ngsi-ld:WasteContainer:r", accept="application/ld+json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert "Link" not in response
    body = response.json()
    assert body["@context"] == "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
    assert body["fillingLevel"] == {"type": "Property", "value": 0.4}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("keyValues", {"fillingLevel": 0.7, "status": "ok"}),
        (
            "concise",
            {
                "fillingLevel": {"value": 0.7, "observedAt": "2026-11-30T10:00:00.000Z"},
                "status": "ok",
            },
        ),
    ],
)
def test_retrieve_simplified_and_concise(
    client: Client, botosani: Municipality, options: str, expected: dict[str, Any]
) -> None:
    EntityFactory.create(
        municipality=botosani,
        entity_id="urn:ngsi-ld:WasteContainer:r",
        attributes={
            "fillingLevel": {
                "type": "Property",
                "value": 0.7,
                "observedAt": "2026-11-30T10:00:00.000Z",
            },
            "status": {"type": "Property", "value": "ok"},
        },
    )

    response = get(client, "entities/urn:ngsi-ld:WasteContainer:r", {"options": options})

    assert response.json() == {
        "id": "urn:ngsi-ld:WasteContainer:r",
        "type": "WasteContainer",
        **expected,
    }


def test_retrieve_with_sys_attrs_and_attrs(client: Client, botosani: Municipality) -> None:
    EntityFactory.create(
        municipality=botosani,
        entity_id="urn:ngsi-ld:WasteContainer:r",
        attributes={
            "fillingLevel": {"type": "Property", "value": 0.7},
            "status": {"type": "Property", "value": "ok"},
        },
    )

    response = get(
        client,
        "entities/urn:ngsi-ld:WasteContainer:r",
        {"options": "sysAttrs", "attrs": "status"},
    )

    body = response.json()
    assert set(body) == {"id", "type", "status", "createdAt", "modifiedAt"}
    assert body["createdAt"].endswith("Z")


def test_an_unknown_option_is_bad_request_data(client: Client, botosani: Municipality) -> None:
    EntityFactory.create(municipality=botosani, entity_id="urn:ngsi-ld:WasteContainer:r")

    response = get(client, "entities/urn:ngsi-ld:WasteContainer:r", {"options": "fast"})

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"


def test_an_unsupported_accept_is_406(client: Client, botosani: Municipality) -> None:
    EntityFactory.create(municipality=botosani, entity_id="urn:ngsi-ld:WasteContainer:r")

    response = get(client, "entities/urn:ngsi-ld:WasteContainer:r", accept="text/html")

    assert response.status_code == 406
    assert response.json()["status"] == 406


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("application/json;q=0.5, application/ld+json", "application/ld+json"),
        ("text/html, application/ld+json;q=0.2", "application/ld+json"),
    ],
)
def test_accept_negotiation(
    client: Client, botosani: Municipality, accept: str, expected: str
) -> None:
    EntityFactory.create(municipality=botosani, entity_id="urn:ngsi-ld:WasteContainer:r")

    response = get(client, "entities/urn:ngsi-ld:WasteContainer:r", accept=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == expected


def test_an_unknown_entity_is_resource_not_found(client: Client, botosani: Municipality) -> None:
    response = get(client, "entities/urn:ngsi-ld:WasteContainer:none")

    assert response.status_code == 404
    assert problem_type(response) == "ResourceNotFound"


def test_an_id_that_is_not_a_uri_is_bad_request_data(
    client: Client, botosani: Municipality
) -> None:
    response = get(client, "entities/plainword")

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"


def test_another_citys_entity_is_not_found(
    client: Client, botosani: Municipality, timisoara: Municipality, secret: str
) -> None:
    EntityFactory.create(municipality=timisoara, entity_id="urn:ngsi-ld:WasteContainer:tm")

    read = get(client, "entities/urn:ngsi-ld:WasteContainer:tm", secret=secret)
    patch = send(
        client,
        "PATCH",
        "entities/urn:ngsi-ld:WasteContainer:tm/attrs",
        {"fillingLevel": {"type": "Property", "value": 0.9}},
        secret=secret,
    )
    deleted = send(client, "DELETE", "entities/urn:ngsi-ld:WasteContainer:tm", secret=secret)

    assert (read.status_code, patch.status_code, deleted.status_code) == (404, 404, 404)
    assert Entity.objects.get(entity_id="urn:ngsi-ld:WasteContainer:tm").attributes == {
        "fillingLevel": {"type": "Property", "value": 0.4}
    }


def test_a_private_type_needs_a_key_to_read(
    client: Client, botosani: Municipality, secret: str
) -> None:
    EntityFactory.create(
        municipality=botosani, type="Streetlight", entity_id="urn:ngsi-ld:Streetlight:1"
    )

    anonymous = get(client, "entities/urn:ngsi-ld:Streetlight:1")
    with_key = get(client, "entities/urn:ngsi-ld:Streetlight:1", secret=secret)

    assert anonymous.status_code == 401
    assert problem_type(anonymous) == "Unauthorized"
    assert with_key.status_code == 200


# DELETE entities/{id}


def test_delete(client: Client, secret: str) -> None:
    send(client, "POST", "entities", container(1), secret=secret)

    response = send(client, "DELETE", "entities/urn:ngsi-ld:WasteContainer:1", secret=secret)
    again = send(client, "DELETE", "entities/urn:ngsi-ld:WasteContainer:1", secret=secret)

    assert response.status_code == 204
    assert not Entity.objects.exists()
    assert again.status_code == 404
    assert problem_type(again) == "ResourceNotFound"


def test_delete_needs_a_key(client: Client, botosani: Municipality) -> None:
    EntityFactory.create(municipality=botosani, entity_id="urn:ngsi-ld:WasteContainer:1")

    response = send(client, "DELETE", "entities/urn:ngsi-ld:WasteContainer:1")

    assert response.status_code == 401
    assert Entity.objects.count() == 1


# PATCH / POST entities/{id}/attrs, DELETE entities/{id}/attrs/{attr}


def test_patch_changes_existing_attributes(client: Client, secret: str) -> None:
    send(client, "POST", "entities", container(1), secret=secret)

    response = send(
        client,
        "PATCH",
        "entities/urn:ngsi-ld:WasteContainer:1/attrs",
        {"fillingLevel": {"type": "Property", "value": 0.9}},
        secret=secret,
    )

    assert response.status_code == 204
    assert _attributes("urn:ngsi-ld:WasteContainer:1")["fillingLevel"]["value"] == 0.9


def test_patch_reports_unknown_attributes_as_not_updated(client: Client, secret: str) -> None:
    send(client, "POST", "entities", container(1), secret=secret)

    response = send(
        client,
        "PATCH",
        "entities/urn:ngsi-ld:WasteContainer:1/attrs",
        {
            "fillingLevel": {"type": "Property", "value": 0.9},
            "temperature": {"type": "Property", "value": 20},
        },
        secret=secret,
    )

    assert response.status_code == 207
    body = response.json()
    assert body["updated"] == ["fillingLevel"]
    assert [item["attributeName"] for item in body["notUpdated"]] == ["temperature"]
    assert body["notUpdated"][0]["reason"]
    assert "temperature" not in _attributes("urn:ngsi-ld:WasteContainer:1")


def test_patch_with_a_bad_value_writes_nothing(client: Client, secret: str) -> None:
    send(client, "POST", "entities", container(1), secret=secret)

    response = send(
        client,
        "PATCH",
        "entities/urn:ngsi-ld:WasteContainer:1/attrs",
        {"fillingLevel": {"type": "Property", "value": "lots"}},
        secret=secret,
    )

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"
    assert _attributes("urn:ngsi-ld:WasteContainer:1")["fillingLevel"]["value"] == 0.5


def test_patch_an_unknown_entity_is_not_found(client: Client, secret: str) -> None:
    response = send(
        client,
        "PATCH",
        "entities/urn:ngsi-ld:WasteContainer:404/attrs",
        {"fillingLevel": 0.2},
        secret=secret,
    )

    assert response.status_code == 404
    assert problem_type(response) == "ResourceNotFound"


def test_append_adds_and_replaces(client: Client, secret: str) -> None:
    send(client, "POST", "entities", container(1), secret=secret)

    response = send(
        client,
        "POST",
        "entities/urn:ngsi-ld:WasteContainer:1/attrs",
        {"fillingLevel": 0.6, "temperature": {"type": "Property", "value": 21.5}},
        secret=secret,
    )

    assert response.status_code == 204
    attributes = _attributes("urn:ngsi-ld:WasteContainer:1")
    assert attributes["fillingLevel"]["value"] == 0.6
    assert attributes["temperature"]["value"] == 21.5
    assert attributes["temperature"]["unitCode"] == "CEL"


def test_append_with_no_overwrite_keeps_existing_attributes(client: Client, secret: str) -> None:
    send(client, "POST", "entities", container(1), secret=secret)

    response = send(
        client,
        "POST",
        "entities/urn:ngsi-ld:WasteContainer:1/attrs?options=noOverwrite",
        {"fillingLevel": 0.6, "temperature": 21.5},
        secret=secret,
    )

    assert response.status_code == 207
    assert [item["attributeName"] for item in response.json()["notUpdated"]] == ["fillingLevel"]
    attributes = _attributes("urn:ngsi-ld:WasteContainer:1")
    assert attributes["fillingLevel"]["value"] == 0.5
    assert attributes["temperature"]["value"] == 21.5


def test_delete_an_attribute(client: Client, secret: str) -> None:
    send(client, "POST", "entities", container(1, status="ok"), secret=secret)

    response = send(
        client, "DELETE", "entities/urn:ngsi-ld:WasteContainer:1/attrs/status", secret=secret
    )
    again = send(
        client, "DELETE", "entities/urn:ngsi-ld:WasteContainer:1/attrs/status", secret=secret
    )

    assert response.status_code == 204
    assert "status" not in _attributes("urn:ngsi-ld:WasteContainer:1")
    assert again.status_code == 404
    assert problem_type(again) == "ResourceNotFound"


# entityOperations


def test_batch_create_all_succeed_is_201_with_the_ids(client: Client, secret: str) -> None:
    response = send(
        client, "POST", "entityOperations/create", [container(1), container(2)], secret=secret
    )

    assert response.status_code == 201
    assert response.json() == ["urn:ngsi-ld:WasteContainer:1", "urn:ngsi-ld:WasteContainer:2"]
    assert Entity.objects.count() == 2


def test_batch_create_reports_each_entitys_fate(client: Client, secret: str) -> None:
    send(client, "POST", "entities", container(1), secret=secret)

    response = send(
        client,
        "POST",
        "entityOperations/create",
        [container(1), container(2), container(3, type="Spaceship")],
        secret=secret,
    )

    assert response.status_code == 207
    body = response.json()
    assert body["success"] == ["urn:ngsi-ld:WasteContainer:2"]
    errors = {item["entityId"]: item["error"] for item in body["errors"]}
    assert errors["urn:ngsi-ld:WasteContainer:1"]["type"].endswith("/AlreadyExists")
    assert errors["urn:ngsi-ld:WasteContainer:1"]["status"] == 409
    assert errors["urn:ngsi-ld:WasteContainer:3"]["type"].endswith("/BadRequestData")
    assert set(Entity.objects.values_list("entity_id", flat=True)) == {
        "urn:ngsi-ld:WasteContainer:1",
        "urn:ngsi-ld:WasteContainer:2",
    }


def test_batch_upsert_creates_then_updates(client: Client, secret: str) -> None:
    created = send(client, "POST", "entityOperations/upsert", [container(1)], secret=secret)
    updated = send(
        client,
        "POST",
        "entityOperations/upsert",
        [container(1, fillingLevel={"type": "Property", "value": 0.8})],
        secret=secret,
    )

    assert created.status_code == 201
    assert created.json() == ["urn:ngsi-ld:WasteContainer:1"]
    assert updated.status_code == 204
    assert _attributes("urn:ngsi-ld:WasteContainer:1")["fillingLevel"]["value"] == 0.8


def test_batch_upsert_replaces_unless_update_is_asked(client: Client, secret: str) -> None:
    send(client, "POST", "entities", container(1, status="ok"), secret=secret)
    send(client, "POST", "entities", container(2, status="ok"), secret=secret)
    replacement = {"id": "urn:ngsi-ld:WasteContainer:1", "type": "WasteContainer", "cargoWeight": 3}
    merge = {"id": "urn:ngsi-ld:WasteContainer:2", "type": "WasteContainer", "cargoWeight": 3}

    replaced = send(client, "POST", "entityOperations/upsert", [replacement], secret=secret)
    merged = send(client, "POST", "entityOperations/upsert?options=update", [merge], secret=secret)

    assert (replaced.status_code, merged.status_code) == (204, 204)
    assert set(_attributes("urn:ngsi-ld:WasteContainer:1")) == {"cargoWeight"}
    assert set(_attributes("urn:ngsi-ld:WasteContainer:2")) == {
        "cargoWeight",
        "fillingLevel",
        "location",
        "status",
    }


def test_batch_update(client: Client, secret: str) -> None:
    send(client, "POST", "entities", container(1), secret=secret)

    response = send(
        client,
        "POST",
        "entityOperations/update",
        [
            {"id": "urn:ngsi-ld:WasteContainer:1", "type": "WasteContainer", "fillingLevel": 0.1},
            {"id": "urn:ngsi-ld:WasteContainer:9", "type": "WasteContainer", "fillingLevel": 0.1},
        ],
        secret=secret,
    )

    assert response.status_code == 207
    body = response.json()
    assert body["success"] == ["urn:ngsi-ld:WasteContainer:1"]
    assert body["errors"][0]["entityId"] == "urn:ngsi-ld:WasteContainer:9"
    assert body["errors"][0]["error"]["type"].endswith("/ResourceNotFound")
    assert _attributes("urn:ngsi-ld:WasteContainer:1")["fillingLevel"]["value"] == 0.1
    assert not Entity.objects.filter(entity_id="urn:ngsi-ld:WasteContainer:9").exists()


def test_batch_update_all_succeed_is_204(client: Client, secret: str) -> None:
    send(client, "POST", "entities", container(1), secret=secret)

    response = send(
        client,
        "POST",
        "entityOperations/update",
        [{"id": "urn:ngsi-ld:WasteContainer:1", "type": "WasteContainer", "fillingLevel": 0.1}],
        secret=secret,
    )

    assert response.status_code == 204


def test_batch_delete(client: Client, secret: str) -> None:
    send(client, "POST", "entityOperations/create", [container(1), container(2)], secret=secret)

    all_gone = send(
        client, "POST", "entityOperations/delete", ["urn:ngsi-ld:WasteContainer:1"], secret=secret
    )
    partly = send(
        client,
        "POST",
        "entityOperations/delete",
        ["urn:ngsi-ld:WasteContainer:2", "urn:ngsi-ld:WasteContainer:1"],
        secret=secret,
    )

    assert all_gone.status_code == 204
    assert partly.status_code == 207
    assert partly.json()["success"] == ["urn:ngsi-ld:WasteContainer:2"]
    assert partly.json()["errors"][0]["entityId"] == "urn:ngsi-ld:WasteContainer:1"
    assert partly.json()["errors"][0]["error"]["status"] == 404
    assert not Entity.objects.exists()


@pytest.mark.parametrize("body", [{"id": "urn:x:1"}, [], "text"])
def test_a_batch_must_be_a_non_empty_array(client: Client, secret: str, body: Any) -> None:
    response = send(client, "POST", "entityOperations/upsert", body, secret=secret)

    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"


def test_a_batch_needs_a_key(client: Client, botosani: Municipality) -> None:
    response = send(client, "POST", "entityOperations/upsert", [container(1)])

    assert response.status_code == 401
    assert not Entity.objects.exists()


def test_an_unknown_batch_operation_is_not_found(client: Client, secret: str) -> None:
    response = send(client, "POST", "entityOperations/merge", [container(1)], secret=secret)

    assert response.status_code == 404


def test_a_device_key_writes_only_its_entity(client: Client, botosani: Municipality) -> None:
    own = EntityFactory.create(municipality=botosani, entity_id="urn:ngsi-ld:WasteContainer:1")
    _key, device_secret = device_key_make(municipality=botosani, entity=own)

    response = send(
        client,
        "POST",
        "entityOperations/upsert?options=update",
        [container(1), container(2)],
        secret=device_secret,
    )

    assert response.status_code == 207
    body = response.json()
    assert body["success"] == ["urn:ngsi-ld:WasteContainer:1"]
    assert body["errors"][0]["error"]["status"] == 403
    assert not Entity.objects.filter(entity_id="urn:ngsi-ld:WasteContainer:2").exists()


def test_ld_json_batch_needs_each_entitys_context(client: Client, secret: str) -> None:
    core = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"

    good = send(
        client,
        "POST",
        "entityOperations/create",
        [container(1, **{"@context": core})],
        secret=secret,
        content_type="application/ld+json",
    )
    bad = send(
        client,
        "POST",
        "entityOperations/create",
        [container(2)],
        secret=secret,
        content_type="application/ld+json",
    )

    assert good.status_code == 201
    assert bad.status_code == 400
    assert problem_type(bad) == "BadRequestData"


@pytest.mark.parametrize(
    ("accept_language", "language", "detail"),
    [
        ("en", "en", "Unknown entity type"),
        ("ro-RO,ro;q=0.9,en;q=0.5", "ro", "Tip de entitate necunoscut"),
        ("de, en;q=0.4", "en", "Unknown entity type"),
    ],
)
def test_errors_speak_the_language_the_client_asks_for(
    client: Client, secret: str, accept_language: str, language: str, detail: str
) -> None:
    response = send(
        client,
        "POST",
        "entities",
        container(1, type="Spaceship"),
        secret=secret,
        accept_language=accept_language,
    )
    assert response.status_code == 400
    assert response["Content-Language"] == language
    assert detail in response.json()["detail"]
