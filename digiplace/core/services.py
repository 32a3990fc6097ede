"""Writes of the core: functions named <noun>_<verb>, keyword arguments only."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from . import selectors
from .models import Municipality, Notification, User
from .tasks import email_send

EMAIL_TAKEN_MESSAGE = _("An account with this email already exists. Log in or reset your password.")


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for the link in the registration email, valid until the email is confirmed."""

    key_salt = "digiplace.core.services.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user: AbstractBaseUser, timestamp: int) -> str:
        # Activation or confirmation changes the hash, so each link works once.
        email = getattr(user, user.get_email_field_name(), "")
        confirmed_at = getattr(user, "email_confirmed_at", None)
        return f"{user.pk}{email}{user.is_active}{confirmed_at}{timestamp}"


email_confirmation_token = EmailConfirmationTokenGenerator()


def user_language_set(*, user: User, language: str) -> None:
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def user_register(
    *,
    email: str,
    full_name: str,
    password: str,
    preferred_language: str,
    site_root: str,
    site_name: str,
    email_language: str,
    municipality: Municipality | None = None,
) -> User:
    """Create an inactive account and email its confirmation link once the row is committed.

    ``password`` must already have passed the password validators. ``site_root`` is the
    scheme and host the person registered on (``https://city.example.org``), so the link
    brings them back to the same municipality. Raises ValidationError (code
    ``email_taken``) when the email belongs to an account already.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    taken = ValidationError({"email": ValidationError(EMAIL_TAKEN_MESSAGE, code="email_taken")})
    if selectors.user_email_taken(email=email):
        raise taken
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password,
                full_name=full_name.strip(),
                preferred_language=preferred_language,
                is_active=False,
            )
    except IntegrityError as error:  # a concurrent registration with the same email won
        raise taken from error
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = email_confirmation_token.make_token(user)
    path = reverse("accounts:email_confirm", kwargs={"uidb64": uidb64, "token": token})
    with translation.override(email_language):
        context = {"user": user, "site_name": site_name, "confirm_url": f"{site_root}{path}"}
        subject = "".join(
            render_to_string("core/account/email_confirm_subject.txt", context).splitlines()
        )
        body = render_to_string("core/account/email_confirm_email.txt", context)
    recipient = user.email
    municipality_id = municipality.pk if municipality else None
    transaction.on_commit(
        lambda: email_send.enqueue(
            subject=subject, body=body, to=[recipient], municipality_id=municipality_id
        ),
    )
    return user


def user_email_confirm(*, uidb64: str, token: str) -> User | None:
    """Activate the account the link was made for; None when the link is invalid or used."""
    try:
        user_id = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, OverflowError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None or not email_confirmation_token.check_token(user, token):
        return None
    user.is_active = True
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["is_active", "email_confirmed_at"])
    return user


def user_profile_update(
    *,
    user: User,
    full_name: str,
    preferred_language: str,
    notify_in_app: bool,
    notify_by_email: bool,
) -> User:
    user.full_name = full_name.strip()
    user.preferred_language = preferred_language
    user.notify_in_app = notify_in_app
    user.notify_by_email = notify_by_email
    user.save(update_fields=["full_name", "preferred_language", "notify_in_app", "notify_by_email"])
    return user


def notification_mark_read(*, user: User, notification_id: int) -> int:
    """Mark one of ``user``'s notifications read; returns how many changed (0 or 1)."""
    return Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=timezone.now())


def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# API tokens (one per person, DRF's authtoken)


def api_token_is_expired(*, token: Token) -> bool:
    """Whether ``token`` is older than ``API_TOKEN_TTL_DAYS`` (0 keeps tokens forever)."""
    days = settings.API_TOKEN_TTL_DAYS
    if days <= 0:
        return False
    is_expired: bool = token.created < timezone.now() - datetime.timedelta(days=days)
    return is_expired


def api_token_create(*, user: User) -> Token:
    """The person's API token: the current one while it is valid, else a new one."""
    with transaction.atomic():
        # Lock the person first: two first requests at once must not both insert a token.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and not api_token_is_expired(token=token):
            return token
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def api_token_revoke(*, user: User) -> int:
    """Delete the person's API token; returns how many were deleted (0 or 1)."""
    deleted, _by_model = Token.objects.filter(user=user).delete()
    return deleted
