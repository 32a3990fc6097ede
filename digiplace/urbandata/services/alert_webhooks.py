"""Alert webhooks: each event of an alert whose rule names a webhook (opened, acknowledged,
resolved) is one ``WebhookDelivery``, POSTed as JSON by a task once the event commits.

A failed attempt waits 1, 2, 4, 8… minutes (``retry_delay``) before the next; the minute job
``deliveries_retry`` sends what is due; after ``MAX_ATTEMPTS`` the delivery is given up.
Requests go through urban data's network guard: private and local addresses are refused
unless ``URBANDATA_PRIVATE_HOSTS_ALLOWED`` lists them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import netguard
from ..models import Alert, WebhookDelivery

MAX_ATTEMPTS = 8
FIRST_ATTEMPT_GRACE = datetime.timedelta(minutes=1)
TIMEOUT_SECONDS = 10
# The receiver's answer is not read beyond this.
MAX_ANSWER_BYTES = 64_000
USER_AGENT = "DigiPlace-urbandata-alerts/1"


class WebhookError(Exception):
    """Why an attempt failed, in a few words (kept in ``last_error``)."""


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 1, 2, 4, 8… minutes."""
    return datetime.timedelta(minutes=2 ** max(attempts - 1, 0))


def alert_payload(alert: Alert, event: str) -> dict[str, Any]:
    rule, entity = alert.rule, alert.entity
    return {
        "event": event,
        "alert": {
            "id": alert.pk,
            "state": alert.state,
            "message": alert.message,
            "value": alert.value,
            "openedAt": alert.opened_at.isoformat(),
            "acknowledgedAt": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
            "resolvedAt": alert.resolved_at.isoformat() if alert.resolved_at else None,
        },
        "rule": {"id": rule.pk, "name": rule.name, "kind": rule.kind},
        "entity": {
            "id": entity.entity_id,
            "type": entity.type,
            "name": entity.name,
            "latitude": entity.latitude,
            "longitude": entity.longitude,
        },
        "municipality": alert.municipality.slug,
    }


def delivery_queue(*, alert: Alert, event: str) -> WebhookDelivery | None:
    """A delivery of ``event`` when the alert's rule has a webhook, sent after commit."""
    if not alert.rule.webhook_url:
        return None
    # Due a minute later: the task sends it at once; the minute job only if the task did not.
    delivery = WebhookDelivery.objects.create(
        alert=alert,
        event=event,
        payload=alert_payload(alert, event),
        next_attempt_at=timezone.now() + FIRST_ATTEMPT_GRACE,
    )

    def enqueue() -> None:
        from ..tasks_alerts import alert_webhook_send

        alert_webhook_send.enqueue(delivery_id=delivery.pk)

    transaction.on_commit(enqueue)
    return delivery


def post_json(url: str, payload: dict[str, Any], *, timeout: float = TIMEOUT_SECONDS) -> int:
    """POST ``payload`` as JSON through the network guard; the status code (2xx) or
    ``WebhookError``."""
    try:
        response = netguard.safe_request(
            "POST",
            url,
            json=payload,
            headers={"User-Agent": USER_AGENT},
            timeout=timeout,
            max_bytes=MAX_ANSWER_BYTES,
            follow_redirects=False,
        )
    except netguard.NetguardError as error:
        raise WebhookError(str(error)[:300]) from error
    if not response.ok:
        raise WebhookError(f"HTTP {response.status} {response.reason}".strip()[:300])
    return response.status


def _claim(delivery: WebhookDelivery, now: datetime.datetime) -> bool:
    """Take the next attempt of ``delivery``: one conditional update counts the attempt and
    sets when the following one is due, so that the first-attempt task and the minute job
    (or two workers) never send the same attempt twice."""
    attempts = delivery.attempts + 1
    next_attempt_at = now + retry_delay(attempts)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        attempts=delivery.attempts,
        delivered_at__isnull=True,
        given_up_at__isnull=True,
    ).update(attempts=attempts, next_attempt_at=next_attempt_at)
    if claimed:
        delivery.attempts, delivery.next_attempt_at = attempts, next_attempt_at
    return bool(claimed)


def delivery_attempt(*, delivery: WebhookDelivery, now: datetime.datetime | None = None) -> bool:
    """Send one delivery now; True when it was delivered. A failure leaves the next attempt
    due after ``retry_delay``, or gives up after ``MAX_ATTEMPTS``."""
    now = now or timezone.now()
    if delivery.delivered_at is not None or delivery.given_up_at is not None:
        return delivery.delivered_at is not None
    if not _claim(delivery, now):
        return False
    url = delivery.alert.rule.webhook_url
    try:
        if not url:
            raise WebhookError("the rule has no webhook any more")
        post_json(url, delivery.payload)
    except WebhookError as error:
        delivery.last_error = str(error)[:300]
        fields = ["last_error"]
        if delivery.attempts >= MAX_ATTEMPTS or not url:
            delivery.given_up_at = now
            fields.append("given_up_at")
        delivery.save(update_fields=fields)
        return False
    delivery.delivered_at = now
    delivery.last_error = ""
    delivery.save(update_fields=["delivered_at", "last_error"])
    return True


def deliveries_retry(*, now: datetime.datetime | None = None) -> int:
    """Send every delivery that is due (the minute job); how many were delivered."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        delivered_at__isnull=True, given_up_at__isnull=True, next_attempt_at__lte=now
    ).select_related("alert__rule", "alert__entity", "alert__municipality")
    delivered = 0
    for delivery in due.order_by("next_attempt_at", "pk")[:200]:
        if delivery_attempt(delivery=delivery, now=now):
            delivered += 1
    return delivered
