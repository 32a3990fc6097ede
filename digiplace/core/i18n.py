"""Language helpers: the language a person chose (a cookie the middleware reads), and texts
written one way in every page, form and document of a language (quarters)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import pgettext

LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def language_cookie_set(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        samesite="Lax",
        secure=settings.PRODUCTION,
    )


def quarter_label(*, year: int, quarter: int) -> str:
    """A quarter written one way everywhere (pages, forms, PDFs): "Q4 2026"; Romanian "T4 2026"."""
    return pgettext("quarter of a year", "Q%(quarter)d %(year)d") % {
        "quarter": quarter,
        "year": year,
    }
