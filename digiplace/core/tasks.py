"""Background tasks of the core (run by `manage.py db_worker`)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from . import metrics
from .models import Municipality, Notification
from .notifications import email_message, email_opted_out


@task()
def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification; safe to run twice (a sent one is not sent again)."""
    notification = (
        Notification.objects.select_related("recipient", "municipality")
        .prefetch_related("municipality__hosts")
        .filter(pk=notification_id, send_email=True, emailed_at__isnull=True)
        .first()
    )
    if notification is None:
        return False
    recipient = notification.recipient
    if not recipient.notify_by_email or email_opted_out(
        email=recipient.email, scope=notification.unsubscribe_scope
    ):
        # Unsubscribed between the notification and its email.
        return False
    email_message(
        subject=notification.subject,
        body=notification.body,
        to=recipient.email,
        municipality=notification.municipality,
        language=notification.language,
        url=notification.url,
        unsubscribe_scope=notification.unsubscribe_scope,
        kind=notification.kind,
    ).send()
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    metrics.notification_sent("email")
    return True


@task()
def email_send(
    *,
    subject: str,
    body: str,
    to: list[str],
    municipality_id: int | None = None,
    language: str = "",
    url: str = "",
    unsubscribe_scope: str = "",
    kind: str = "",
) -> int:
    """Send one plain-text email to each address of ``to`` (account confirmations, password
    resets, residents without an account), from ``municipality_id``'s sender when given,
    with ``url`` (a path) made absolute on its host; with ``unsubscribe_scope``, addresses
    that opted out of it are left out and each message carries its own unsubscribe link."""
    municipality = (
        Municipality.objects.prefetch_related("hosts").filter(pk=municipality_id).first()
        if municipality_id is not None
        else None
    )
    sent = 0
    for address in to:
        if unsubscribe_scope and email_opted_out(email=address, scope=unsubscribe_scope):
            continue
        sent += email_message(
            subject=subject,
            body=body,
            to=address,
            municipality=municipality,
            language=language,
            url=url,
            unsubscribe_scope=unsubscribe_scope,
            kind=kind,
        ).send()
    metrics.notification_sent("email", sent)
    return sent
