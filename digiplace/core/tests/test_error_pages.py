"""The site's own error pages: translated, branded with the city, a way back, no traceback.

The run command serves them (DEBUG off in its ``demo`` mode: tests/e2e/test_demo_smoke.py
requests an unknown URL there); here each handler is driven on a city host in both
languages, and the 500 page once more with the database out of reach.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, include, path

from digiplace.core.models import Municipality


def _refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def _fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internal detail /work/main/digiplace/boom.py")


# This module is the URLconf of its tests: the site's URLs, two failing views, the handlers.
urlpatterns: list[URLPattern | URLResolver] = [
    path("test-refused/", _refuse),
    path("test-failure/", _fail),
    path("", include("config.urls")),
]
handler404 = "digiplace.core.views.pages.page_not_found"
handler403 = "digiplace.core.permissions.permission_denied"
handler500 = "digiplace.core.views.pages.server_error"

pytestmark = pytest.mark.urls(__name__)

HOST = "timisoara.localhost"


def _get(path: str, *, language: str) -> tuple[int, str]:
    client = Client(raise_request_exception=False)
    client.cookies["digiplace_language"] = language
    response = client.get(path, HTTP_HOST=HOST)
    return response.status_code, response.content.decode()


def _assert_no_internals(page: str) -> None:
    for leak in ("Traceback", "URLconf", "secret internal detail", "/work/", "digiplace/"):
        assert leak not in page, leak


def test_the_site_urlconf_has_the_error_handlers() -> None:
    import config.urls

    assert config.urls.handler404 == handler404
    assert config.urls.handler403 == handler403
    assert config.urls.handler500 == handler500


@pytest.mark.parametrize(
    ("language", "title", "home", "city"),
    [
        ("en", "Page not found", "Go to the home page", "Timișoara Municipality"),
        ("ro", "Pagina nu a fost găsită", "Mergeți la pagina principală", "Municipiul Timișoara"),
    ],
)
def test_404_is_the_city_page_in_its_language(
    timisoara: Municipality, language: str, title: str, home: str, city: str
) -> None:
    status, page = _get("/no-such-page/", language=language)

    assert status == 404
    assert f'<html lang="{language}">' in page
    assert f"<h1>{title}</h1>" in page
    assert f'<a href="/">{home}</a>' in page
    assert city in page
    assert 'href="/reports/"' in page  # a way on: the city's modules
    _assert_no_internals(page)


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "You cannot open this page"), ("ro", "Nu puteți deschide această pagină")],
)
def test_403_is_the_city_page_in_its_language(
    timisoara: Municipality, language: str, heading: str
) -> None:
    status, page = _get("/test-refused/", language=language)

    assert status == 403
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert "Municipiul Timișoara" in page or "Timișoara Municipality" in page
    assert 'href="/reports/"' in page
    _assert_no_internals(page)


@pytest.mark.parametrize(
    ("language", "home", "city"),
    [
        ("en", "Go to the home page", "Timișoara Municipality"),
        ("ro", "Mergeți la pagina principală", "Municipiul Timișoara"),
    ],
)
def test_500_is_the_city_page_in_its_language(
    timisoara: Municipality, language: str, home: str, city: str
) -> None:
    status, page = _get("/test-failure/", language=language)

    assert status == 500
    assert f'<html lang="{language}">' in page
    assert f'<a href="/">{home}</a>' in page
    assert city in page
    assert 'href="/branding.css"' in page  # the city's colours
    assert 'href="/reports/"' in page
    _assert_no_internals(page)


def test_500_in_english_names_the_problem(timisoara: Municipality) -> None:
    status, page = _get("/test-failure/", language="en")

    assert status == 500
    assert "<h1>Something went wrong</h1>" in page
    assert "please try again" in page


@pytest.mark.parametrize(
    ("language", "home"), [("en", "Go to the home page"), ("ro", "Mergeți la pagina principală")]
)
def test_500_renders_when_the_database_is_down(
    timisoara: Municipality, language: str, home: str
) -> None:
    queries: list[str] = []

    def database_down(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        queries.append(sql)
        raise OperationalError("the database is down")

    with connection.execute_wrapper(database_down):
        status, page = _get("/", language=language)

    assert queries, "the request never reached the database"
    assert status == 500
    assert f'<html lang="{language}">' in page
    assert f'<a href="/">{home}</a>' in page
    _assert_no_internals(page)


def test_the_run_command_serves_in_the_demo_mode_with_debug_off() -> None:
    """scripts/run's mode: DEBUG off, demo hosts allowed, mail on the console, static files
    through whitenoise and uploads served (config/urls.py)."""
    script = (Path(settings.BASE_DIR) / "scripts" / "run").read_text()
    assert 'DIGIPLACE_MODE="${DIGIPLACE_MODE:-demo}"' in script
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DIGIPLACE_") and key != "DATABASE_URL"
    }
    environment.update(DIGIPLACE_MODE="demo", DJANGO_SETTINGS_MODULE="config.settings")
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from config import settings as s; print(json.dumps([s.DEBUG, "
            "s.SERVE_MEDIA, s.ALLOWED_HOSTS, s.EMAIL_BACKEND, s.MIDDLEWARE, "
            "s.WHITENOISE_USE_FINDERS]))",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    debug, serve_media, hosts, email, middleware, finders = json.loads(shown.stdout)

    assert (debug, serve_media, finders) == (False, True, True)
    assert {".localhost", "127.0.0.1"} <= set(hosts)
    assert email == "django.core.mail.backends.console.EmailBackend"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in middleware
