"""'Me too' tells nobody who sent a report, and a stranger's address is subscribed only
after it confirms by the emailed link."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from digiplace.core.models import Municipality, StaffMembership, User
from digiplace.core.tests.factories import UserFactory
from digiplace.reports import services
from digiplace.reports.models import Report, ReportStatus, Supporter
from digiplace.reports.tests.factories import CategoryFactory, ReportFactory

BOTOSANI = "botosani.localhost"
LINK = re.compile(r"http://botosani\.localhost(/reports/\d+/support/confirm/[^/\s]+/)")


@pytest.fixture
def report(botosani: Municipality) -> Report:
    category = CategoryFactory.create(municipality=botosani, name_en="Overflowing container")
    return ReportFactory.create(
        municipality=botosani,
        category=category,
        reporter_email="secret@example.org",
        address="Strada Unirii 1",
        locale="en",
    )


def _support(client: Client, report: Report, email: str, *, language: str = "en") -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(
        f"/reports/{report.pk}/support/", {"email": email}, HTTP_HOST=BOTOSANI, follow=True
    )


def _page_without_csrf(response: Any) -> str:
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)


def test_the_reporters_address_and_a_strangers_get_the_same_answer(
    report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        as_reporter = _support(Client(), report, "Secret@Example.org")
        as_stranger = _support(Client(), report, "neighbour@example.org")

    assert as_reporter.status_code == as_stranger.status_code == 200
    assert (
        as_reporter.redirect_chain
        == as_stranger.redirect_chain
        == [(f"/reports/{report.pk}/", 302)]
    )
    assert _page_without_csrf(as_reporter) == _page_without_csrf(as_stranger)
    assert "Unless this address follows the report already" in _page_without_csrf(as_stranger)
    # The reporter's own support changed nothing; the stranger waits for confirmation.
    assert list(Supporter.objects.values_list("email", "confirmed_at")) == [
        ("neighbour@example.org", None)
    ]
    assert [message.to for message in mail.outbox] == [["neighbour@example.org"]]


def test_an_unconfirmed_supporter_is_not_told_nor_counted_until_they_follow_the_link(
    report: Report,
    botosani_staff: StaffMembership,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _support(client, report, "neighbour@example.org")
    (confirmation,) = mail.outbox
    assert confirmation.subject == f"Confirm that you want news of report #{report.pk}"
    assert "Overflowing container, Strada Unirii 1" in confirmation.body
    assert "The link expires in 7 days." in confirmation.body
    link = LINK.search(str(confirmation.body))
    assert link is not None
    page = client.get(f"/reports/{report.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    assert "0 people have the same problem" in page

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_change_status(
            report=report, actor=botosani_staff.user, status=ReportStatus.ACKNOWLEDGED
        )
    assert [message.to for message in mail.outbox] == [["secret@example.org"]]

    confirmed = client.get(link.group(1), HTTP_HOST=BOTOSANI, follow=True)

    assert confirmed.redirect_chain == [(f"/reports/{report.pk}/", 302)]
    assert "Your address is confirmed." in confirmed.content.decode()
    assert "1 person has the same problem" in confirmed.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_change_status(
            report=report, actor=botosani_staff.user, status=ReportStatus.IN_PROGRESS
        )
    assert sorted(message.to[0] for message in mail.outbox) == [
        "neighbour@example.org",
        "secret@example.org",
    ]


def test_a_wrong_expired_or_foreign_link_confirms_nothing(
    report: Report,
    botosani: Municipality,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    other = ReportFactory.create(municipality=botosani)
    with django_capture_on_commit_callbacks(execute=True):
        _support(client, report, "neighbour@example.org")
    link = LINK.search(str(mail.outbox[0].body))
    assert link is not None
    path = link.group(1)

    tampered = client.get(path.replace("/confirm/", "/confirm/x"), HTTP_HOST=BOTOSANI)
    foreign = client.get(
        path.replace(f"/reports/{report.pk}/", f"/reports/{other.pk}/"), HTTP_HOST=BOTOSANI
    )
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 8 * 24 * 3600)
    expired = client.get(path, HTTP_HOST=BOTOSANI)
    monkeypatch.undo()

    for response in (tampered, foreign, expired):
        assert response.status_code == 400
        assert "This confirmation link is wrong or has expired." in response.content.decode()
    assert list(Supporter.objects.values_list("confirmed_at", flat=True)) == [None]
    assert client.get(path, HTTP_HOST=BOTOSANI).status_code == 302
    assert Supporter.objects.get().confirmed_at is not None


def test_a_signed_in_person_supporting_with_their_own_address_is_confirmed_at_once(
    report: Report, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    person = UserFactory.create(email="maria@example.org")
    client.force_login(person)

    with django_capture_on_commit_callbacks(execute=True):
        response = _support(client, report, "ignored@example.org")

    assert "We will tell you when the city changes this report." in response.content.decode()
    supporter = Supporter.objects.get()
    assert (supporter.email, supporter.user) == ("maria@example.org", person)
    assert supporter.confirmed_at is not None
    assert mail.outbox == []


def test_a_signed_in_reporter_supporting_their_own_report_changes_nothing(
    botosani: Municipality, resident: User, client: Client
) -> None:
    report = ReportFactory.create(municipality=botosani, reporter=resident)
    client.force_login(resident)

    response = _support(client, report, "")

    assert response.redirect_chain == [(f"/reports/{report.pk}/", 302)]
    assert Supporter.objects.count() == 0


def test_supporting_again_before_confirming_sends_the_link_again_and_keeps_one_row(
    report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = services.report_support(report=report, email="Maria@Example.org")
        again = services.report_support(report=report, email="maria@example.org")

    assert first == again
    assert [message.to for message in mail.outbox] == [["maria@example.org"]] * 2
    assert first is not None
    link = LINK.search(str(mail.outbox[0].body))
    assert link is None  # no site root given to the service: the path alone
    assert f"/reports/{report.pk}/support/confirm/" in mail.outbox[0].body

    token = mail.outbox[1].body.split("/support/confirm/")[1].split("/")[0]
    assert services.report_support_confirm(report=report, token=token) == first
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_support(report=report, email="maria@example.org")
    assert mail.outbox == []  # confirmed already: nothing more to send
