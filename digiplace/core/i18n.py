"""The language a person chose, remembered in a cookie that the language middleware reads."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse

LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def language_cookie_set(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        samesite="Lax",
        secure=settings.PRODUCTION,
    )
