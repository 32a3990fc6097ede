"""Messages that come from Django but lack a Romanian translation in Django 5.2's catalogue.

Never called: the functions only mark the texts so that makemessages keeps them in
locale/ro, where our translation takes precedence over Django's.
"""

from django.utils.translation import ngettext


def _django_password_validation() -> None:  # pragma: no cover
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        0,
    )
