"""NGSI-LD subscriptions API: create, list, retrieve, update, delete, and every refusal as
ProblemDetails (ETSI GS CIM 009, clauses 5.8 and 6.10–6.11)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from digiplace.urbandata.models import Subscription

from .factories import EntityFactory, bearer, device_key_make

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
BASE = "/ngsi-ld/v1/subscriptions"
ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"
PLATFORM_ERRORS = "https://digiplace.eu/problems/"
SUBSCRIPTION_ID = "urn:ngsi-ld:Subscription:bins-full"


def auth(secret: str) -> dict[str, Any]:
    """``Authorization: Bearer <secret>`` for the test client (typed for its keywords)."""
    return dict(bearer(secret))


def document(**changes):
    body = {
        "id": SUBSCRIPTION_ID,
        "type": "Subscription",
        "entities": [{"type": "WasteContainer"}],
        "watchedAttributes": ["fillingLevel"],
        "q": "fillingLevel>0.8",
        "notification": {
            "attributes": ["fillingLevel"],
            "format": "keyValues",
            "endpoint": {"uri": "http://203.0.113.5/notify", "accept": "application/json"},
        },
        "throttling": 60,
    }
    body.update(changes)
    return {name: value for name, value in body.items() if value is not None}


@pytest.fixture
def key(botosani):
    return device_key_make(municipality=botosani)[1]


@pytest.fixture
def client():
    return Client(HTTP_HOST=BOTOSANI)


def post(client, key, body, content_type="application/json", **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(BASE, data, content_type=content_type, **auth(key), **headers)


def problem(response, status, kind):
    assert response.status_code == status, response.content
    body = response.json()
    base = PLATFORM_ERRORS if kind in ("Unauthorized", "Forbidden") else ERRORS
    assert body["type"] == base + kind
    assert body["title"] and body["detail"]
    return body


def test_create_then_retrieve_gives_the_document_back_with_its_status(client, key, botosani):
    response = post(client, key, document())

    assert response.status_code == 201
    assert response["Location"] == f"{BASE}/{SUBSCRIPTION_ID}"
    assert response.content == b""
    stored = Subscription.objects.get(municipality=botosani)
    assert stored.subscription_id == SUBSCRIPTION_ID
    assert stored.entity_types == ["WasteContainer"]
    assert stored.watched_attributes == ["fillingLevel"]
    assert stored.throttling == 60
    assert stored.endpoint == "http://203.0.113.5/notify"

    fetched = client.get(f"{BASE}/{SUBSCRIPTION_ID}", **auth(key))
    assert fetched.status_code == 200
    assert fetched["Content-Type"] == "application/json"
    assert "ngsi-ld-core-context" in fetched["Link"]
    expected = {**document(), "status": "active"}
    assert fetched.json() == expected


def test_create_without_id_generates_a_subscription_urn(client, key, botosani):
    response = post(client, key, document(id=None))

    assert response.status_code == 201
    stored = Subscription.objects.get(municipality=botosani)
    assert stored.subscription_id.startswith("urn:ngsi-ld:Subscription:")
    assert response["Location"] == f"{BASE}/{stored.subscription_id}"


def test_json_ld_terms_are_expanded_with_the_body_context(client, key, botosani):
    context = [
        {
            "Bin": "https://smartdatamodels.org/dataModel.WasteManagement/WasteContainer",
            "fill": "https://smartdatamodels.org/dataModel.WasteManagement/fillingLevel",
        }
    ]
    body = document(
        entities=[{"type": "Bin"}],
        watchedAttributes=["fill"],
        q="fill>0.8",
        notification={"attributes": ["fill"], "endpoint": {"uri": "http://203.0.113.5/n"}},
    )
    response = post(client, key, {**body, "@context": context}, content_type="application/ld+json")

    assert response.status_code == 201, response.content
    stored = Subscription.objects.get()
    assert stored.context == context
    assert stored.entity_types == ["WasteContainer"]
    assert stored.watched_attributes == ["fillingLevel"]
    assert stored.document["notification"]["attributes"] == ["fillingLevel"]

    # Read back with the core context only: the platform's own names.
    plain = client.get(f"{BASE}/{SUBSCRIPTION_ID}", **auth(key)).json()
    assert plain["entities"] == [{"type": "WasteContainer"}]
    assert plain["watchedAttributes"] == ["fillingLevel"]
    # In JSON-LD the answer carries the core @context.
    fetched = client.get(
        f"{BASE}/{SUBSCRIPTION_ID}", HTTP_ACCEPT="application/ld+json", **auth(key)
    )
    assert fetched["Content-Type"] == "application/ld+json"
    assert "ngsi-ld-core-context" in str(fetched.json()["@context"])


def test_an_unreachable_context_is_ld_context_not_available(client, key):
    response = post(
        client,
        key,
        document(),
        HTTP_LINK='<http://127.0.0.1:9/ctx.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; '
        'type="application/ld+json"',
    )

    problem(response, 503, "LdContextNotAvailable")
    assert not Subscription.objects.exists()


def test_a_duplicate_id_is_already_exists(client, key):
    assert post(client, key, document()).status_code == 201

    problem(post(client, key, document()), 409, "AlreadyExists")
    assert Subscription.objects.count() == 1


def test_the_same_id_in_another_city_is_another_subscription(client, key, timisoara):
    timisoara_key = device_key_make(municipality=timisoara)[1]
    assert post(client, key, document()).status_code == 201

    response = post(Client(HTTP_HOST=TIMISOARA), timisoara_key, document())

    assert response.status_code == 201
    assert Subscription.objects.count() == 2
    # Each city sees its own only.
    listed = Client(HTTP_HOST=TIMISOARA).get(BASE, **auth(timisoara_key)).json()
    assert [item["id"] for item in listed] == [SUBSCRIPTION_ID]


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (document(type="Entity"), "BadRequestData"),
        (document(type=None), "BadRequestData"),
        (document(id="not a uri"), "BadRequestData"),
        (document(entities=None, watchedAttributes=None), "BadRequestData"),
        (document(entities=[]), "BadRequestData"),
        (document(entities=[{"id": "urn:x:1"}]), "BadRequestData"),
        (document(entities=[{"type": "WasteContainer", "idPattern": "(["}]), "BadRequestData"),
        (document(watchedAttributes=[]), "BadRequestData"),
        (document(watchedAttributes="fillingLevel"), "BadRequestData"),
        (document(q="(fillingLevel>0.8"), "BadRequestData"),
        (document(notification=None), "BadRequestData"),
        (document(notification={"format": "keyValues"}), "BadRequestData"),
        (document(notification={"endpoint": {"uri": "not a uri"}}), "BadRequestData"),
        (
            document(notification={"endpoint": {"uri": "http://x.org/", "accept": "text/html"}}),
            "BadRequestData",
        ),
        (
            document(notification={"format": "xml", "endpoint": {"uri": "http://x.org/"}}),
            "BadRequestData",
        ),
        (document(throttling=-5), "BadRequestData"),
        (document(throttling="often"), "BadRequestData"),
        (document(timeInterval=10), "BadRequestData"),  # with watchedAttributes
        (document(expiresAt="2001-01-01T00:00:00Z"), "BadRequestData"),
        (document(expiresAt="tomorrow"), "BadRequestData"),
        (document(isActive="yes"), "BadRequestData"),
        (document(colour="red"), "BadRequestData"),
        (
            document(notification={"endpoint": {"uri": "mqtt://broker.example.org/topic"}}),
            "OperationNotSupported",
        ),
        (document(geoQ={"georel": "near;maxDistance==10"}), "OperationNotSupported"),
        (
            document(
                notification={
                    "endpoint": {
                        "uri": "http://x.org/",
                        "receiverInfo": [{"key": "Content-Type", "value": "text/plain"}],
                    }
                }
            ),
            "BadRequestData",
        ),
        (
            document(
                notification={
                    "endpoint": {
                        "uri": "http://x.org/",
                        "receiverInfo": [{"key": "X-Token", "value": "a\r\nHost: evil"}],
                    }
                }
            ),
            "BadRequestData",
        ),
    ],
)
def test_a_bad_document_is_refused_and_nothing_is_stored(client, key, body, kind):
    status = 422 if kind == "OperationNotSupported" else 400
    problem(post(client, key, body), status, kind)
    assert not Subscription.objects.exists()


def test_malformed_json_and_wrong_media_types_are_refused(client, key):
    problem(post(client, key, "{not json"), 400, "InvalidRequest")
    assert post(client, key, document(), content_type="text/plain").status_code == 415
    # JSON-LD needs its @context; plain JSON must not carry one.
    problem(
        post(client, key, document(), content_type="application/ld+json"), 400, "BadRequestData"
    )
    problem(post(client, key, {**document(), "@context": "https://x.org/c"}), 400, "BadRequestData")
    problem(post(client, key, [document()]), 400, "BadRequestData")
    assert not Subscription.objects.exists()


def test_every_operation_needs_a_key(client, key):
    assert post(client, key, document()).status_code == 201
    assert (
        client.post(BASE, json.dumps(document()), content_type="application/json").status_code
        == 401
    )
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/{SUBSCRIPTION_ID}").status_code == 401
    assert client.delete(f"{BASE}/{SUBSCRIPTION_ID}").status_code == 401
    problem(client.get(BASE, HTTP_AUTHORIZATION="Bearer dpk_unknown"), 401, "Unauthorized")
    assert Subscription.objects.count() == 1


def test_a_device_key_cannot_manage_subscriptions(client, botosani):
    entity = EntityFactory.create(municipality=botosani)
    device_secret = device_key_make(municipality=botosani, entity=entity)[1]

    problem(post(client, device_secret, document()), 403, "Forbidden")
    assert not Subscription.objects.exists()


def test_list_pages_with_link_headers_and_count(client, key):
    for number in range(5):
        assert (
            post(client, key, document(id=f"urn:ngsi-ld:Subscription:{number}")).status_code == 201
        )

    first = client.get(BASE, {"limit": 2, "count": "true"}, **auth(key))

    assert first.status_code == 200
    assert [item["id"] for item in first.json()] == [
        "urn:ngsi-ld:Subscription:0",
        "urn:ngsi-ld:Subscription:1",
    ]
    assert first["NGSILD-Results-Count"] == "5"
    assert '</ngsi-ld/v1/subscriptions?count=true&limit=2&offset=2>; rel="next"' in first["Link"]
    assert 'rel="prev"' not in first["Link"]

    last = client.get(BASE, {"limit": 2, "offset": 4}, **auth(key))
    assert [item["id"] for item in last.json()] == ["urn:ngsi-ld:Subscription:4"]
    assert '</ngsi-ld/v1/subscriptions?limit=2&offset=2>; rel="prev"' in last["Link"]
    assert 'rel="next"' not in last["Link"]

    problem(client.get(BASE, {"limit": "many"}, **auth(key)), 400, "BadRequestData")
    problem(client.get(BASE, {"limit": 0}, **auth(key)), 400, "BadRequestData")
    problem(client.get(BASE, {"limit": 5000}, **auth(key)), 403, "TooManyResults")
    counted = client.get(BASE, {"limit": 0, "count": "true"}, **auth(key))
    assert counted.json() == [] and counted["NGSILD-Results-Count"] == "5"


def test_patch_changes_the_given_members_and_keeps_the_others(client, key):
    assert post(client, key, document()).status_code == 201

    response = client.patch(
        f"{BASE}/{SUBSCRIPTION_ID}",
        json.dumps({"throttling": 5, "isActive": False, "notification": {"format": "concise"}}),
        content_type="application/json",
        **auth(key),
    )

    assert response.status_code == 204
    stored = Subscription.objects.get()
    assert stored.throttling == 5
    assert stored.is_active is False
    fetched = client.get(f"{BASE}/{SUBSCRIPTION_ID}", **auth(key)).json()
    assert fetched["status"] == "paused"
    assert fetched["notification"]["format"] == "concise"
    assert fetched["notification"]["attributes"] == ["fillingLevel"]
    assert fetched["q"] == "fillingLevel>0.8"


def test_patch_with_null_removes_a_member(client, key):
    assert post(client, key, document()).status_code == 201

    response = client.patch(
        f"{BASE}/{SUBSCRIPTION_ID}",
        json.dumps({"q": None}),
        content_type="application/json",
        **auth(key),
    )

    assert response.status_code == 204
    stored = Subscription.objects.get()
    assert stored.q == "" and "q" not in stored.document


def test_a_bad_patch_changes_nothing(client, key):
    assert post(client, key, document()).status_code == 201
    before = Subscription.objects.get().document

    for fragment in (
        {"throttling": 0},
        {"id": "urn:ngsi-ld:Subscription:other"},
        {},
        {"notification": None},
    ):
        response = client.patch(
            f"{BASE}/{SUBSCRIPTION_ID}",
            json.dumps(fragment),
            content_type="application/json",
            **auth(key),
        )
        problem(response, 400, "BadRequestData")
    assert Subscription.objects.get().document == before


def test_unknown_subscriptions_are_resource_not_found(client, key):
    missing = f"{BASE}/urn:ngsi-ld:Subscription:missing"
    problem(client.get(missing, **auth(key)), 404, "ResourceNotFound")
    problem(client.delete(missing, **auth(key)), 404, "ResourceNotFound")
    problem(
        client.patch(
            missing, json.dumps({"throttling": 5}), content_type="application/json", **auth(key)
        ),
        404,
        "ResourceNotFound",
    )
    problem(client.get(f"{BASE}/not-a-uri", **auth(key)), 400, "BadRequestData")


def test_delete_removes_the_subscription(client, key):
    assert post(client, key, document()).status_code == 201

    response = client.delete(f"{BASE}/{SUBSCRIPTION_ID}", **auth(key))

    assert response.status_code == 204
    assert not Subscription.objects.exists()
    problem(client.get(f"{BASE}/{SUBSCRIPTION_ID}", **auth(key)), 404, "ResourceNotFound")


def test_another_citys_subscription_is_not_found(client, key, timisoara):
    assert post(client, key, document()).status_code == 201
    timisoara_key = device_key_make(municipality=timisoara)[1]
    other = Client(HTTP_HOST=TIMISOARA)

    problem(other.get(f"{BASE}/{SUBSCRIPTION_ID}", **auth(timisoara_key)), 404, "ResourceNotFound")
    problem(
        other.delete(f"{BASE}/{SUBSCRIPTION_ID}", **auth(timisoara_key)), 404, "ResourceNotFound"
    )
    # A Botoșani key is no key in Timișoara.
    problem(other.get(f"{BASE}/{SUBSCRIPTION_ID}", **auth(key)), 401, "Unauthorized")
    assert Subscription.objects.count() == 1
