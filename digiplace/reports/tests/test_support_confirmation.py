"""'Me too' tells nobody who sent a report, and a stranger's address is subscribed only
after it confirms by the emailed link."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.conf import settings
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

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

    # Opening the link (as a mail scanner does) only shows a button.
    opened = client.get(link.group(1), HTTP_HOST=BOTOSANI)
    assert opened.status_code == 200
    assert '<button type="submit" class="button">Confirm</button>' in opened.content.decode()
    assert list(Supporter.objects.values_list("confirmed_at", flat=True)) == [None]
    confirmed = client.post(link.group(1), HTTP_HOST=BOTOSANI, follow=True)

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

    token = path.split("/confirm/")[1].rstrip("/")
    supporter_id = token.split(":", 1)[0]
    tampered = client.post(path.replace("/confirm/", "/confirm/x"), HTTP_HOST=BOTOSANI)
    # Another supporter's id with this link's signature, and an id that is not one.
    other_id = Supporter.objects.create(
        municipality=botosani, report=report, email="other@example.org"
    ).pk
    another = signing.b64_encode(str(other_id).encode()).decode()
    swapped = client.post(
        path.replace(f"/confirm/{supporter_id}:", f"/confirm/{another}:"), HTTP_HOST=BOTOSANI
    )
    not_an_id = signing.b64_encode(b'{"supporter": 1}').decode()
    garbage = client.post(
        path.replace(f"/confirm/{supporter_id}:", f"/confirm/{not_an_id}:"), HTTP_HOST=BOTOSANI
    )
    foreign = client.post(
        path.replace(f"/reports/{report.pk}/", f"/reports/{other.pk}/"), HTTP_HOST=BOTOSANI
    )
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 8 * 24 * 3600)
    expired = client.post(path, HTTP_HOST=BOTOSANI)
    monkeypatch.undo()
    Supporter.objects.filter(email="neighbour@example.org").update(email="changed@example.org")
    readdressed = client.post(path, HTTP_HOST=BOTOSANI)
    Supporter.objects.filter(email="changed@example.org").update(email="neighbour@example.org")

    for response in (tampered, swapped, garbage, foreign, expired, readdressed):
        assert response.status_code == 400
        assert "This confirmation link is wrong or has expired." in response.content.decode()
    assert Supporter.objects.filter(confirmed_at__isnull=False).count() == 0
    assert client.post(path, HTTP_HOST=BOTOSANI).status_code == 302
    assert list(
        Supporter.objects.filter(confirmed_at__isnull=False).values_list("email", flat=True)
    ) == ["neighbour@example.org"]


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
    # No site root given to the service: the link is on the city's own host all the same.
    link = LINK.search(str(mail.outbox[0].body))
    assert link is not None

    token = mail.outbox[1].body.split("/support/confirm/")[1].split("/")[0]
    assert services.report_support_confirm(report=report, token=token) == first
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_support(report=report, email="maria@example.org")
    assert mail.outbox == []  # confirmed already: nothing more to send


def test_the_link_carries_the_supporters_id_only_not_their_address(
    report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        supporter = services.report_support(report=report, email="neighbour@example.org")
    assert supporter is not None
    token = mail.outbox[0].body.split("/support/confirm/")[1].split("/")[0]

    payload = signing.b64_decode(token.split(":", 1)[0].encode())

    assert payload == str(supporter.pk).encode()
    assert "neighbour" not in signing.b64_decode(token.replace(":", "").encode()).decode(
        errors="replace"
    )
    assert "neighbour" not in token


def test_the_reporters_address_and_a_strangers_cost_the_request_the_same_work(
    report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    # Whose address it is must not show in the time the answer takes either: each request
    # runs the same queries and leaves one task for after the commit, which does the rest.
    answers, queries, callbacks = [], [], []
    Client().get(f"/reports/{report.pk}/", HTTP_HOST=BOTOSANI)  # the host is cached
    for email, address in (
        ("secret@example.org", "192.0.2.1"),
        ("neighbour@example.org", "192.0.2.2"),
    ):
        client = Client(REMOTE_ADDR=address)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        with (
            django_capture_on_commit_callbacks() as registered,
            CaptureQueriesContext(connection) as executed,
        ):
            answers.append(
                client.post(f"/reports/{report.pk}/support/", {"email": email}, HTTP_HOST=BOTOSANI)
            )
        queries.append([_without_values(query["sql"]) for query in executed.captured_queries])
        callbacks.append(len(registered))

    assert [answer.status_code for answer in answers] == [302, 302]
    assert queries[0] == queries[1]
    assert callbacks == [1, 1]
    assert Supporter.objects.count() == 0  # nothing written before the task runs
    assert mail.outbox == []


def _without_values(sql: str) -> str:
    return re.sub(r"'[^']*'|\d+", "?", sql)
