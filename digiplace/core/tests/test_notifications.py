"""The notification service: inbox, email through the task worker, channel preferences."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import Municipality, Notification, User
from digiplace.core.notifications import notification_send

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.mark.django_db
def test_notification_goes_to_inbox_and_email(
    botosani: Municipality, resident: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(
            recipient=resident,
            kind="core.test",
            subject="Your report was fixed",
            body="The container on Strada Marchian was emptied.",
            url="http://botosani.localhost/reports/1/",
            municipality=botosani,
        )

    assert notification is not None
    assert notification.show_in_inbox is True
    assert [message.to for message in mail.outbox] == [["resident@example.org"]]
    assert mail.outbox[0].subject == "Your report was fixed"
    assert "http://botosani.localhost/reports/1/" in mail.outbox[0].body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


@pytest.mark.django_db
def test_no_email_until_the_transaction_commits(
    resident: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification_send(recipient=resident, kind="core.test", subject="Hello", body="Body")

    assert mail.outbox == []
    for callback in callbacks:  # the commit
        callback()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_channel_preferences_are_respected(
    resident: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    resident.notify_by_email = False
    resident.save()

    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(
            recipient=resident, kind="core.test", subject="Inbox only", body="Body"
        )

    assert notification is not None and notification.show_in_inbox
    assert mail.outbox == []

    resident.notify_in_app = False
    resident.save()
    assert (
        notification_send(recipient=resident, kind="core.test", subject="None", body="Body") is None
    )
    assert Notification.objects.filter(subject="None").count() == 0


@pytest.mark.django_db
def test_email_only_preference_keeps_inbox_clean(
    resident: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    resident.notify_in_app = False
    resident.save()

    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=resident, kind="core.test", subject="Mail only", body="Body")

    assert len(mail.outbox) == 1
    assert Notification.objects.get(subject="Mail only").show_in_inbox is False


@pytest.mark.django_db
def test_text_is_rendered_in_the_recipient_language(botosani: Municipality, resident: User) -> None:
    resident.preferred_language = "ro"
    resident.save()

    notification = notification_send(
        recipient=resident, kind="core.test", subject=_("Romanian"), body=_("English")
    )

    assert notification is not None
    assert (notification.subject, notification.body) == ("Română", "Engleză")


@pytest.mark.django_db(transaction=True)
@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
)
def test_email_is_sent_by_the_database_worker(
    resident: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=resident, kind="core.test", subject="Queued", body="Body")

    assert mail.outbox == []
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    assert [message.subject for message in mail.outbox] == ["Queued"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db
def test_inactive_person_gets_nothing(resident: User) -> None:
    resident.is_active = False
    resident.save()

    assert notification_send(recipient=resident, kind="core.test", subject="x", body="y") is None
