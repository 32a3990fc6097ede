"""The page cache: anonymous pages from the shared cache, isolated, with working forms,
conditional GET, and a fresh page after every write (core.page_cache, core.cache_versions)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django.test import Client, override_settings
from django.test.client import RequestFactory
from django.urls import reverse

from digiplace.core.cache_versions import (
    CORE,
    cache_version,
    cache_version_bump,
    code_version,
    version_time,
)
from digiplace.core.models import Department, Municipality, User
from digiplace.core.page_cache import CSRF_PLACEHOLDER, normalised_query, page_key
from digiplace.core.tests.factories import DepartmentFactory, UserFactory

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
TOKEN_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def stored_pages() -> list[tuple[int, list[tuple[str, str]], bytes]]:
    """Every page in the shared cache (the database cache in tests)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {settings.CACHE_TABLE}")  # noqa: S608
        keys = [row[0].split(":", 2)[-1] for row in cursor.fetchall()]
    # Each slot holds (the page's version key, status, headers, content).
    pages = [cache.get(key) for key in keys if key.startswith("digiplace:page:")]
    return [page[1:] for page in pages if page is not None]


def test_a_second_anonymous_visit_is_served_from_the_cache(botosani: Municipality) -> None:
    client = Client(HTTP_HOST=BOTOSANI)
    first = client.get("/")
    second = client.get("/")
    assert first.status_code == second.status_code == 200
    assert first["X-Cache"] == "miss"
    assert second["X-Cache"] == "hit"
    assert "Municipiul Botoșani" in second.content.decode()
    assert "Cookie" in second["Vary"] and "Accept-Language" in second["Vary"]
    assert second["Content-Language"] == "ro"
    # The stored page carries the headers of the middleware inside the cache.
    assert second["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in second


def test_no_csrf_token_and_no_personal_data_in_a_stored_page(
    botosani: Municipality, resident: User
) -> None:
    anonymous = Client(HTTP_HOST=BOTOSANI)
    assert anonymous.get("/").status_code == 200
    page = anonymous.get("/accounts/login/")
    token = TOKEN_INPUT.search(page.content.decode())
    assert token is not None and token.group(1) != CSRF_PLACEHOLDER
    signed_in = Client(HTTP_HOST=BOTOSANI)
    signed_in.force_login(resident)
    assert signed_in.get("/").status_code == 200
    pages = stored_pages()
    assert len(pages) == 2, "the anonymous home and login pages are stored"
    assert sum(CSRF_PLACEHOLDER in content.decode() for _s, _h, content in pages) == 1, (
        "the login form holds the placeholder; the home page, without a form, no token at all"
    )
    for _status, _headers, content in pages:
        text = content.decode()
        assert token.group(1) not in text
        assert anonymous.cookies[settings.CSRF_COOKIE_NAME].value not in text
        assert resident.email not in text and "Ana Popescu" not in text


def test_each_visitor_gets_their_own_token_and_the_form_posts_with_csrf_checks_on(
    botosani: Municipality,
) -> None:
    first = Client(HTTP_HOST=BOTOSANI, enforce_csrf_checks=True)
    second = Client(HTTP_HOST=BOTOSANI, enforce_csrf_checks=True)
    assert first.get("/accounts/login/")["X-Cache"] == "miss"
    page = second.get("/accounts/login/")
    assert page["X-Cache"] == "hit"
    token = TOKEN_INPUT.search(page.content.decode())
    assert token is not None
    assert settings.CSRF_COOKIE_NAME in page.cookies, "the hit sets the visitor's CSRF cookie"
    assert token.group(1) not in first.get("/accounts/login/").content.decode()
    # A form posted with the token of the cached page, with Django's CSRF checks on.
    switched = second.post(
        reverse("core:language_switch"),
        {"language": "en", "next": "/", "csrfmiddlewaretoken": token.group(1)},
    )
    assert switched.status_code == 302
    english = second.get("/")
    assert english["Content-Language"] == "en"
    assert "Botoșani Municipality" in english.content.decode()
    # Without the token the same post is refused: the checks are really on.
    refused = Client(HTTP_HOST=BOTOSANI, enforce_csrf_checks=True).post(
        reverse("core:language_switch"), {"language": "en", "next": "/"}
    )
    assert refused.status_code == 403


def test_a_signed_in_page_never_reaches_an_anonymous_visitor(
    botosani: Municipality, resident: User
) -> None:
    signed_in = Client(HTTP_HOST=BOTOSANI)
    signed_in.force_login(resident)
    own = signed_in.get("/")
    assert own["X-Cache"] == "miss", "the session's own page, never the anonymous one"
    assert own["Cache-Control"] == "private, no-cache"
    assert reverse("accounts:logout") in own.content.decode()
    assert signed_in.get("/")["X-Cache"] == "hit", "stored for this session"
    anonymous = Client(HTTP_HOST=BOTOSANI).get("/")
    assert anonymous["X-Cache"] == "miss"
    assert reverse("accounts:logout") not in anonymous.content.decode()
    assert Client(HTTP_HOST=BOTOSANI).get("/")["X-Cache"] == "hit"
    # Nor does another signed-in person's page.
    assert "Ana Popescu" in signed_in.get("/accounts/profile/").content.decode()
    assert signed_in.get("/accounts/profile/")["X-Cache"] == "hit"
    other = Client(HTTP_HOST=BOTOSANI)
    other.force_login(UserFactory.create(email="ion@example.org", full_name="Ion Vasile"))
    theirs = other.get("/accounts/profile/")
    assert theirs["X-Cache"] == "miss"
    assert "Ana Popescu" not in theirs.content.decode()
    assert "Ion Vasile" in theirs.content.decode()


def test_other_cookies_bypass_the_cache(botosani: Municipality) -> None:
    client = Client(HTTP_HOST=BOTOSANI)
    client.get("/")
    client.cookies["sessionid"] = "whatever"
    response = client.get("/")
    assert "X-Cache" not in response
    assert response["Cache-Control"] == "private, no-cache"


def test_a_city_page_never_answers_another_city_host(
    botosani: Municipality, timisoara: Municipality
) -> None:
    botosani_page = Client(HTTP_HOST=BOTOSANI).get("/")
    timisoara_page = Client(HTTP_HOST=TIMISOARA).get("/")
    assert timisoara_page["X-Cache"] == "miss"
    assert "Timișoara" in timisoara_page.content.decode()
    assert "Botoșani" not in timisoara_page.content.decode()
    assert botosani_page["ETag"] != timisoara_page["ETag"]


def test_conditional_get_304_until_a_change_then_200(botosani: Municipality) -> None:
    client = Client(HTTP_HOST=BOTOSANI)
    page = client.get("/")
    etag, last_modified = page["ETag"], page["Last-Modified"]
    assert etag.startswith('W/"')
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    setattr(botosani, "description_ro", "Un oraș nou descris")  # noqa: B010 (modeltranslation)
    botosani.save()
    changed = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert "Un oraș nou descris" in changed.content.decode()
    assert changed["ETag"] != etag


def test_public_data_and_pages_without_a_form_may_be_held_by_a_proxy_forms_only_by_the_browser(
    botosani: Municipality,
) -> None:
    client = Client(HTTP_HOST=BOTOSANI)
    sitemap = client.get("/sitemap.xml")
    assert sitemap.status_code == 200
    assert sitemap["Cache-Control"] == (
        f"public, max-age=0, s-maxage={settings.PAGE_CACHE_PROXY_SECONDS}"
    )
    assert client.get("/sitemap.xml")["X-Cache"] == "hit"
    # A page without a form of its own holds no token: a proxy may hold it too, and the
    # visitor gets no cookie.
    home = client.get("/")
    assert (
        home["Cache-Control"] == f"public, max-age=0, s-maxage={settings.PAGE_CACHE_PROXY_SECONDS}"
    )
    assert "csrfmiddlewaretoken" not in home.content.decode()
    assert settings.CSRF_COOKIE_NAME not in home.cookies
    assert client.get("/")["Cache-Control"] == home["Cache-Control"]
    # A page with a form holds the visitor's CSRF token: never in a shared cache.
    assert client.get("/accounts/login/")["Cache-Control"] == "private, no-cache"
    assert client.get("/accounts/login/")["Cache-Control"] == "private, no-cache"


def test_freshness_after_a_translation_change_in_both_languages(
    botosani: Municipality, timisoara: Municipality
) -> None:
    romanian = Client(HTTP_HOST=BOTOSANI)
    english = Client(HTTP_HOST=BOTOSANI)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    other_city = Client(HTTP_HOST=TIMISOARA)
    for client in (romanian, english, other_city):
        assert client.get("/")["X-Cache"] == "miss"
        assert client.get("/")["X-Cache"] == "hit"
    setattr(botosani, "name_ro", "Municipiul Botoșani (nou)")  # noqa: B010
    setattr(botosani, "name_en", "Botoșani Municipality (new)")  # noqa: B010
    botosani.save()
    ro_page = romanian.get("/")
    en_page = english.get("/")
    assert ro_page["X-Cache"] == en_page["X-Cache"] == "miss"
    assert "Municipiul Botoșani (nou)" in ro_page.content.decode()
    assert "Botoșani Municipality (new)" in en_page.content.decode()
    assert other_city.get("/")["X-Cache"] == "hit"


def test_a_department_rename_and_a_bulk_update_make_the_city_pages_new(
    botosani: Municipality,
) -> None:
    department = DepartmentFactory.create(municipality=botosani, name="Drumuri")
    before = cache_version(botosani.pk, CORE)
    setattr(department, "name_ro", "Drumuri și poduri")  # noqa: B010
    department.save()
    after_save = cache_version(botosani.pk, CORE)
    assert after_save != before
    Department.objects.filter(pk=department.pk).update(name_ro="Străzi")
    assert cache_version(botosani.pk, CORE) != after_save


def test_versions_are_never_reused_and_carry_the_code_version(botosani: Municipality) -> None:
    seen = {cache_version(botosani.pk, "reports")}
    for _ in range(5):
        cache_version_bump(botosani.pk, "reports")
        seen.add(cache_version(botosani.pk, "reports"))
    assert len(seen) == 6
    assert all(version.startswith(code_version() + "-") for version in seen)
    # A version lost from the cache is replaced by a new one, never an older one.
    cache.clear()
    assert cache_version(botosani.pk, "reports") not in seen
    assert version_time(cache_version(botosani.pk, "reports")).year >= 2024


def test_the_query_is_normalised() -> None:
    assert normalised_query("b=2&a=1&c=%20x") == "a=1&b=2&c=+x"
    assert normalised_query("a=1&b=%C8%99") == normalised_query("b=ș&a=1")
    # An empty parameter is not an absent one (the staff queue's department=).
    assert normalised_query("a=1&z=") != normalised_query("a=1")


def test_the_key_follows_language_query_and_versions(botosani: Municipality) -> None:
    request = RequestFactory().get("/reports/?q=&status=open", HTTP_HOST=BOTOSANI)
    request.municipality = botosani  # type: ignore[attr-defined]
    request.LANGUAGE_CODE = "ro"  # type: ignore[attr-defined]
    first = page_key(request, [CORE, "reports"])
    same = RequestFactory().get("/reports/?status=open&q=", HTTP_HOST=BOTOSANI)
    same.municipality = botosani  # type: ignore[attr-defined]
    same.LANGUAGE_CODE = "ro"  # type: ignore[attr-defined]
    assert page_key(same, [CORE, "reports"]).key == first.key
    same.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    assert page_key(same, [CORE, "reports"]).key != first.key
    same.LANGUAGE_CODE = "ro"  # type: ignore[attr-defined]
    cache_version_bump(botosani.pk, "plans")
    assert page_key(same, [CORE, "reports"]).key == first.key, "plans do not concern it"
    cache_version_bump(botosani.pk, "reports")
    assert page_key(same, [CORE, "reports"]).key != first.key


@pytest.mark.django_db(transaction=True)
def test_the_version_moves_again_when_the_transaction_commits(botosani: Municipality) -> None:
    from django.db import transaction

    with transaction.atomic():
        cache_version_bump(botosani.pk, "plans")
        inside = cache_version(botosani.pk, "plans")
    assert cache_version(botosani.pk, "plans") != inside


def test_views_marked_never_page_cached_are_neither_served_nor_stored(
    botosani: Municipality,
) -> None:
    from digiplace.core.page_cache import _page_modules

    home = RequestFactory().get("/", HTTP_HOST=BOTOSANI)
    home.municipality = botosani  # type: ignore[attr-defined]
    assert {CORE, "plans", "reports"} <= set(_page_modules(home) or [])
    unsubscribe = RequestFactory().get("/unsubscribe/some-token/", HTTP_HOST=BOTOSANI)
    unsubscribe.municipality = botosani  # type: ignore[attr-defined]
    assert _page_modules(unsubscribe) is None
    client = Client(HTTP_HOST=BOTOSANI)
    for _ in range(2):
        answer = client.get("/unsubscribe/some-token/")
        assert "X-Cache" not in answer
        assert "no-store" in answer["Cache-Control"]


@pytest.mark.parametrize(
    ("change", "public"),
    [
        ({}, True),
        ({"cookie": "csrftoken"}, True),
        ({"cookie": "messages"}, False),
        ({"cookie": "sessionid"}, False),
        ({"header": ("Cache-Control", "private, no-store")}, False),
        ({"header": ("Vary", "Accept")}, False),
        ({"header": ("Vary", "HX-Request")}, True),
        ({"status": 404}, False),
        ({"content_type": "image/png"}, False),
        ({"token_asked": True}, False),
        ({"session_modified": True}, False),
    ],
)
def test_only_answers_the_same_for_every_anonymous_visitor_are_stored(
    change: dict[str, Any], public: bool
) -> None:
    from django.http import HttpResponse

    from digiplace.core.page_cache import _public

    request = RequestFactory().get("/")
    request.session = SessionStore()  # type: ignore[attr-defined]
    if change.get("session_modified"):
        request.session["seen"] = True  # type: ignore[attr-defined]
    response = HttpResponse(
        "<p>page</p>",
        status=change.get("status", 200),
        content_type=change.get("content_type", "text/html; charset=utf-8"),
    )
    if "cookie" in change:
        response.set_cookie(change["cookie"], "value")
    if "header" in change:
        name, value = change["header"]
        response[name] = value
    assert _public(request, response, change.get("token_asked", False)) is public


def test_the_process_keeps_pages_by_version_and_never_serves_an_old_one(
    botosani: Municipality,
) -> None:
    from digiplace.core.page_cache import local_pages

    client = Client(HTTP_HOST=BOTOSANI)
    assert client.get("/")["X-Cache"] == "miss"
    # The shared copy gone (evicted, another server's cache): this process still has it.
    for key in [key for key in _all_cache_keys() if key.startswith("digiplace:page:")]:
        cache.delete(key)
    assert client.get("/")["X-Cache"] == "hit"
    # A write elsewhere moves the version: the local copy is of the old one, never served.
    setattr(botosani, "description_ro", "Descriere nouă din alt proces")  # noqa: B010
    botosani.save()
    page = client.get("/")
    assert page["X-Cache"] == "miss"
    assert "Descriere nouă din alt proces" in page.content.decode()
    assert len(local_pages) >= 2


def test_the_process_memory_is_bounded_least_recently_used_first() -> None:
    from digiplace.core.page_cache import LocalPages

    pages = LocalPages()
    page = (200, [("Content-Type", "text/html")], b"x" * 1000)
    with override_settings(PAGE_CACHE_LOCAL_BYTES=10_000):
        for number in range(8):
            pages.put(f"k{number}", page)
        assert pages.get("k0") is not None  # now the most recently used
        for number in range(8, 12):
            pages.put(f"k{number}", page)
        assert len(pages) < 12
        assert pages.get("k0") is not None, "recently used: kept"
        assert pages.get("k1") is None, "least recently used: out first"
        assert pages.get("k11") is not None
        pages.put("big", (200, [], b"x" * 5000))
        assert pages.get("big") is None, "a page over an eighth of the room is not kept"


def _all_cache_keys() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {settings.CACHE_TABLE}")  # noqa: S608
        return [row[0].split(":", 2)[-1] for row in cursor.fetchall()]
