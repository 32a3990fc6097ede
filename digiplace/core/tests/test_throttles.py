"""Registration and password reset are throttled per address and per client: the refused
submission answers 429 with a message in the page's language, writes nothing, mails
nothing."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from digiplace.core import throttles
from digiplace.core.models import Municipality, User
from digiplace.core.tests.factories import UserFactory

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

BOTOSANI = "botosani.localhost"
STRONG_PASSWORD = "plum-orchard-lantern-91"
THROTTLED_EN = (
    "This form was sent too many times from your connection or for this address. "
    "Please wait an hour and try again."
)


def _client(address: str, language: str = "en") -> Client:
    client = Client(HTTP_HOST=BOTOSANI, REMOTE_ADDR=address)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _registration(email: str) -> dict[str, str]:
    return {
        "email": email,
        "full_name": "Maria Ionescu",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        "preferred_language": "en",
    }


def _assert_refused(response: Any, message: str = THROTTLED_EN) -> None:
    message = str(message)
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert message in response.content.decode()


@pytest.mark.django_db
def test_registration_is_throttled_per_client(
    botosani: Municipality, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    client = _client("192.0.2.10")
    limit = throttles.REGISTRATION_PER_CLIENT.limit
    with django_capture_on_commit_callbacks(execute=True):
        accepted = [
            client.post("/accounts/register/", _registration(f"person{number}@example.org"))
            for number in range(limit)
        ]
        refused = client.post("/accounts/register/", _registration("one-more@example.org"))
        elsewhere = _client("192.0.2.11").post(
            "/accounts/register/", _registration("elsewhere@example.org")
        )

    assert [response.status_code for response in accepted] == [302] * limit
    _assert_refused(refused)
    assert elsewhere.status_code == 302
    assert not User.objects.filter(email="one-more@example.org").exists()
    assert len(mail.outbox) == limit + 1
    assert "one-more@example.org" not in [message.to[0] for message in mail.outbox]


@pytest.mark.django_db
def test_registration_is_throttled_per_address_in_romanian(botosani: Municipality) -> None:
    limit = throttles.REGISTRATION_PER_ADDRESS.limit
    # Attempts with a weak password count too: they try the same address.
    for number in range(limit):
        response = _client(f"198.51.100.{number}").post(
            "/accounts/register/", {**_registration("target@example.org"), "password2": "x"}
        )
        assert response.status_code == 200

    refused = _client("203.0.113.1", language="ro").post(
        "/accounts/register/", _registration("Target@Example.org")
    )

    with translation.override("ro"):
        in_romanian = str(escape(throttles.THROTTLED_MESSAGE))
    _assert_refused(refused, in_romanian)
    assert '<html lang="ro"' in refused.content.decode()
    assert User.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_password_reset_past_the_address_limit_looks_sent_but_mails_nothing(
    botosani: Municipality, resident: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    # A stranger using up someone's resets must not lock the owner out with a refusal.
    limit = throttles.PASSWORD_RESET_PER_ADDRESS.limit
    with django_capture_on_commit_callbacks(execute=True):
        accepted = [
            _client(f"198.51.100.{number}").post(
                "/accounts/password-reset/", {"email": "resident@example.org"}
            )
            for number in range(limit)
        ]
        refused = _client("203.0.113.1").post(
            "/accounts/password-reset/", {"email": "RESIDENT@example.org"}
        )

    assert [response.status_code for response in accepted] == [302] * limit
    assert refused.status_code == 302
    assert refused["Location"] == accepted[0]["Location"]
    assert [message.to for message in mail.outbox] == [["resident@example.org"]] * limit


@pytest.mark.django_db
def test_password_reset_is_throttled_per_client(
    botosani: Municipality, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    people = [
        UserFactory.create(email=f"person{number}@example.org")
        for number in range(throttles.PASSWORD_RESET_PER_CLIENT.limit + 1)
    ]
    client = _client("192.0.2.20")
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            client.post("/accounts/password-reset/", {"email": person.email}) for person in people
        ]

    assert [response.status_code for response in responses[:-1]] == [302] * (len(people) - 1)
    _assert_refused(responses[-1])
    assert len(mail.outbox) == len(people) - 1
    assert people[-1].email not in [message.to[0] for message in mail.outbox]


@pytest.mark.django_db
def test_clients_in_one_ipv6_network_share_their_limit(
    botosani: Municipality, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    people = [
        UserFactory.create(email=f"person{number}@example.org")
        for number in range(throttles.PASSWORD_RESET_PER_CLIENT.limit + 1)
    ]
    responses = [
        _client(f"2001:db8:0:1::{number + 1:x}").post(
            "/accounts/password-reset/", {"email": person.email}
        )
        for number, person in enumerate(people)
    ]
    other_network = _client("2001:db8:0:2::1").post(
        "/accounts/password-reset/", {"email": people[0].email}
    )

    assert [response.status_code for response in responses[:-1]] == [302] * (len(people) - 1)
    _assert_refused(responses[-1])
    assert other_network.status_code == 302
