"""Subscriptions notify a real HTTP receiver (a server on 127.0.0.1 started by the test) when
the entities they watch change: the body received is NGSI-LD's Notification; q,
watchedAttributes, throttling, activity, expiry and the address guard decide whether one
is sent (ETSI GS CIM 009, clauses 5.3.1 and 5.11.7)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from digiplace.urbandata.models import Subscription
from digiplace.urbandata.services.ingest import WriteMode, entities_write, entity_delete
from digiplace.urbandata.services.subscriptions import subscriptions_periodic_notify

from .factories import EntityFactory, bearer, device_key_make
from .local_http import Answer, local_server

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
BASE = "/ngsi-ld/v1/subscriptions"
BIN = "urn:ngsi-ld:WasteContainer:botosani-7"
LOOPBACK_ALLOWED = override_settings(URBANDATA_PRIVATE_HOSTS_ALLOWED=["127.0.0.1"])
NOTHING_ALLOWED = override_settings(URBANDATA_PRIVATE_HOSTS_ALLOWED=[])


def auth(secret: str) -> dict[str, Any]:
    """``Authorization: Bearer <secret>`` for the test client (typed for its keywords)."""
    return dict(bearer(secret))


@pytest.fixture
def key(botosani):
    return device_key_make(municipality=botosani)[1]


@pytest.fixture
def receiver():
    with local_server({"/notify": Answer(200, b"")}) as server:
        yield server


def subscribe(key, uri, **changes):
    body = {
        "id": "urn:ngsi-ld:Subscription:full-bins",
        "type": "Subscription",
        "entities": [{"type": "WasteContainer", "idPattern": "^urn:ngsi-ld:WasteContainer:"}],
        "watchedAttributes": ["fillingLevel"],
        "q": "fillingLevel>0.8",
        "notification": {
            "attributes": ["fillingLevel"],
            "format": "keyValues",
            "endpoint": {"uri": uri, "accept": "application/json"},
        },
    }
    body.update(changes)
    body = {name: value for name, value in body.items() if value is not None}
    response = Client(HTTP_HOST=BOTOSANI).post(
        BASE, json.dumps(body), content_type="application/json", **auth(key)
    )
    assert response.status_code == 201, response.content
    return body["id"]


def write(municipality, capture, entity_id=BIN, **attributes):
    observed = timezone.now().isoformat()
    document = {
        "id": entity_id,
        "type": "WasteContainer",
        **{
            name: {"type": "Property", "value": value, "observedAt": observed}
            for name, value in attributes.items()
        },
    }
    with capture(execute=True):
        [result] = entities_write(
            municipality=municipality, documents=[document], mode=WriteMode.UPSERT_MERGE, key=None
        )
    assert result.error is None, result.error


def bodies(server):
    return [json.loads(request.body) for request in server.requests if request.path == "/notify"]


def test_a_matching_change_notifies_the_receiver(
    botosani, key, receiver, django_capture_on_commit_callbacks
):
    with LOOPBACK_ALLOWED:
        subscription_id = subscribe(key, receiver.url("/notify"))
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.9, temperature=21.0)

    [notification] = bodies(receiver)
    assert notification["id"].startswith("urn:ngsi-ld:Notification:")
    assert notification["type"] == "Notification"
    assert notification["subscriptionId"] == subscription_id
    notified_at = datetime.datetime.fromisoformat(notification["notifiedAt"])
    assert abs((timezone.now() - notified_at).total_seconds()) < 60
    # keyValues, with only the attributes the subscription asks for.
    assert notification["data"] == [{"id": BIN, "type": "WasteContainer", "fillingLevel": 0.9}]
    [request] = receiver.requests
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json"
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in request.headers["Link"]

    stored = Subscription.objects.get()
    assert stored.times_sent == 1
    assert stored.last_success_at is not None and stored.last_failure_at is None
    shown = Client(HTTP_HOST=BOTOSANI).get(f"{BASE}/{subscription_id}", **auth(key)).json()
    assert shown["notification"]["timesSent"] == 1
    assert shown["notification"]["status"] == "ok"
    assert "lastSuccess" in shown["notification"] and "lastNotification" in shown["notification"]


def test_q_decides_on_the_entitys_current_state(
    botosani, key, receiver, django_capture_on_commit_callbacks
):
    with LOOPBACK_ALLOWED:
        subscribe(key, receiver.url("/notify"))
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.5)
        assert bodies(receiver) == []
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.85)

    assert [body["data"][0]["fillingLevel"] for body in bodies(receiver)] == [0.85]


def test_only_watched_attributes_trigger(
    botosani, key, receiver, django_capture_on_commit_callbacks
):
    with LOOPBACK_ALLOWED:
        subscribe(key, receiver.url("/notify"), q=None)
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.3)
        write(botosani, django_capture_on_commit_callbacks, temperature=30.0)

    assert len(bodies(receiver)) == 1


def test_entity_selectors_decide_which_entities_count(
    botosani, key, receiver, django_capture_on_commit_callbacks
):
    with LOOPBACK_ALLOWED:
        subscribe(
            key,
            receiver.url("/notify"),
            q=None,
            entities=[{"type": "WasteContainer", "id": "urn:ngsi-ld:WasteContainer:other"}],
        )
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.9)
        assert bodies(receiver) == []
        write(
            botosani,
            django_capture_on_commit_callbacks,
            entity_id="urn:ngsi-ld:WasteContainer:other",
            fillingLevel=0.9,
        )

    assert [body["data"][0]["id"] for body in bodies(receiver)] == [
        "urn:ngsi-ld:WasteContainer:other"
    ]


def test_throttling_holds_back_notifications_until_it_elapses(
    botosani, key, receiver, django_capture_on_commit_callbacks
):
    with LOOPBACK_ALLOWED:
        subscribe(key, receiver.url("/notify"), throttling=300)
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.9)
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.95)
        assert len(bodies(receiver)) == 1
        # Five minutes later (the last notification moved back), the next change is sent.
        Subscription.objects.update(
            last_notification_at=timezone.now() - datetime.timedelta(seconds=301)
        )
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.97)

    assert [body["data"][0]["fillingLevel"] for body in bodies(receiver)] == [0.9, 0.97]
    assert Subscription.objects.get().times_sent == 2


def test_a_private_address_is_refused_when_not_allowed(
    botosani, key, receiver, django_capture_on_commit_callbacks
):
    with LOOPBACK_ALLOWED:
        subscription_id = subscribe(key, receiver.url("/notify"))
    with NOTHING_ALLOWED:
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.9)

    assert receiver.requests == []
    stored = Subscription.objects.get()
    assert stored.last_failure_at is not None and stored.last_success_at is None
    shown = Client(HTTP_HOST=BOTOSANI).get(f"{BASE}/{subscription_id}", **auth(key)).json()
    assert shown["notification"]["status"] == "failed"
    assert "lastFailure" in shown["notification"]


def test_an_error_answer_is_recorded_as_a_failure(
    botosani, key, django_capture_on_commit_callbacks
):
    with local_server({"/notify": Answer(500, b"{}")}) as server, LOOPBACK_ALLOWED:
        subscribe(key, server.url("/notify"))
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.9)

    assert len(bodies(server)) == 1
    stored = Subscription.objects.get()
    assert stored.times_sent == 1
    assert stored.last_failure_at is not None and stored.last_success_at is None


def test_paused_and_expired_subscriptions_are_not_notified(
    botosani, key, receiver, django_capture_on_commit_callbacks
):
    with LOOPBACK_ALLOWED:
        subscribe(key, receiver.url("/notify"), isActive=False)
        subscribe(key, receiver.url("/notify"), id="urn:ngsi-ld:Subscription:soon-over")
        Subscription.objects.filter(subscription_id="urn:ngsi-ld:Subscription:soon-over").update(
            expires_at=timezone.now() - datetime.timedelta(minutes=1)
        )
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.9)

    assert bodies(receiver) == []
    shown = Client(HTTP_HOST=BOTOSANI).get(BASE, **auth(key)).json()
    assert sorted(item["status"] for item in shown) == ["expired", "paused"]


def test_normalized_json_ld_notification_carries_its_context(
    botosani, key, receiver, django_capture_on_commit_callbacks
):
    with LOOPBACK_ALLOWED:
        subscribe(
            key,
            receiver.url("/notify"),
            q=None,
            notification={
                "format": "normalized",
                "endpoint": {"uri": receiver.url("/notify"), "accept": "application/ld+json"},
            },
        )
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.6)

    [notification] = bodies(receiver)
    assert receiver.requests[0].headers["Content-Type"] == "application/ld+json"
    assert "@context" in notification
    [entity] = notification["data"]
    assert entity["id"] == BIN
    assert entity["fillingLevel"]["type"] == "Property"
    assert entity["fillingLevel"]["value"] == 0.6
    assert "observedAt" in entity["fillingLevel"]


def test_another_citys_changes_and_deletions_notify_nothing(
    botosani, timisoara, key, receiver, django_capture_on_commit_callbacks
):
    with LOOPBACK_ALLOWED:
        subscribe(key, receiver.url("/notify"), q=None, watchedAttributes=None)
        write(timisoara, django_capture_on_commit_callbacks, fillingLevel=0.9)
        assert bodies(receiver) == []
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.2)
        with django_capture_on_commit_callbacks(execute=True):
            entity_delete(municipality=botosani, entity_id=BIN, key=None)

    assert len(bodies(receiver)) == 1


def test_notifications_use_the_subscribers_terms(
    botosani, key, receiver, django_capture_on_commit_callbacks
):
    context = [{"fill": "https://smartdatamodels.org/dataModel.WasteManagement/fillingLevel"}]
    body = {
        "id": "urn:ngsi-ld:Subscription:terms",
        "type": "Subscription",
        "entities": [{"type": "WasteContainer"}],
        "watchedAttributes": ["fill"],
        "q": "fill>0.8",
        "notification": {
            "attributes": ["fill"],
            "format": "keyValues",
            "endpoint": {"uri": receiver.url("/notify"), "accept": "application/ld+json"},
        },
        "@context": context,
    }
    with LOOPBACK_ALLOWED:
        response = Client(HTTP_HOST=BOTOSANI).post(
            BASE, json.dumps(body), content_type="application/ld+json", **auth(key)
        )
        assert response.status_code == 201, response.content
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.5)
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.9)

    [notification] = bodies(receiver)
    assert notification["data"] == [{"id": BIN, "type": "WasteContainer", "fill": 0.9}]
    assert notification["@context"] == context[0]


def test_periodic_subscriptions_send_every_matching_entity_each_interval(
    botosani, key, receiver, django_capture_on_commit_callbacks
):
    for number, level in ((1, 0.9), (2, 0.95), (3, 0.1)):
        EntityFactory.create(
            municipality=botosani,
            entity_id=f"urn:ngsi-ld:WasteContainer:p{number}",
            attributes={"fillingLevel": {"type": "Property", "value": level}},
        )
    with LOOPBACK_ALLOWED:
        subscribe(key, receiver.url("/notify"), watchedAttributes=None, timeInterval=600)
        with django_capture_on_commit_callbacks(execute=True):
            assert subscriptions_periodic_notify.call() == 1
            # Within the interval: nothing more.
            assert subscriptions_periodic_notify.call() == 0
        Subscription.objects.update(
            last_notification_at=timezone.now() - datetime.timedelta(seconds=601)
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert subscriptions_periodic_notify.call() == 1

    first, second = bodies(receiver)
    assert [entity["id"] for entity in first["data"]] == [
        "urn:ngsi-ld:WasteContainer:p1",
        "urn:ngsi-ld:WasteContainer:p2",
    ]
    assert second["data"] == first["data"]
    # A change does not notify a periodic subscription by itself.
    with LOOPBACK_ALLOWED:
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.99)
    assert len(bodies(receiver)) == 2


def test_receiver_info_is_sent_as_headers(
    botosani, key, receiver, django_capture_on_commit_callbacks
):
    with LOOPBACK_ALLOWED:
        subscribe(
            key,
            receiver.url("/notify"),
            q=None,
            notification={
                "endpoint": {
                    "uri": receiver.url("/notify"),
                    "receiverInfo": [{"key": "X-Receiver-Token", "value": "s3cret"}],
                }
            },
        )
        write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.4)

    [request] = receiver.requests
    assert request.headers["X-Receiver-Token"] == "s3cret"
    assert request.headers["Content-Type"] == "application/json"
