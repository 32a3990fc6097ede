"""Whole anonymous pages from the shared cache, never older than the last write they show.

``PageCacheMiddleware`` serves a GET or HEAD from the cache when the visitor is anonymous
and carries no cookie but the CSRF and language cookies, and stores the answer when the
view's response is public (200, HTML, JSON, CSV or XML, not streamed, no cookie set but
CSRF's, no session written, no ``Cache-Control`` of its own, not opted out with
``never_page_cached``).

The key: the municipality, host, scheme, language, path, normalised query (sorted, blank
values dropped), the city's local date (pages that count days), and the versions
(``cache_versions``) of the modules the page shows: its own module (the app of its view),
``core`` and what its ``ModuleSpec.page_depends_on`` names; core's pages (home, sitemap)
show every module; pages on the platform's hosts and views marked ``page_lists_cities``
also carry the version every municipality change moves. A write moves a version, so the
next request misses: pages are never invalidated by time, only held at most
``PAGE_CACHE_SECONDS``.

CSRF: a page going into the cache is rendered with ``CSRF_PLACEHOLDER`` in place of the
token (``core.context_processors.platform``); every answer, hit or miss, has the
placeholder replaced with the visitor's own ``get_token(request)``, which also sets the
CSRF cookie. If anything else asks for a token while the page renders, it is not stored.

HTTP: stored pages (and streamed public exports, which are not stored: ``X-Cache: pass``)
carry a weak ``ETag`` (the key) and ``Last-Modified`` (the newest
version's time or the deploy's); ``If-None-Match`` / ``If-Modified-Since`` get a 304;
answers without the visitor's CSRF token (data, feeds, sitemaps) get ``Cache-Control: public,
max-age=0, s-maxage=PAGE_CACHE_PROXY_SECONDS``, so a reverse proxy may hold them for seconds;
pages that carry the token, and everything else, get ``private, no-cache`` unless the view
chose.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.urls import Resolver404, get_resolver
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from . import modules
from .cache_versions import CORE, PLATFORM, cache_versions_of, code_time, version_time

# As long as a masked CSRF token (64 letters and digits), so lengths do not change.
CSRF_PLACEHOLDER = "DigiPlaceCsrfTokenPlaceholder" + "0" * 35
_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()

CACHEABLE_TYPES = (
    "text/html",
    "application/json",
    "application/geo+json",
    "text/csv",
    "application/xml",
    "text/xml",
)
# Headers the stored page keeps; the rest are set per answer.
_NOT_STORED = {
    "set-cookie",
    "cache-control",
    "etag",
    "last-modified",
    "content-length",
    "x-cache",
}
# htmx's request headers that views answer differently to (a partial instead of the page):
# part of the key, so a response may vary on them.
_HTMX_HEADERS = ("HX-Request", "HX-Boosted", "HX-Target", "HX-Trigger", "HX-Trigger-Name")
_VARY_ALLOWED = {"cookie", "accept-language", "accept-encoding"} | {
    name.lower() for name in _HTMX_HEADERS
}
_SKIPPED_PREFIXES = ("/static/", "/media/", "/healthz", "/admin/", "/backoffice/")
_KEY_PREFIX = "digiplace:page"
# Stands, in a page's module list, for the platform's core version: moved by a change of
# any municipality or host (pages on the platform's hosts, pages that list every city).
ALL_CITIES = "*cities"

_V = TypeVar("_V", bound=Callable[..., Any])


def never_page_cached(view: _V) -> _V:
    """Mark a view (function, or a class-based view's class) whose answers are personal:
    never stored in nor served from the page cache (private links, unsubscribe pages)."""
    view.never_page_cached = True  # type: ignore[attr-defined]
    return view


def page_lists_cities(view: _V) -> _V:
    """Mark a view (function or class) whose page lists every hosted city: it is made new
    by a change of any municipality, not only of the one whose host it is answered on."""
    view.page_lists_cities = True  # type: ignore[attr-defined]
    return view


def _view_flag(func: Callable[..., Any], name: str) -> bool:
    return bool(
        getattr(func, name, False) or getattr(getattr(func, "view_class", None), name, False)
    )


def _proxy_seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_PROXY_SECONDS", 2))


def _page_seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 600))


def _allowed_cookies() -> set[str]:
    return {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def normalised_query(query_string: str) -> str:
    """The query's parameters sorted, blank values dropped, unknown ones kept."""
    pairs = [(key, value) for key, value in parse_qsl(query_string, keep_blank_values=True)]
    return urlencode(sorted((key, value) for key, value in pairs if value.strip()))


def _is_anonymous_request(request: HttpRequest) -> bool:
    if request.method not in {"GET", "HEAD"}:
        return False
    if set(request.COOKIES) - _allowed_cookies():
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    return not request.path.startswith(_SKIPPED_PREFIXES)


def _page_modules(request: HttpRequest) -> list[str] | None:
    """The modules whose data the page shows, or None if it is not a cacheable page."""
    try:
        match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
    except Resolver404:
        return None
    func = match.func
    if _view_flag(func, "never_page_cached"):
        return None
    app = apps.get_containing_app_config(func.__module__)
    if app is None:
        return None
    specs = {spec.code: spec for spec in modules.all_modules()}
    if getattr(request, "municipality", None) is None or _view_flag(func, "page_lists_cities"):
        extra = [ALL_CITIES]
    else:
        extra = []
    if app.label == CORE:
        return [CORE, *sorted(specs), *extra]
    spec = specs.get(app.label)
    if spec is None:
        return None
    return [CORE, spec.code, *sorted(set(spec.page_depends_on) - {CORE, spec.code}), *extra]


@dataclass(frozen=True)
class PageKey:
    key: str
    etag: str
    last_modified: int


def page_key(request: HttpRequest, module_codes: list[str]) -> PageKey:
    municipality = getattr(request, "municipality", None)
    municipality_id = municipality.pk if municipality is not None else None
    pairs: list[tuple[int | None, str]] = [
        (PLATFORM, CORE) if code == ALL_CITIES else (municipality_id, code) for code in module_codes
    ]
    versions = cache_versions_of(pairs)
    material = "\n".join(
        [
            str(municipality_id or PLATFORM),
            request.get_host().lower(),
            request.scheme or "",
            getattr(request, "LANGUAGE_CODE", "") or "",
            request.path,
            normalised_query(request.META.get("QUERY_STRING", "")),
            timezone.localdate().isoformat(),
            *(request.headers.get(name, "")[:200] for name in _HTMX_HEADERS),
            *versions,
        ]
    )
    digest = hashlib.sha256(material.encode()).hexdigest()
    # The page may count days: it is new at the city's midnight too.
    midnight = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time())
    ).astimezone(datetime.UTC)
    newest = max([version_time(version) for version in versions] + [code_time(), midnight])
    return PageKey(
        key=f"{_KEY_PREFIX}:{municipality_id or PLATFORM}:{digest}",
        etag=f'W/"{digest[:32]}"',
        last_modified=int(newest.timestamp()),
    )


def _with_token(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Put the visitor's own CSRF token in place of the placeholder; True if there was one."""
    if isinstance(response, HttpResponse) and _PLACEHOLDER_BYTES in response.content:
        response.content = response.content.replace(_PLACEHOLDER_BYTES, get_token(request).encode())
        return True
    return False


def _public_headers(response: HttpResponseBase, key: PageKey, state: str, personal: bool) -> None:
    """Validators for every stored page; a shared cache (a reverse proxy) may hold only the
    ones without the visitor's CSRF token (data, feeds), the browser's own cache any."""
    response["ETag"] = key.etag
    response["Last-Modified"] = http_date(key.last_modified)
    if personal:
        response["Cache-Control"] = "private, no-cache"
    else:
        response["Cache-Control"] = f"public, max-age=0, s-maxage={_proxy_seconds()}"
    response["X-Cache"] = state


def _public(request: HttpRequest, response: HttpResponseBase, token_asked: bool) -> bool:
    """The same answer for every anonymous visitor: it may be stored and validated."""
    if response.status_code != 200 or token_asked:
        return False
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in CACHEABLE_TYPES or response.has_header("Cache-Control"):
        return False
    if set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
        return False
    vary = {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}
    if vary - _VARY_ALLOWED:
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


def _private(response: HttpResponseBase) -> None:
    if not response.has_header("Cache-Control"):
        patch_cache_control(response, private=True, no_cache=True)


class PageCacheMiddleware:
    """After the language is chosen; before the messages, frame, CSP and htmx middleware,
    whose headers are stored with the page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path.startswith(("/static/", "/media/", "/healthz")):
            return self.get_response(request)
        module_codes = _page_modules(request) if _is_anonymous_request(request) else None
        if module_codes is None:
            response = self.get_response(request)
            _private(response)
            return response

        key = page_key(request, module_codes)
        stored = cache.get(key.key)
        if not (isinstance(stored, tuple) and len(stored) == 3):
            stored = None
        if request.META.get("HTTP_IF_NONE_MATCH") or request.META.get("HTTP_IF_MODIFIED_SINCE"):
            # The same key means the same page: what the visitor holds is current.
            not_modified = get_conditional_response(
                request, etag=key.etag, last_modified=key.last_modified
            )
            if not_modified is not None:
                personal = stored is None or _PLACEHOLDER_BYTES in stored[2]
                _public_headers(not_modified, key, "hit", personal)
                return not_modified

        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            personal = _with_token(request, response)
            _public_headers(response, key, "hit", personal)
            return response

        request.page_cache_placeholder = True  # type: ignore[attr-defined]
        needed_update = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        response = self.get_response(request)
        token_asked = needed_update or bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = token_asked
        if response.streaming and _public(request, response, token_asked):
            # A streamed export is not stored, but validated: a repeat gets its 304.
            _public_headers(response, key, "pass", personal=False)
            return response
        if isinstance(response, HttpResponse) and _public(request, response, token_asked):
            headers = [
                (name, value) for name, value in response.items() if name.lower() not in _NOT_STORED
            ]
            cache.set(key.key, (response.status_code, headers, response.content), _page_seconds())
            personal = _with_token(request, response)
            _public_headers(response, key, "miss", personal)
            return response
        _with_token(request, response)
        _private(response)
        return response
