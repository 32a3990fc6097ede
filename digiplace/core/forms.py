"""Forms of the core's account pages; they validate input, services do the writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from . import selectors, services
from .models import User
from .tasks import email_send


def language_choices() -> list[tuple[str, str]]:
    """Each shipped language named in itself, so a person finds theirs in any page language."""
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


def _full_name_field() -> forms.CharField:
    return forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


def _language_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Language"), choices=language_choices)


# SetPasswordMixin is generic in django-stubs only; at run time it takes no parameter.
class RegistrationForm(SetPasswordMixin, forms.Form):  # type: ignore[type-arg]
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    full_name = _full_name_field()
    password1, password2 = SetPasswordMixin.create_password_fields()
    preferred_language = _language_field()

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if selectors.user_email_taken(email=email):
            raise ValidationError(services.EMAIL_TAKEN_MESSAGE, code="email_taken")
        return email

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean() or {}
        self.validate_passwords()
        # An unsaved user, so the similarity validator can compare with the email.
        self.validate_password_for_user(
            User(email=cleaned_data.get("email", ""), full_name=cleaned_data.get("full_name", ""))
        )
        return cleaned_data


class LoginForm(AuthenticationForm):
    """Email and password. The field keeps the name ``username``, which django-axes reads."""

    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The email or password is not correct. "
            "If you have just registered, confirm your email first."
        ),
    }

    def clean_username(self) -> str:
        # Accounts store emails in lower case; lower case also keeps axes' count per person.
        return str(self.cleaned_data["username"]).strip().lower()


class EmailTaskPasswordResetForm(PasswordResetForm):
    """Django's password reset form, sending its email through the background task."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        municipality_id = context.get("municipality_id")
        transaction.on_commit(
            lambda: email_send.enqueue(
                subject=subject, body=body, to=[to_email], municipality_id=municipality_id
            ),
        )


class ProfileForm(forms.Form):
    full_name = _full_name_field()
    preferred_language = _language_field()
    notify_in_app = forms.BooleanField(label=_("Notifications in my inbox"), required=False)
    notify_by_email = forms.BooleanField(label=_("Notifications by email"), required=False)


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = str(self.cleaned_data["password"])
        if not self.user.check_password(password):
            raise ValidationError(_("The password is not correct."), code="password_incorrect")
        return password
