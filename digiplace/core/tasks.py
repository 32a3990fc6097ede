"""Background tasks of the core (run by `manage.py db_worker`)."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks import task

from .models import Notification


@task()
def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification; safe to run twice (a sent one is not sent again)."""
    notification = (
        Notification.objects.select_related("recipient", "municipality")
        .filter(pk=notification_id, send_email=True, emailed_at__isnull=True)
        .first()
    )
    if notification is None:
        return False
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{notification.url}"
    sender_name = notification.municipality.name if notification.municipality else "DigiPlace"
    EmailMessage(
        subject=notification.subject,
        body=body,
        to=[notification.recipient.email],
        headers={"X-DigiPlace-Kind": notification.kind, "X-DigiPlace-From": sender_name},
    ).send()
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True


@task()
def email_send(*, subject: str, body: str, to: list[str]) -> int:
    """Send one plain-text email (account confirmations, password resets)."""
    return EmailMessage(subject=subject, body=body, to=to).send()
