"""The one way to notify a person: an inbox entry and, by their preference, an email.

Text is rendered in the recipient's language when the notification is created; the
email goes out through the background-task worker after the transaction commits.

Every email a municipality sends is built here (``email_message``): from the city's own
name and address, with absolute links to the city's own host, and, where it is a
notification, a one-click unsubscribe link (RFC 8058) whose *scope* says what it stops.
Scopes are ``<prefix>:<rest>`` strings; a module registers what its prefixes mean
(``opt_out_scope_register``), core only keeps the keyed digests of the addresses that
opted out (``EmailOptOut``).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .models import EmailOptOut, Municipality, Notification, User

UNSUBSCRIBE_SALT = "digiplace.core.unsubscribe"
# An unsubscribe link keeps working for a year (mail is read late, and RFC 8058 asks that
# the one-click address keeps working); after that the page says the link has expired.
UNSUBSCRIBE_MAX_AGE = datetime.timedelta(days=365)
# The scope of a notification without one: every email notification of the account.
ACCOUNT_SCOPE = "account"


def notification_send(
    *,
    recipient: User,
    kind: str,
    subject: str | Promise,
    body: str | Promise,
    url: str = "",
    municipality: Municipality | None = None,
    unsubscribe_scope: str = "",
    language: str = "",
) -> Notification | None:
    """Notify ``recipient``; returns None when every channel is switched off.

    ``url`` is a path on the municipality's site (the email makes it absolute);
    ``unsubscribe_scope`` is what the email's unsubscribe link stops (by default, every
    email notification of the account); ``language`` is the one ``subject`` and ``body``
    were written in, when the caller chose it (else the recipient's, else the city's)."""
    if not (recipient.notify_in_app or recipient.notify_by_email) or not recipient.is_active:
        return None
    language = (
        language
        or recipient.preferred_language
        or (municipality.default_language if municipality else translation.get_language())
    )
    scope = unsubscribe_scope or f"{ACCOUNT_SCOPE}:{recipient.pk}"
    send_email = recipient.notify_by_email and not email_opted_out(
        email=recipient.email, scope=scope
    )
    if not (recipient.notify_in_app or send_email):
        return None
    with translation.override(language):
        notification = Notification.objects.create(
            recipient=recipient,
            municipality=municipality,
            kind=kind,
            subject=str(subject),
            body=str(body),
            url=url,
            language=translation.get_language() or "",
            unsubscribe_scope=scope,
            show_in_inbox=recipient.notify_in_app,
            send_email=send_email,
        )
    if notification.send_email:
        from .tasks import notification_email_send

        transaction.on_commit(
            lambda: notification_email_send.enqueue(notification_id=notification.pk)
        )
    return notification


# Links and senders


def municipality_url(municipality: Municipality | None, path: str) -> str:
    """``path`` as an absolute URL on the municipality's first host name, with the scheme
    (and, in development, the port) of ``PUBLIC_SCHEME`` and ``PUBLIC_PORT``; an absolute
    URL or a path without a municipality to place it on is returned as it is."""
    if not path or "://" in path or municipality is None:
        return path
    host = municipality.primary_host
    if not host:
        return path
    scheme = settings.PUBLIC_SCHEME
    port = str(settings.PUBLIC_PORT or "")
    if ":" not in host and port and port != {"http": "80", "https": "443"}.get(scheme):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{path if path.startswith('/') else '/' + path}"


def municipality_sender(municipality: Municipality | None) -> str:
    """The From header of the municipality's emails: its sender name (else its name in the
    active language) and its sender address (else DEFAULT_FROM_EMAIL's address)."""
    if municipality is None:
        return str(settings.DEFAULT_FROM_EMAIL)
    default_name, default_address = parseaddr(str(settings.DEFAULT_FROM_EMAIL))
    name = municipality.email_sender_name or str(municipality.name) or default_name
    address = municipality.email_sender_address or default_address
    return str(Address(display_name=name, addr_spec=address))


# Unsubscribing


@dataclass(frozen=True)
class UnsubscribeRequest:
    """What a valid unsubscribe link asks: stop ``scope`` for the address of the digest."""

    scope: str
    email_digest: str
    language: str


@dataclass(frozen=True)
class OptOutScope:
    """What a scope prefix means: its description for the confirmation page (given the
    rest of the scope) and what else to do when an address opts out (given the rest and
    the digest of the address: the module checks that the digest is its person's)."""

    describe: Callable[[str], str]
    on_opt_out: Callable[[str, str], None] | None = None


_SCOPES: dict[str, OptOutScope] = {}


def opt_out_scope_register(prefix: str, scope: OptOutScope) -> None:
    """A module says what its unsubscribe scopes ``<prefix>:...`` mean (in AppConfig.ready)."""
    _SCOPES[prefix] = scope


def email_digest(email: str) -> str:
    """A keyed digest of the address: comparable, not reversible without the secret key."""
    return hmac.new(
        settings.SECRET_KEY.encode(),
        f"digiplace.email-opt-out:{email.strip().lower()}".encode(),
        hashlib.sha256,
    ).hexdigest()[:40]


def unsubscribe_token(*, email: str, scope: str, language: str = "") -> str:
    # Signed: the scope cannot be changed; the address travels as its digest only.
    return signing.dumps(
        {"s": scope, "d": email_digest(email), "l": language or ""}, salt=UNSUBSCRIBE_SALT
    )


def unsubscribe_url(
    *, municipality: Municipality | None, email: str, scope: str, language: str = ""
) -> str:
    token = unsubscribe_token(email=email, scope=scope, language=language)
    return municipality_url(municipality, reverse("core:unsubscribe", kwargs={"token": token}))


def unsubscribe_read(token: str) -> UnsubscribeRequest | None:
    """What the link asks; None when it is not one of ours, was altered or has expired."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict):
        return None
    scope, digest, language = value.get("s"), value.get("d"), value.get("l", "")
    if not (isinstance(scope, str) and isinstance(digest, str) and isinstance(language, str)):
        return None
    if scope.partition(":")[0] not in _SCOPES:
        return None
    return UnsubscribeRequest(scope=scope, email_digest=digest, language=language)


def unsubscribe_describe(request: UnsubscribeRequest) -> str:
    prefix, _separator, rest = request.scope.partition(":")
    return _SCOPES[prefix].describe(rest)


def email_opt_out(request: UnsubscribeRequest) -> None:
    """Record the opt-out (and run the scope's own step) in one transaction; doing it
    again changes nothing."""
    prefix, _separator, rest = request.scope.partition(":")
    with transaction.atomic():
        EmailOptOut.objects.get_or_create(email_digest=request.email_digest, scope=request.scope)
        on_opt_out = _SCOPES[prefix].on_opt_out
        if on_opt_out is not None:
            on_opt_out(rest, request.email_digest)


def email_opted_out(*, email: str, scope: str) -> bool:
    return (
        bool(scope)
        and EmailOptOut.objects.filter(email_digest=email_digest(email), scope=scope).exists()
    )


def email_opt_in(*, email: str, scope: str) -> None:
    """The person asked again for what they had stopped (following a report again)."""
    EmailOptOut.objects.filter(email_digest=email_digest(email), scope=scope).delete()


def _account_describe(rest: str) -> str:
    return _("email notifications of your account (you can switch them on again in “My account”)")


def _account_opt_out(rest: str, digest: str) -> None:
    user = User.objects.filter(pk=int(rest)).first() if rest.isdigit() else None
    if user is not None and email_digest(user.email) == digest:
        User.objects.filter(pk=user.pk).update(notify_by_email=False)


opt_out_scope_register(
    ACCOUNT_SCOPE, OptOutScope(describe=_account_describe, on_opt_out=_account_opt_out)
)


# The message


def email_message(
    *,
    subject: str,
    body: str,
    to: str,
    municipality: Municipality | None = None,
    language: str = "",
    url: str = "",
    unsubscribe_scope: str = "",
    kind: str = "",
) -> EmailMessage:
    """One email from the municipality: its sender, ``url`` made absolute on its host,
    and, with a scope, the unsubscribe link in the text and the List-Unsubscribe headers."""
    headers: dict[str, str] = {}
    if kind:
        headers["X-DigiPlace-Kind"] = kind
    with translation.override(language or translation.get_language()):
        parts = [body.rstrip()]
        if url:
            parts.append(municipality_url(municipality, url))
        if unsubscribe_scope:
            link = unsubscribe_url(
                municipality=municipality,
                email=to,
                scope=unsubscribe_scope,
                language=translation.get_language() or "",
            )
            parts.append("-- \n" + _("To stop these emails, open this link:") + "\n" + link)
            headers["List-Unsubscribe"] = f"<{link}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        from_email = municipality_sender(municipality)
    return EmailMessage(
        subject=subject,
        body="\n\n".join(parts) + "\n",
        from_email=from_email,
        to=[to],
        headers=headers,
    )
