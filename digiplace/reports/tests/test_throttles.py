"""'Me too' and abuse flags are throttled per target and per client: the refused
submission answers 429 with the message on the report's page, writes nothing, mails
nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from digiplace.core import throttles
from digiplace.core.models import Municipality
from digiplace.reports.models import AbuseFlag, Report, Supporter
from digiplace.reports.tests.factories import ReportFactory

BOTOSANI = "botosani.localhost"
THROTTLED_EN = (
    "This form was sent too many times from your connection or for this address. "
    "Please wait an hour and try again."
)


@pytest.fixture
def report(botosani: Municipality) -> Report:
    return ReportFactory.create(municipality=botosani, reporter_email="secret@example.org")


def _client(address: str) -> Client:
    client = Client(HTTP_HOST=BOTOSANI, REMOTE_ADDR=address)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _assert_refused(response: Any) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    page = response.content.decode()
    assert THROTTLED_EN in page
    assert f"#{response.context['report'].pk}" in page  # the report's own page


def test_me_too_is_throttled_per_address(
    report: Report, django_capture_on_commit_callbacks: Any
) -> None:
    limit = throttles.SUPPORT_PER_ADDRESS.limit
    with django_capture_on_commit_callbacks(execute=True):
        accepted = [
            _client(f"198.51.100.{number}").post(
                f"/reports/{report.pk}/support/", {"email": "target@example.org"}
            )
            for number in range(limit)
        ]
        refused = _client("203.0.113.1").post(
            f"/reports/{report.pk}/support/", {"email": "Target@example.org"}
        )

    assert [response.status_code for response in accepted] == [302] * limit
    _assert_refused(refused)
    # One supporter row; the link mailed once per accepted request, not for the refused one.
    assert Supporter.objects.count() == 1
    assert len(mail.outbox) == limit


def test_me_too_is_throttled_per_client_and_the_reporters_address_counts_the_same(
    report: Report, botosani: Municipality, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client("192.0.2.30")
    limit = throttles.SUPPORT_PER_CLIENT.limit
    others = ReportFactory.create_batch(limit - 1, municipality=botosani)
    with django_capture_on_commit_callbacks(execute=True):
        accepted = [
            client.post(f"/reports/{other.pk}/support/", {"email": f"n{index}@example.org"})
            for index, other in enumerate(others)
        ]
        accepted.append(
            client.post(f"/reports/{report.pk}/support/", {"email": "secret@example.org"})
        )
        refused = client.post(f"/reports/{report.pk}/support/", {"email": "late@example.org"})

    assert [response.status_code for response in accepted] == [302] * limit
    _assert_refused(refused)
    assert not Supporter.objects.filter(email="late@example.org").exists()
    assert "late@example.org" not in [message.to[0] for message in mail.outbox]


def test_abuse_flags_are_throttled_per_client(report: Report, botosani: Municipality) -> None:
    client = _client("192.0.2.40")
    limit = throttles.ABUSE_FLAG_PER_CLIENT.limit
    responses = [
        client.post(f"/reports/{report.pk}/flag/", {"reason": f"Reason {number}"})
        for number in range(limit + 1)
    ]
    elsewhere = _client("192.0.2.41").post(f"/reports/{report.pk}/flag/", {"reason": "Other"})

    assert [response.status_code for response in responses[:-1]] == [302] * limit
    _assert_refused(responses[-1])
    assert elsewhere.status_code == 302
    assert AbuseFlag.objects.count() == limit + 1
    assert not AbuseFlag.objects.filter(reason=f"Reason {limit}").exists()


def test_abuse_flags_are_throttled_per_report(report: Report, botosani: Municipality) -> None:
    limit = throttles.ABUSE_FLAG_PER_REPORT.limit
    for number in range(limit):
        response = _client(f"198.51.100.{number}").post(
            f"/reports/{report.pk}/flag/", {"reason": "Spam"}
        )
        assert response.status_code == 302

    refused = _client("203.0.113.1").post(f"/reports/{report.pk}/flag/", {"reason": "Spam"})
    other_report = ReportFactory.create(municipality=botosani)
    other = _client("203.0.113.1").post(f"/reports/{other_report.pk}/flag/", {"reason": "Spam"})

    _assert_refused(refused)
    assert other.status_code == 302
    assert AbuseFlag.objects.filter(report=report).count() == limit
