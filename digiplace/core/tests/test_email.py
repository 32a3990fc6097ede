"""Emails from a municipality: its sender, absolute links to its host, the recipient's
language, and the one-click unsubscribe link (RFC 8058) that works without logging in."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage as ParsedMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core import mail, signing
from django.test import Client
from django.utils import translation
from pytest_django import Settings

from digiplace.core.models import EmailOptOut, Municipality, Notification, User
from digiplace.core.notifications import (
    UNSUBSCRIBE_SALT,
    municipality_sender,
    municipality_url,
    notification_send,
)
from digiplace.core.templatetags.digiplace import coordinates_text, place_text

BOTOSANI = "botosani.localhost"
UNSUBSCRIBE_LINK = re.compile(r"http://botosani\.localhost(/unsubscribe/[^/\s]+/)")

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_sender(botosani: Municipality) -> Municipality:
    botosani.email_sender_name = "Primăria Municipiului Botoșani"
    botosani.email_sender_address = "no-reply@primaria.example"
    botosani.save()
    return botosani


def _notify(resident: User, municipality: Municipality, capture: Any) -> Notification:
    with capture(execute=True):
        notification = notification_send(
            recipient=resident,
            kind="core.test",
            subject="Raportul a fost rezolvat",
            body="Containerul a fost golit.",
            url="/reports/44/",
            municipality=municipality,
        )
    assert notification is not None
    return notification


def ro(text: str) -> str:
    """``text`` as the Romanian catalogue has it (the lead merges this work's Romanian
    into the catalogue; until then Django falls back to the English)."""
    with translation.override("ro"):
        return translation.gettext(text)


def _unsubscribe_path(message: Any) -> str:
    found = UNSUBSCRIBE_LINK.search(str(message.body))
    assert found is not None, message.body
    return found.group(1)


# Links and senders


def test_links_are_absolute_on_the_city_host_with_the_public_scheme_and_port(
    botosani: Municipality, settings: Settings
) -> None:
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", ""
    assert municipality_url(botosani, "/reports/1/") == "https://botosani.localhost/reports/1/"

    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "http", "8000"
    assert municipality_url(botosani, "/reports/1/") == "http://botosani.localhost:8000/reports/1/"
    # The scheme's own port is left out; a link that is absolute already stays as it is.
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", "443"
    assert municipality_url(botosani, "/a/") == "https://botosani.localhost/a/"
    assert municipality_url(botosani, "https://elsewhere.example/x") == (
        "https://elsewhere.example/x"
    )


def test_the_sender_is_the_city_or_its_name_with_the_platform_address(
    botosani: Municipality, settings: Settings
) -> None:
    settings.DEFAULT_FROM_EMAIL = "DigiPlace <no-reply@digiplace.example>"
    with translation.override("ro"):
        assert municipality_sender(botosani) == "Municipiul Botoșani <no-reply@digiplace.example>"
    botosani.email_sender_name = "Primăria Municipiului Botoșani"
    botosani.email_sender_address = "no-reply@primaria.example"
    assert (
        municipality_sender(botosani)
        == "Primăria Municipiului Botoșani <no-reply@primaria.example>"
    )
    assert municipality_sender(None) == "DigiPlace <no-reply@digiplace.example>"


def test_places_read_as_the_address_else_localised_coordinates() -> None:
    with translation.override("ro"):
        assert coordinates_text(47.755191, 26.615849) == "47,75519° N, 26,61585° E"
        # West is "V" (vest) in the Romanian catalogue.
        west = translation.pgettext("compass point", "W")
        assert coordinates_text(-33.5, -70.25) == f"33,50000° S, 70,25000° {west}"
        assert place_text("", 47.755191, 26.615849) == "47,75519° N, 26,61585° E"
    with translation.override("en"):
        assert coordinates_text(47.755191, 26.615849) == "47.75519° N, 26.61585° E"
        assert coordinates_text(-33.5, -70.25) == "33.50000° S, 70.25000° W"
        assert place_text("Strada Unirii 1", 47.7, 26.6) == "Strada Unirii 1"
    assert coordinates_text(None, None) == ""


# The notification email


def test_a_notification_email_is_from_the_city_in_the_recipients_language_with_absolute_links(
    city_sender: Municipality, resident: User, django_capture_on_commit_callbacks: Any
) -> None:
    resident.preferred_language = "ro"
    resident.save()

    _notify(resident, city_sender, django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    assert message.from_email == "Primăria Municipiului Botoșani <no-reply@primaria.example>"
    assert message.to == ["resident@example.org"]
    assert "http://botosani.localhost/reports/44/" in message.body
    assert ro("To stop these emails, open this link:") in message.body
    path = _unsubscribe_path(message)
    assert message.extra_headers["List-Unsubscribe"] == f"<http://botosani.localhost{path}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # No relative link is left in the text.
    assert not re.search(r"(?<![\w/])/reports/", message.body.replace("localhost/reports", ""))


def test_the_unsubscribe_link_asks_on_get_and_stops_on_post_without_logging_in(
    city_sender: Municipality, resident: User, django_capture_on_commit_callbacks: Any
) -> None:
    resident.preferred_language = "ro"
    resident.save()
    _notify(resident, city_sender, django_capture_on_commit_callbacks)
    path = _unsubscribe_path(mail.outbox[0])
    client = Client(enforce_csrf_checks=True)

    page = client.get(path, HTTP_HOST=BOTOSANI)

    # In the email's language; a scanner opening the link changes nothing.
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    assert page["Referrer-Policy"] == "no-referrer"
    text = page.content.decode()
    assert '<html lang="ro"' in text
    assert "Navigare principală" in text  # the page is in Romanian
    assert ro("Stop these emails") in text
    assert EmailOptOut.objects.count() == 0
    resident.refresh_from_db()
    assert resident.notify_by_email is True

    done = client.post(path, HTTP_HOST=BOTOSANI)

    assert done.status_code == 200
    assert ro("You will no longer receive these emails") in done.content.decode()
    resident.refresh_from_db()
    assert resident.notify_by_email is False
    # The inbox still gets the next notification; no email is sent.
    mail.outbox.clear()
    notification = _notify(resident, city_sender, django_capture_on_commit_callbacks)
    assert notification.show_in_inbox is True
    assert mail.outbox == []


def test_the_mail_programs_one_click_post_unsubscribes(
    city_sender: Municipality, resident: User, django_capture_on_commit_callbacks: Any
) -> None:
    _notify(resident, city_sender, django_capture_on_commit_callbacks)
    path = _unsubscribe_path(mail.outbox[0])

    # RFC 8058: a POST with this body, no cookie, no CSRF token.
    answer = Client(enforce_csrf_checks=True).post(
        path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
        HTTP_HOST=BOTOSANI,
    )

    assert answer.status_code == 200
    resident.refresh_from_db()
    assert resident.notify_by_email is False
    # Once more changes nothing and still answers.
    again = Client().post(path, HTTP_HOST=BOTOSANI)
    assert again.status_code == 200


@pytest.mark.parametrize("language", ["en", "ro"])
def test_a_wrong_altered_or_expired_link_gets_a_translated_page_and_changes_nothing(
    city_sender: Municipality,
    resident: User,
    language: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _notify(resident, city_sender, django_capture_on_commit_callbacks)
    good = _unsubscribe_path(mail.outbox[0]).split("/")[2]
    altered = signing.dumps(
        {"s": "account:999", "d": "0" * 40, "l": ""}, salt=UNSUBSCRIBE_SALT + "x"
    )
    expected = {"en": "Link not valid", "ro": "Link nevalid"}[language]
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    for token in ("nonsense", good[:-3] + "abc", altered):
        for method in (client.get, client.post):
            answer = method(f"/unsubscribe/{token}/", HTTP_HOST=BOTOSANI)
            assert answer.status_code == 400
            assert expected in answer.content.decode()

    # Expired: the link is read a year and a day after it was sent.
    later = time.time() + 366 * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    answer = client.post(f"/unsubscribe/{good}/", HTTP_HOST=BOTOSANI)
    assert answer.status_code == 400
    assert expected in answer.content.decode()
    resident.refresh_from_db()
    assert resident.notify_by_email is True
    assert EmailOptOut.objects.count() == 0


def test_no_address_is_stored_or_shown_in_the_link(
    city_sender: Municipality, resident: User, django_capture_on_commit_callbacks: Any
) -> None:
    _notify(resident, city_sender, django_capture_on_commit_callbacks)
    path = _unsubscribe_path(mail.outbox[0])
    payload = signing.b64_decode(path.split("/")[2].split(":")[0].encode())

    Client().post(path, HTTP_HOST=BOTOSANI)

    assert b"resident" not in payload and b"example.org" not in payload
    (opt_out,) = EmailOptOut.objects.all()
    assert "example.org" not in opt_out.email_digest


# Account mails


def test_the_password_reset_email_comes_from_the_city_with_a_link_to_its_host(
    city_sender: Municipality, resident: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/password-reset/", {"email": resident.email}, HTTP_HOST=BOTOSANI)

    (message,) = mail.outbox
    assert message.from_email == "Primăria Municipiului Botoșani <no-reply@primaria.example>"
    assert "http://botosani.localhost/accounts/password-reset/" in message.body


# The real SMTP path


class _Collector:
    def __init__(self) -> None:
        self.messages: list[ParsedMessage] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.arrived.set()
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[_Collector]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield collector
    controller.stop()


def test_over_smtp_the_headers_carry_the_city_sender_and_the_one_click_unsubscribe(
    city_sender: Municipality,
    resident: User,
    smtp_server: _Collector,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _notify(resident, city_sender, django_capture_on_commit_callbacks)

    assert smtp_server.arrived.wait(10)
    (message,) = smtp_server.messages
    sender = message["From"]
    assert sender.addresses[0].display_name == "Primăria Municipiului Botoșani"
    assert sender.addresses[0].addr_spec == "no-reply@primaria.example"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert link.startswith("http://botosani.localhost/unsubscribe/")
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "http://botosani.localhost/reports/44/" in text
    assert link in text

    # The header's link works as the mail program uses it.
    path = link.removeprefix("http://botosani.localhost")
    answer = Client(enforce_csrf_checks=True).post(
        path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
        HTTP_HOST=BOTOSANI,
    )
    assert answer.status_code == 200
    resident.refresh_from_db()
    assert resident.notify_by_email is False
