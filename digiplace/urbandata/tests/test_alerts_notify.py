"""Alerts reach people and systems: the department's staff in their language (inbox and a
real SMTP server), the administrators without a department, webhooks to a real HTTP
receiver with back-off, and the whole path from an ingest write."""

from __future__ import annotations

import datetime
import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage as ParsedMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings
from django.utils import timezone
from pytest_django import Settings

from digiplace.core.models import Municipality, Notification, StaffMembership, StaffRole
from digiplace.core.tests.factories import DepartmentFactory, StaffMembershipFactory, UserFactory
from digiplace.urbandata.models import (
    Alert,
    AlertRule,
    AlertRuleKind,
    AlertState,
    Entity,
    WebhookDelivery,
)
from digiplace.urbandata.services import alert_webhooks, alerts
from digiplace.urbandata.services.ingest import WriteMode, entities_write
from digiplace.urbandata.tests.factories import EntityFactory
from digiplace.urbandata.tests.local_http import Answer, local_server

pytestmark = pytest.mark.django_db

FIRE_ID = "urn:ngsi-ld:WasteContainer:botosani-fire"


class _Collector:
    def __init__(self) -> None:
        self.messages: list[ParsedMessage] = []
        self.lock = threading.Lock()
        self.arrived = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.arrived.set()
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[_Collector]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield collector
    controller.stop()


@pytest.fixture
def sanitation(botosani: Municipality) -> dict[str, StaffMembership]:
    """The sanitation department: a Romanian and an English member who use urban data,
    one who does not, one inactive; and another department's member."""
    department = DepartmentFactory.create(municipality=botosani, name="Salubritate")
    other = DepartmentFactory.create(municipality=botosani, name="Iluminat")

    def member(email: str, language: str, **fields: Any) -> StaffMembership:
        fields.setdefault("department", department)
        fields.setdefault("modules", ["urbandata"])
        return StaffMembershipFactory.create(
            municipality=botosani,
            user=UserFactory.create(email=email, preferred_language=language),
            **fields,
        )

    return {
        "ro": member("ion@botosani.example", "ro"),
        "en": member("jane@botosani.example", "en"),
        "no_module": member("nomodule@botosani.example", "en", modules=["reports"]),
        "inactive": member("gone@botosani.example", "ro", is_active=False),
        "other": member("lights@botosani.example", "ro", department=other),
    }


def fire_rule(municipality: Municipality, **fields: Any) -> AlertRule:
    return AlertRule.objects.create(
        municipality=municipality,
        name="Incendiu la container",
        entity_type="WasteContainer",
        kind=AlertRuleKind.STATUS,
        attribute="status",
        status_values=["burning"],
        **fields,
    )


def status_write(municipality: Municipality, status: str, capture: Any) -> None:
    with capture(execute=True):
        [result] = entities_write(
            municipality=municipality,
            documents=[
                {
                    "id": FIRE_ID,
                    "type": "WasteContainer",
                    "status": {
                        "type": "Property",
                        "value": status,
                        "observedAt": timezone.now().isoformat(),
                    },
                    "location": {
                        "type": "GeoProperty",
                        "value": {"type": "Point", "coordinates": [26.6694, 47.7486]},
                    },
                }
            ],
            mode=WriteMode.UPSERT_MERGE,
            key=None,
        )
    assert result.error is None, result.error


def test_a_fire_written_through_ingest_reaches_the_departments_staff_by_smtp(
    botosani: Municipality,
    sanitation: dict[str, StaffMembership],
    smtp_server: _Collector,
    django_capture_on_commit_callbacks: Any,
) -> None:
    rule = fire_rule(botosani, department=sanitation["ro"].department)
    status_write(botosani, "ok", django_capture_on_commit_callbacks)
    assert Alert.objects.count() == 0

    status_write(botosani, "burning", django_capture_on_commit_callbacks)
    (alert,) = Alert.objects.all()
    assert alert.rule == rule and alert.state == AlertState.OPEN
    assert alert.entity.entity_id == FIRE_ID and alert.value == "burning"

    notifications = {n.recipient.email: n for n in Notification.objects.select_related("recipient")}
    assert set(notifications) == {"ion@botosani.example", "jane@botosani.example"}
    ro, en = notifications["ion@botosani.example"], notifications["jane@botosani.example"]
    assert (ro.language, en.language) == ("ro", "en")
    link = f"/backoffice/urbandata/alerts/{alert.pk}/"
    assert ro.url == en.url == link
    assert "Incendiu la container" in ro.subject
    assert "burning" in en.body

    # Both emails go through the SMTP server, each in its reader's language.
    deadline = timezone.now() + datetime.timedelta(seconds=10)
    while len(smtp_server.messages) < 2 and timezone.now() < deadline:
        smtp_server.arrived.wait(0.2)
    by_address = {str(message["To"]): message for message in smtp_server.messages}
    assert set(by_address) == {"ion@botosani.example", "jane@botosani.example"}
    ro_text = by_address["ion@botosani.example"].get_body(preferencelist=("plain",))
    en_text = by_address["jane@botosani.example"].get_body(preferencelist=("plain",))
    assert ro_text is not None and en_text is not None
    assert f"http://botosani.localhost{link}" in ro_text.get_content()
    assert "Pentru a nu mai primi aceste e-mailuri" in ro_text.get_content()
    assert "To stop these emails" in en_text.get_content()

    # The fire goes out: resolved by itself, nobody notified again.
    status_write(botosani, "ok", django_capture_on_commit_callbacks)
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED and alert.resolved_by is None
    assert Notification.objects.count() == 2


def test_without_a_department_the_city_administrators_are_notified(
    botosani: Municipality,
    timisoara: Municipality,
    botosani_admin: StaffMembership,
    botosani_staff: StaffMembership,
    timisoara_admin: StaffMembership,
    django_capture_on_commit_callbacks: Any,
) -> None:
    botosani_staff.modules = ["urbandata"]
    botosani_staff.save()
    fire_rule(botosani)
    entity = EntityFactory.create(
        municipality=botosani, attributes={"status": {"type": "Property", "value": "burning"}}
    )
    with django_capture_on_commit_callbacks(execute=True):
        alerts.entity_evaluate(entity=entity)
    recipients = {n.recipient_id for n in Notification.objects.all()}
    assert recipients == {botosani_admin.user_id}
    assert botosani_admin.role == StaffRole.ADMIN


# Webhooks


def webhook_alert(municipality: Municipality, url: str) -> tuple[AlertRule, Entity]:
    rule = fire_rule(municipality, webhook_url=url)
    entity = EntityFactory.create(
        municipality=municipality,
        attributes={"status": {"type": "Property", "value": "burning"}},
    )
    return rule, entity


@override_settings(URBANDATA_PRIVATE_HOSTS_ALLOWED=["127.0.0.1"])
def test_webhook_events_reach_a_real_receiver(
    botosani: Municipality,
    botosani_staff: StaffMembership,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with local_server({"/hook": Answer(204)}) as receiver:
        rule, entity = webhook_alert(botosani, receiver.url("/hook"))
        with django_capture_on_commit_callbacks(execute=True):
            alert = alerts.rule_apply(rule=rule, entity=entity)
        assert alert is not None
        with django_capture_on_commit_callbacks(execute=True):
            alerts.alert_acknowledge(alert=alert, actor=botosani_staff.user)
        with django_capture_on_commit_callbacks(execute=True):
            alerts.alert_resolve(alert=alert, actor=botosani_staff.user)

    bodies = [json.loads(request.body) for request in receiver.requests]
    assert [request.method for request in receiver.requests] == ["POST"] * 3
    assert [body["event"] for body in bodies] == ["opened", "acknowledged", "resolved"]
    assert bodies[0]["alert"]["id"] == alert.pk
    assert bodies[0]["entity"]["id"] == entity.entity_id
    assert bodies[0]["municipality"] == "botosani"
    assert receiver.requests[0].headers["Content-Type"] == "application/json"
    deliveries = WebhookDelivery.objects.filter(alert=alert)
    assert all(d.delivered_at is not None and d.attempts == 1 for d in deliveries)


@override_settings(URBANDATA_PRIVATE_HOSTS_ALLOWED=["127.0.0.1"])
def test_a_failing_receiver_is_retried_with_back_off_then_given_up(
    botosani: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    with local_server({"/hook": Answer(503, b"busy")}) as receiver:
        rule, entity = webhook_alert(botosani, receiver.url("/hook"))
        with django_capture_on_commit_callbacks(execute=True):
            alert = alerts.rule_apply(rule=rule, entity=entity)
        assert alert is not None
        (delivery,) = WebhookDelivery.objects.filter(alert=alert)
        assert delivery.attempts == 1 and delivery.delivered_at is None
        assert "503" in delivery.last_error
        first_failure = delivery.next_attempt_at
        start = first_failure - datetime.timedelta(minutes=1)

        # Not due yet: nothing is sent.
        assert alert_webhooks.deliveries_retry(now=start + datetime.timedelta(seconds=30)) == 0
        assert receiver.hits("/hook") == 1

        # Due after 1, then 2, then 4 minutes.
        delays = []
        moment = first_failure
        for _attempt in range(2):
            alert_webhooks.deliveries_retry(now=moment)
            delivery.refresh_from_db()
            delays.append(delivery.next_attempt_at - moment)
            moment = delivery.next_attempt_at
        assert delays == [datetime.timedelta(minutes=2), datetime.timedelta(minutes=4)]
        assert receiver.hits("/hook") == 3

        # The receiver comes back: delivered at the next due attempt.
        receiver.answers["/hook"] = Answer(200, b"{}")
        assert alert_webhooks.deliveries_retry(now=moment) == 1
        delivery.refresh_from_db()
        assert delivery.delivered_at == moment and delivery.attempts == 4
        assert receiver.hits("/hook") == 4
        assert alert_webhooks.deliveries_retry(now=moment + datetime.timedelta(hours=9)) == 0


@override_settings(URBANDATA_PRIVATE_HOSTS_ALLOWED=["127.0.0.1"])
def test_a_receiver_that_never_answers_well_is_given_up(
    botosani: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    with local_server({"/hook": Answer(500)}) as receiver:
        rule, entity = webhook_alert(botosani, receiver.url("/hook"))
        with django_capture_on_commit_callbacks(execute=True):
            alerts.rule_apply(rule=rule, entity=entity)
        delivery = WebhookDelivery.objects.get()
        moment = delivery.next_attempt_at
        for _attempt in range(alert_webhooks.MAX_ATTEMPTS + 2):
            alert_webhooks.deliveries_retry(now=moment)
            delivery.refresh_from_db()
            if delivery.given_up_at is not None:
                break
            moment = delivery.next_attempt_at
        assert delivery.given_up_at is not None
        assert delivery.attempts == alert_webhooks.MAX_ATTEMPTS
        assert receiver.hits("/hook") == alert_webhooks.MAX_ATTEMPTS


def test_a_private_receiver_is_refused_unless_allowed(
    botosani: Municipality, settings: Settings, django_capture_on_commit_callbacks: Any
) -> None:
    settings.URBANDATA_PRIVATE_HOSTS_ALLOWED = []
    with local_server({"/hook": Answer(200)}) as receiver:
        rule, entity = webhook_alert(botosani, receiver.url("/hook"))
        with django_capture_on_commit_callbacks(execute=True):
            alerts.rule_apply(rule=rule, entity=entity)
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at is None and receiver.requests == []
    assert delivery.last_error


def test_no_webhook_without_an_address(botosani: Municipality) -> None:
    rule, entity = webhook_alert(botosani, "")
    alerts.rule_apply(rule=rule, entity=entity)
    assert Alert.objects.count() == 1
    assert WebhookDelivery.objects.count() == 0


@override_settings(URBANDATA_PRIVATE_HOSTS_ALLOWED=["127.0.0.1"])
def test_one_attempt_is_sent_once_when_the_task_and_the_job_race(
    botosani: Municipality,
) -> None:
    with local_server({"/hook": Answer(500)}) as receiver:
        rule, entity = webhook_alert(botosani, receiver.url("/hook"))
        alert = alerts.rule_apply(rule=rule, entity=entity)  # on-commit task not run
        assert alert is not None
        delivery = WebhookDelivery.objects.get()
        stale = WebhookDelivery.objects.select_related("alert__rule").get()
        assert alert_webhooks.delivery_attempt(delivery=delivery) is False
        # The other worker read the row before: its attempt is not taken twice.
        assert alert_webhooks.delivery_attempt(delivery=stale) is False
        assert receiver.hits("/hook") == 1
        delivery.refresh_from_db()
        assert delivery.attempts == 1
