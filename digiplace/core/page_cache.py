"""Whole pages from the shared cache, never older than the last write they show.

``PageCacheMiddleware`` serves a GET or HEAD from the cache when the visitor is anonymous
and carries no cookie but the CSRF and language cookies, and stores the answer when the
view's response is public (200, HTML, JSON, CSV or XML, not streamed, no cookie set but
CSRF's, no session written, no ``Cache-Control`` of its own, not opted out with
``never_page_cached``).

The key: the municipality, host, scheme, language, path, normalised query (sorted, encoded
one way), the city's local date (pages that count days), and the versions
(``cache_versions``) of the modules the page shows: its own module (the app of its view),
``core`` and what its ``ModuleSpec.page_depends_on`` names, and, for a module with a
``ModuleSpec.page_clock``, its latest moment that changed pages by the clock alone (a
survey that closed); core's pages (home, sitemap)
show every module; pages on the platform's hosts and views marked ``page_lists_cities``
also carry the version every municipality change moves. A write moves a version, so the
next request misses: pages are never invalidated by time, only held at most
``PAGE_CACHE_SECONDS``.

Signed-in pages (a session cookie whose session names a user; no other cookie but CSRF's
and the language's) are stored too, for that session only, under their own prefix: the key
adds the session's key and a digest of its data (a message waiting, a new API key to show:
another key), the versions of every module of the city, of ``STAFF`` (the records only
staff pages show) and the platform's ``PEOPLE`` (accounts, notifications), and the current
``PRIVATE_PAGE_CACHE_SECONDS`` window, since such pages also count minutes (overdue
reports). They are never given to a shared cache (``private, no-cache``), and the view
(with its permission checks) runs again whenever anything it could show has changed.

CSRF: a page going into the cache is rendered with ``CSRF_PLACEHOLDER`` in place of the
token (``core.context_processors.platform``); every answer, hit or miss, has the
placeholder replaced with the visitor's own ``get_token(request)``, which also sets the
CSRF cookie. If anything else asks for a token while the page renders, it is not stored.

Streamed public answers (exports) are read into memory and stored like pages when they are
at most ``PAGE_CACHE_MAX_BYTES``; larger ones stream on (``X-Cache: pass``), validated.

HTTP: stored pages (and the larger streamed exports) carry a weak ``ETag`` (the key) and
``Last-Modified`` (the newest version's time or the deploy's); ``If-None-Match`` /
``If-Modified-Since`` get a 304; answers without the visitor's CSRF token (data, feeds,
sitemaps) to anonymous visitors get ``Cache-Control: public, max-age=0,
s-maxage=PAGE_CACHE_PROXY_SECONDS``, so a reverse proxy may hold them for seconds; pages that
carry the token, signed-in pages, and everything else get ``private, no-cache`` unless the
view chose.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.middleware.csrf import get_token
from django.urls import Resolver404, get_resolver
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from . import modules
from .cache_versions import (
    CORE,
    PEOPLE,
    PLATFORM,
    STAFF,
    cache_versions_of,
    code_time,
    version_time,
)

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
_SKIPPED_PREFIXES = (
    "/static/",
    "/media/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/admin/",
    "/backoffice/",
)
# Signed-in pages: the back office too (Django's admin never).
_PERSONAL_SKIPPED_PREFIXES = ("/static/", "/media/", "/healthz", "/readyz", "/metrics", "/admin/")
_KEY_PREFIX = "digiplace:page"
_PERSONAL_KEY_PREFIX = "digiplace:mine"
# Stands, in a page's module list, for the platform's core version: moved by a change of
# any municipality or host (pages on the platform's hosts, pages that list every city).
ALL_CITIES = "*cities"
# Stands for the platform's PEOPLE version (accounts, notifications), in signed-in pages.
ALL_PEOPLE = "*people"

ANONYMOUS, PERSONAL = "anonymous", "personal"

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


def _private_seconds() -> int:
    return max(1, int(getattr(settings, "PRIVATE_PAGE_CACHE_SECONDS", 60)))


def _allowed_cookies() -> set[str]:
    return {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def normalised_query(query_string: str) -> str:
    """The query's parameters sorted and encoded one way. Blank values are kept: a view may
    tell an empty parameter from an absent one (the staff queue's ``department=`` shows
    every department, no parameter the person's own)."""
    return urlencode(sorted(parse_qsl(query_string, keep_blank_values=True)))


def _request_kind(request: HttpRequest) -> str | None:
    """``ANONYMOUS``, ``PERSONAL`` (a signed-in person's session) or None (never cached)."""
    if request.method not in {"GET", "HEAD"} or "HTTP_AUTHORIZATION" in request.META:
        return None
    cookies = set(request.COOKIES) - _allowed_cookies()
    if not cookies:
        return None if request.path.startswith(_SKIPPED_PREFIXES) else ANONYMOUS
    if cookies != {settings.SESSION_COOKIE_NAME} or request.path.startswith(
        _PERSONAL_SKIPPED_PREFIXES
    ):
        return None
    session = getattr(request, "session", None)
    if session is None or not session.get(SESSION_KEY):
        return None
    return PERSONAL


def _page_modules(request: HttpRequest, kind: str = ANONYMOUS) -> list[str] | None:
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
    if kind == PERSONAL:
        # A signed-in page may show anything of the city, and of its people.
        return [CORE, *sorted(specs), STAFF, ALL_CITIES, ALL_PEOPLE]
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


StoredPage = tuple[int, list[tuple[str, str]], bytes]


class LocalPages:
    """The pages this process served lately, by their key, which names the versions they
    were made from: an entry is never stale (a write moves a version, hence the key), so the
    shared cache's copy need not travel on each request. Least recently used first out,
    within ``PAGE_CACHE_LOCAL_BYTES``."""

    def __init__(self) -> None:
        self._pages: OrderedDict[str, StoredPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def _size(page: StoredPage) -> int:
        return len(page[2]) + sum(len(name) + len(value) for name, value in page[1]) + 200

    def get(self, key: str) -> StoredPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: StoredPage) -> None:
        limit = int(getattr(settings, "PAGE_CACHE_LOCAL_BYTES", 32_000_000))
        size = self._size(page)
        if size > limit // 8:
            return
        with self._lock:
            if key in self._pages:
                return
            self._pages[key] = page
            self._bytes += size
            while self._bytes > limit:
                _old_key, old = self._pages.popitem(last=False)
                self._bytes -= self._size(old)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._pages)


local_pages = LocalPages()


@dataclass(frozen=True)
class PageKey:
    """``key`` names this version of the page; ``slot`` is where the shared cache stores the
    page, the same for every version (a new version replaces the old one); ``stored`` is the
    page of this version, from this process's ``local_pages`` or the slot, if there is one:
    ``(status, headers, content)``."""

    key: str
    slot: str
    etag: str
    last_modified: int
    stored: StoredPage | None = field(default=None, compare=False)


def _personal_material(request: HttpRequest) -> list[str]:
    """What makes a signed-in page this session's: its key, its data, the time window."""
    session = request.session
    data = json.dumps(dict(session.items()), sort_keys=True, default=str)
    return [
        PERSONAL,
        session.session_key or "",
        hashlib.sha256(data.encode()).hexdigest(),
        str(int(time.time()) // _private_seconds()),
    ]


def _clock_moments(
    municipality: Any, pairs: list[tuple[int | None, str]], versions: list[str]
) -> list[datetime.datetime]:
    """The latest clock moment of each of the city's modules that has a ``page_clock``:
    a page showing a survey that has just closed is new, though nothing was written."""
    if municipality is None:
        return []
    specs = {spec.code: spec for spec in modules.all_modules() if spec.page_clock is not None}
    if not specs:
        return []
    now = timezone.now()
    moments: list[datetime.datetime] = []
    for (municipality_id, code), version in zip(pairs, versions, strict=True):
        spec = specs.get(code)
        if spec is not None and spec.page_clock is not None and municipality_id == municipality.pk:
            moment = spec.page_clock(municipality, version, now)
            if moment is not None:
                moments.append(moment)
    return moments


def page_key(request: HttpRequest, module_codes: list[str], kind: str = ANONYMOUS) -> PageKey:
    municipality = getattr(request, "municipality", None)
    municipality_id = municipality.pk if municipality is not None else None
    special = {ALL_CITIES: (PLATFORM, CORE), ALL_PEOPLE: (PLATFORM, PEOPLE)}
    pairs: list[tuple[int | None, str]] = [
        special.get(code, (municipality_id, code)) for code in module_codes
    ]
    page = "\n".join(
        [
            *(_personal_material(request) if kind == PERSONAL else []),
            str(municipality_id or PLATFORM),
            request.get_host().lower(),
            request.scheme or "",
            getattr(request, "LANGUAGE_CODE", "") or "",
            request.path,
            normalised_query(request.META.get("QUERY_STRING", "")),
            timezone.localdate().isoformat(),
            *(request.headers.get(name, "")[:200] for name in _HTMX_HEADERS),
        ]
    )
    prefix = _PERSONAL_KEY_PREFIX if kind == PERSONAL else _KEY_PREFIX
    slot = f"{prefix}:{municipality_id or PLATFORM}:{hashlib.sha256(page.encode()).hexdigest()}"
    versions = cache_versions_of(pairs)
    moments = _clock_moments(municipality, pairs, versions)
    digest = hashlib.sha256(
        "\n".join([page, *versions, *(moment.isoformat() for moment in moments)]).encode()
    ).hexdigest()
    key = f"{prefix}:{municipality_id or PLATFORM}:{digest}"
    # This process may hold this very version (the key names it): no page from the shared
    # cache then, only the versions, which are read on every request.
    stored = local_pages.get(key)
    if stored is None:
        entry = cache.get(slot)
        if isinstance(entry, tuple) and len(entry) == 4 and entry[0] == key:
            stored = entry[1:]
            local_pages.put(key, stored)
    # The page may count days: it is new at the city's midnight too.
    midnight = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time())
    ).astimezone(datetime.UTC)
    newest = max(
        [version_time(version) for version in versions] + [code_time(), midnight, *moments]
    )
    return PageKey(
        key=key,
        slot=slot,
        etag=f'W/"{digest[:32]}"',
        last_modified=int(newest.timestamp()),
        stored=stored,
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


def _buffered(response: HttpResponseBase) -> HttpResponseBase:
    """A streamed public answer (an export) read into memory if it is at most
    ``PAGE_CACHE_MAX_BYTES``, so that it can be stored; a larger one goes on streaming,
    from the part already read."""
    assert isinstance(response, StreamingHttpResponse | FileResponse)
    limit = int(getattr(settings, "PAGE_CACHE_MAX_BYTES", 2_000_000))
    chunks: list[bytes] = []
    size = 0
    stream = iter(response.streaming_content)  # type: ignore[arg-type]
    for chunk in stream:
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            response.streaming_content = itertools.chain(chunks, stream)
            return response
    whole = HttpResponse(b"".join(chunks), status=response.status_code)
    for name, value in response.items():
        whole[name] = value
    whole.cookies = response.cookies
    # The stream's resources (an open file) are released when the server closes the answer
    # that replaces it (closing the stream here would also signal the request's end).
    whole._resource_closers.extend(response._resource_closers)  # type: ignore[attr-defined]
    return whole


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
        kind = _request_kind(request)
        module_codes = _page_modules(request, kind) if kind is not None else None
        if kind is None or module_codes is None:
            response = self.get_response(request)
            _private(response)
            return response

        key = page_key(request, module_codes, kind)
        # A signed-in page is never for a shared cache, token or not.
        always_personal = kind == PERSONAL
        seconds = _private_seconds() if always_personal else _page_seconds()
        stored = key.stored
        if request.META.get("HTTP_IF_NONE_MATCH") or request.META.get("HTTP_IF_MODIFIED_SINCE"):
            # The same key means the same page: what the visitor holds is current.
            not_modified = get_conditional_response(
                request, etag=key.etag, last_modified=key.last_modified
            )
            if not_modified is not None:
                personal = always_personal or stored is None or _PLACEHOLDER_BYTES in stored[2]
                _public_headers(not_modified, key, "hit", personal)
                return not_modified

        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            personal = _with_token(request, response) or always_personal
            _public_headers(response, key, "hit", personal)
            return response

        request.page_cache_placeholder = True  # type: ignore[attr-defined]
        needed_update = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        response = self.get_response(request)
        token_asked = needed_update or bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = token_asked
        if response.streaming and _public(request, response, token_asked):
            response = _buffered(response)
            if response.streaming:
                # Too large to store, but validated: a repeat gets its 304.
                _public_headers(response, key, "pass", personal=always_personal)
                return response
        if isinstance(response, HttpResponse) and _public(request, response, token_asked):
            headers = [
                (name, value) for name, value in response.items() if name.lower() not in _NOT_STORED
            ]
            cache.set(key.slot, (key.key, response.status_code, headers, response.content), seconds)
            local_pages.put(key.key, (response.status_code, headers, response.content))
            personal = _with_token(request, response) or always_personal
            _public_headers(response, key, "miss", personal)
            return response
        _with_token(request, response)
        _private(response)
        return response
