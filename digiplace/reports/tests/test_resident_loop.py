"""The resident's loop: the acknowledgement and update emails (from the city, absolute links,
the recipient's language, unsubscribe), the private link of a reporter without an
account, "My reports" and "My supports", and "me too" shown and undone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation

from digiplace.core.models import Municipality, Notification, StaffMembership, User
from digiplace.core.tests.factories import UserFactory
from digiplace.reports import services
from digiplace.reports.models import Category, Report, ReportStatus, Supporter
from digiplace.reports.tests.factories import (
    CategoryFactory,
    NeighbourhoodFactory,
    NeighbourhoodSubscriptionFactory,
    ReportFactory,
    SupporterFactory,
)

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
FOLLOW_LINK = re.compile(r"http://botosani\.localhost(/reports/(\d+)/follow/[0-9a-f]+/)")
UNSUBSCRIBE_LINK = re.compile(r"http://botosani\.localhost(/unsubscribe/[^/\s]+/)")
SENDER = "Primăria Municipiului Botoșani <no-reply@primaria.example>"

pytestmark = pytest.mark.django_db


def ro(text: str) -> str:
    """``text`` as the Romanian catalogue has it (English until the lead merges this
    work's Romanian into the catalogue)."""
    with translation.override("ro"):
        return translation.gettext(text)


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def city(botosani: Municipality) -> Municipality:
    botosani.email_sender_name = "Primăria Municipiului Botoșani"
    botosani.email_sender_address = "no-reply@primaria.example"
    botosani.save()
    return botosani


@pytest.fixture
def container(city: Municipality) -> Category:
    return CategoryFactory.create(
        municipality=city,
        service_code="container",
        name_ro="Container plin",
        name_en="Overflowing container",
    )


def _file_report(client: Client, category: Category, *, language: str, **changes: Any) -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    data = {
        "category": str(category.pk),
        "latitude": "47.755191",
        "longitude": "26.615849",
        "address": "",
        "description": "Containerele sunt pline de luni.",
        "reporter_name": "Maria Ionescu",
        "reporter_email": "maria@example.org",
        "reporter_phone": "",
        "is_anonymous": "on",
        **changes,
    }
    return client.post("/reports/new/", data, HTTP_HOST=BOTOSANI)


def _link(pattern: re.Pattern[str], message: Any) -> str:
    found = pattern.search(str(message.body))
    assert found is not None, message.body
    return found.group(1)


# A reporter without an account


def test_the_acknowledgement_is_from_the_city_in_the_reporters_language_with_a_private_link(
    client: Client, container: Category, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _file_report(client, container, language="ro")

    assert response.status_code == 302
    report = Report.objects.get()
    (message,) = mail.outbox
    assert message.to == ["maria@example.org"]
    assert message.from_email == SENDER
    with translation.override("ro"):
        subject = translation.gettext("Report #%(number)s received") % {"number": report.pk}
    assert message.subject == subject
    # The place as a Romanian coordinate pair, never "47,75519, 26,61585".
    assert "47,75519° N, 26,61585° E" in message.body
    assert "Container plin" in message.body
    follow = _link(FOLLOW_LINK, message)
    assert follow.startswith(f"/reports/{report.pk}/follow/")
    assert UNSUBSCRIBE_LINK.search(str(message.body)) is not None
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_private_link_shows_the_reporters_own_details_and_the_public_page_does_not(
    client: Client, container: Category, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _file_report(client, container, language="en")
    report = Report.objects.get()
    # A phone number comes by Open311 only.
    Report.objects.filter(pk=report.pk).update(reporter_phone="0740 000 000")
    follow = _link(FOLLOW_LINK, mail.outbox[0])
    stranger = Client()
    stranger.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = stranger.get(follow, HTTP_HOST=BOTOSANI)

    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    assert page["Referrer-Policy"] == "no-referrer"
    text = page.content.decode()
    assert "maria@example.org" in text and "0740 000 000" in text and "Maria Ionescu" in text
    assert "New" in text  # the status
    public = stranger.get(f"/reports/{report.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    assert "maria@example.org" not in public and "0740 000 000" not in public
    # A wrong secret, another report's number or another city's host: not found.
    other = ReportFactory.create(municipality=report.municipality, category=container)
    for path, host in (
        (follow[:-3] + "00/", BOTOSANI),
        (follow.replace(f"/{report.pk}/", f"/{other.pk}/"), BOTOSANI),
        (follow, TIMISOARA),
    ):
        answer = stranger.get(path, HTTP_HOST=host)
        assert answer.status_code == 404
        assert "maria@example.org" not in answer.content.decode()


def test_a_status_change_emails_the_reporter_the_private_link_and_unsubscribing_stops_it(
    client: Client,
    container: Category,
    botosani_staff: StaffMembership,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _file_report(client, container, language="en")
    report = Report.objects.get()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.report_change_status(
            report=report,
            actor=botosani_staff.user,
            status=ReportStatus.ACKNOWLEDGED,
            public_response="We will empty them on Friday.",
        )

    (update,) = mail.outbox
    assert update.from_email == SENDER
    assert "We will empty them on Friday." in update.body
    assert _link(FOLLOW_LINK, update).startswith(f"/reports/{report.pk}/follow/")
    unsubscribe = _link(UNSUBSCRIBE_LINK, update)
    page = Client().get(unsubscribe, HTTP_HOST=BOTOSANI)
    assert page.status_code == 200
    assert f"the updates of report #{report.pk}" in page.content.decode()

    assert Client().post(unsubscribe, HTTP_HOST=BOTOSANI).status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_change_status(
            report=report, actor=botosani_staff.user, status=ReportStatus.FIXED
        )
    assert mail.outbox == []


def test_a_new_private_link_ends_the_old_one(
    client: Client, container: Category, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _file_report(client, container, language="en")
    old = _link(FOLLOW_LINK, mail.outbox[0])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        renewed = Client().post(old, HTTP_HOST=BOTOSANI)

    assert renewed.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["maria@example.org"]
    new = _link(FOLLOW_LINK, message)
    assert new != old
    assert Client().get(old, HTTP_HOST=BOTOSANI).status_code == 404
    assert Client().get(new, HTTP_HOST=BOTOSANI).status_code == 200


# A reporter with an account: "My reports"


def test_my_reports_lists_my_reports_in_this_city_with_status_and_last_update(
    client: Client,
    container: Category,
    resident: User,
    timisoara: Municipality,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        _file_report(client, container, language="en", reporter_name="", reporter_email="")
    mine = Report.objects.get(reporter=resident)
    someone_elses = ReportFactory.create(municipality=container.municipality, category=container)
    elsewhere = ReportFactory.create(municipality=timisoara, reporter=resident)
    # Acknowledged in the inbox and by email, with a link to the public page.
    notification = Notification.objects.get(recipient=resident, kind="reports.created")
    assert notification.url == f"/reports/{mine.pk}/"
    assert f"http://botosani.localhost/reports/{mine.pk}/" in mail.outbox[0].body

    page = client.get("/reports/mine/", HTTP_HOST=BOTOSANI)

    assert page.status_code == 200
    text = page.content.decode()
    assert f'href="/reports/{mine.pk}/"' in text
    assert "New" in text
    assert "47.75519° N, 26.61585° E" in text
    assert f"/reports/{someone_elses.pk}/" not in text
    assert f"/reports/{elsewhere.pk}/" not in text
    # The reports menu and the account page lead there.
    assert 'href="/reports/mine/"' in client.get("/reports/", HTTP_HOST=BOTOSANI).content.decode()
    profile = client.get("/accounts/profile/", HTTP_HOST=BOTOSANI).content.decode()
    assert 'href="/reports/mine/"' in profile


def test_my_reports_and_supports_need_an_account(client: Client, city: Municipality) -> None:
    for path in ("/reports/mine/", "/reports/mine/supports/"):
        answer = client.get(path, HTTP_HOST=BOTOSANI)
        assert answer.status_code == 302
        assert answer["Location"].startswith("/accounts/login/")


def test_my_supports_lists_the_reports_i_support(
    client: Client, container: Category, resident: User
) -> None:
    supported = ReportFactory.create(municipality=container.municipality, category=container)
    SupporterFactory.create(
        municipality=container.municipality, report=supported, email=resident.email, user=resident
    )
    unconfirmed = ReportFactory.create(municipality=container.municipality, category=container)
    SupporterFactory.create(
        municipality=container.municipality,
        report=unconfirmed,
        email=resident.email,
        confirmed_at=None,
    )
    client.force_login(resident)

    text = client.get("/reports/mine/supports/", HTTP_HOST=BOTOSANI).content.decode()

    assert f'href="/reports/{supported.pk}/"' in text
    assert f"/reports/{unconfirmed.pk}/" not in text


# "Me too": its state and undoing it


def test_a_signed_in_supporter_sees_the_state_and_can_withdraw(
    container: Category, resident: User, django_capture_on_commit_callbacks: Any
) -> None:
    report = ReportFactory.create(municipality=container.municipality, category=container)
    SupporterFactory.create(municipality=report.municipality, report=report)
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    token = _csrf(client, report)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/reports/{report.pk}/support/", {"csrfmiddlewaretoken": token}, HTTP_HOST=BOTOSANI
        )
    page = client.get(f"/reports/{report.pk}/", HTTP_HOST=BOTOSANI).content.decode()

    assert "You support this report." in page
    assert "2 people have this problem." in page
    assert f'action="/reports/{report.pk}/support/withdraw/"' in page

    # Without the CSRF token nothing is withdrawn.
    refused = client.post(f"/reports/{report.pk}/support/withdraw/", HTTP_HOST=BOTOSANI)
    assert refused.status_code == 403
    assert report.supporters.filter(email=resident.email).exists()

    withdrawn = client.post(
        f"/reports/{report.pk}/support/withdraw/",
        {"csrfmiddlewaretoken": _csrf(client, report)},
        HTTP_HOST=BOTOSANI,
        follow=True,
    )
    assert withdrawn.status_code == 200
    text = withdrawn.content.decode()
    assert "You no longer support this report" in text
    assert "You support this report." not in text
    assert "1 person has the same problem" in text
    assert not report.supporters.filter(email=resident.email).exists()


def _csrf(client: Client, report: Report) -> str:
    client.get(f"/reports/{report.pk}/", HTTP_HOST=BOTOSANI)
    return str(client.cookies[settings.CSRF_COOKIE_NAME].value)


def test_an_anonymous_supporter_is_recognised_by_the_confirmation_cookie_and_can_withdraw(
    container: Category, django_capture_on_commit_callbacks: Any
) -> None:
    report = ReportFactory.create(municipality=container.municipality, category=container)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/reports/{report.pk}/support/", {"email": "vecin@example.org"}, HTTP_HOST=BOTOSANI
        )
    confirmation = re.search(
        r"http://botosani\.localhost(/reports/\d+/support/confirm/\S+/)", str(mail.outbox[0].body)
    )
    assert confirmation is not None
    # The confirmation email comes from the city too.
    assert mail.outbox[0].from_email == SENDER
    stranger = Client()
    stranger.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    client.post(confirmation.group(1), HTTP_HOST=BOTOSANI)

    page = client.get(f"/reports/{report.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    assert "You support this report." in page
    assert "1 person has this problem." in page
    # Another browser, without the cookie, sees the "me too" form.
    other = stranger.get(f"/reports/{report.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    assert "You support this report." not in other
    assert (
        stranger.post(f"/reports/{report.pk}/support/withdraw/", HTTP_HOST=BOTOSANI)["Location"]
        == f"/reports/{report.pk}/"
    )
    assert Supporter.objects.filter(report=report).count() == 1

    client.post(f"/reports/{report.pk}/support/withdraw/", HTTP_HOST=BOTOSANI)

    assert Supporter.objects.filter(report=report).count() == 0
    page = client.get(f"/reports/{report.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    assert "You support this report." not in page


def test_withdrawing_is_rate_limited_as_me_too_is(
    container: Category, resident: User, settings: Any
) -> None:
    client = Client()
    client.force_login(resident)
    reports = [
        ReportFactory.create(municipality=container.municipality, category=container)
        for _number in range(6)
    ]
    for report in reports:
        SupporterFactory.create(
            municipality=report.municipality, report=report, email=resident.email, user=resident
        )

    answers = [
        client.post(f"/reports/{report.pk}/support/withdraw/", HTTP_HOST=BOTOSANI)
        for report in reports
    ]

    # Five per address and hour, as "me too" itself.
    assert [answer.status_code for answer in answers] == [302] * 5 + [429]
    assert Supporter.objects.filter(report=reports[5]).exists()


# Neighbourhood alerts


def test_the_alerts_unsubscribe_link_ends_the_subscription(
    client: Client, container: Category, django_capture_on_commit_callbacks: Any
) -> None:
    neighbourhood = NeighbourhoodFactory.create(
        municipality=container.municipality,
        name="Centru",
        name_en="Centru",
        south=47.70,
        west=26.59,
        north=47.79,
        east=26.74,
    )
    watcher = UserFactory.create(email="watcher@example.org", preferred_language="en")
    subscription = NeighbourhoodSubscriptionFactory.create(
        municipality=container.municipality, neighbourhood=neighbourhood, user=watcher
    )
    with django_capture_on_commit_callbacks(execute=True):
        _file_report(client, container, language="en")
    (alert,) = [message for message in mail.outbox if message.to == ["watcher@example.org"]]
    assert alert.from_email == SENDER
    assert "http://botosani.localhost/reports/" in alert.body
    unsubscribe = _link(UNSUBSCRIBE_LINK, alert)

    page = Client().get(unsubscribe, HTTP_HOST=BOTOSANI).content.decode()
    assert "new reports in Centru" in page
    Client().post(unsubscribe, HTTP_HOST=BOTOSANI)

    assert not type(subscription).objects.filter(pk=subscription.pk).exists()


def test_an_account_without_a_language_is_written_to_in_the_language_it_reported_in(
    client: Client,
    container: Category,
    resident: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert resident.preferred_language == ""  # the city's default is Romanian
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        _file_report(client, container, language="en", reporter_name="", reporter_email="")

    (message,) = mail.outbox
    assert message.subject.endswith("received")
    assert "47.75519° N, 26.61585° E" in message.body
    assert Notification.objects.get(recipient=resident).language == "en"
    # The unsubscribe page, opened without any cookie, speaks the email's language.
    page = Client().get(_link(UNSUBSCRIBE_LINK, message), HTTP_HOST=BOTOSANI)
    assert '<html lang="en"' in page.content.decode()


def test_a_supporter_without_an_account_is_written_to_in_the_language_they_supported_in(
    container: Category,
    botosani_staff: StaffMembership,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert container.municipality.default_language == "ro"
    report = ReportFactory.create(municipality=container.municipality, category=container)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/reports/{report.pk}/support/", {"email": "vecin@example.org"}, HTTP_HOST=BOTOSANI
        )
    confirmation = re.search(
        r"http://botosani\.localhost(/reports/\d+/support/confirm/\S+/)", str(mail.outbox[0].body)
    )
    assert confirmation is not None
    client.post(confirmation.group(1), HTTP_HOST=BOTOSANI)
    assert Supporter.objects.get(report=report).language == "en"
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.report_change_status(
            report=report,
            actor=botosani_staff.user,
            status=ReportStatus.ACKNOWLEDGED,
            public_response="Echipa vine vineri.",
        )

    (update,) = [message for message in mail.outbox if "vecin@example.org" in message.to]
    # The English subject, with the container's English name (the city's default is Romanian).
    assert update.subject == f"Report #{report.pk}: Acknowledged"
    assert "Overflowing container" in update.body
