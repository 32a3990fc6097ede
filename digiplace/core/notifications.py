"""The one way to notify a person: an inbox entry and, by their preference, an email.

Text is rendered in the recipient's language when the notification is created; the
email goes out through the background-task worker after the transaction commits.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise

from .models import Municipality, Notification, User


def notification_send(
    *,
    recipient: User,
    kind: str,
    subject: str | Promise,
    body: str | Promise,
    url: str = "",
    municipality: Municipality | None = None,
) -> Notification | None:
    """Notify ``recipient``; returns None when every channel is switched off."""
    if not (recipient.notify_in_app or recipient.notify_by_email) or not recipient.is_active:
        return None
    language = recipient.preferred_language or (
        municipality.default_language if municipality else translation.get_language()
    )
    with translation.override(language):
        notification = Notification.objects.create(
            recipient=recipient,
            municipality=municipality,
            kind=kind,
            subject=str(subject),
            body=str(body),
            url=url,
            show_in_inbox=recipient.notify_in_app,
            send_email=recipient.notify_by_email,
        )
    if notification.send_email:
        from .tasks import notification_email_send

        transaction.on_commit(
            lambda: notification_email_send.enqueue(notification_id=notification.pk)
        )
    return notification
