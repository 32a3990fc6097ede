"""Finds the URLs the crowd benchmark measures, over plain HTTP against the running server.

- Public pages: the city's /sitemap.xml (an index; its sections are followed, paginated ones
  included) and each registered module's index page.
- Data APIs: the Open311 lists, the API's lists, and every data link (``.json``, ``.csv``,
  ``.xml``, ``/open311/``, ``/api/v1/``) the public pages carry in ``href`` or ``data-*``.
- Signed-in pages: the back office reached from /backoffice/ by its menus and the modules'
  nav, as the city's demo staff member, and the pages the demo resident's main navigation
  leads to (inbox, account, my reports) and the pages they link to.

Pages of one kind (one URL name: reports, projects, pillars…) are kept up to ``per_kind``,
so that a list of any length costs the same. Kinds come from Django's URL resolver.
"""

from __future__ import annotations

import http.client
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve, reverse

from digiplace.core import modules

SITEMAP_NAMESPACE = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# Links that are files served by the web server, or actions rather than pages.
NOT_MEASURED = re.compile(r"^/(static|media|admin)/|/logout/$|/sitemap[^/]*\.xml$")
DATA_LINK = re.compile(r"\.(json|csv|xml|geojson|ics)$|^/open311/|^/api/v1/")
# Data APIs asked for even when no page links to them (the standard lists).
DATA_SEEDS = [
    "/open311/v2/discovery.json",
    "/open311/v2/services.json",
    "/open311/v2/requests.json",
    "/open311/v2/requests.xml",
    "/api/v1/municipalities/",
    "/api/v1/plans/",
]
BACKOFFICE_ROOT = "/backoffice/"


class HttpError(Exception):
    """A discovery request that did not answer as expected."""


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class Client:
    """A minimal HTTP client for one city host on the benchmark's server: the Host header
    set by hand (city host names resolve nowhere), cookies kept by hand (production marks
    them Secure; the benchmark speaks plain HTTP to 127.0.0.1)."""

    base: str
    host: str
    cookies: dict[str, str] = field(default_factory=dict)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in sorted(self.cookies.items()))

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> Answer:
        parts = urlsplit(self.base)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
        headers = {"Host": self.host}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        encoded = None
        if body is not None:
            encoded = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=encoded, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return answer

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def get_ok(self, path: str) -> bytes:
        answer = self.get(path)
        if answer.status != 200:
            raise HttpError(f"http://{self.host}{path} answered {answer.status}")
        return answer.body

    def log_in(self, email: str, password: str) -> None:
        """Signs in through the login form, as a person does (CSRF token included)."""
        login_path = reverse("accounts:login")
        form = LinkParser.parse(self.get_ok(login_path))
        token = form.inputs.get("csrfmiddlewaretoken", "")
        answer = self.request(
            "POST",
            login_path,
            {"csrfmiddlewaretoken": token, "username": email, "password": password},
        )
        if answer.status != 302 or settings.SESSION_COOKIE_NAME not in self.cookies:
            raise HttpError(f"signing in as {email} on {self.host} answered {answer.status}")


class LinkParser(HTMLParser):
    """The same-site links of a page (links' ``href`` and ``data-*`` attributes holding a
    path) and the values of its named inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.downloads: list[str] = []
        self.inputs: dict[str, str] = {}

    @classmethod
    def parse(cls, body: bytes) -> LinkParser:
        parser = cls()
        parser.feed(body.decode("utf-8", errors="replace"))
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("name"):
            self.inputs[values["name"] or ""] = values.get("value") or ""
        # Downloads are data, not pages to walk through.
        found = self.downloads if tag == "a" and "download" in values else self.links
        for name, value in attrs:
            if not value or not ((tag == "a" and name == "href") or name.startswith("data-")):
                continue
            parts = urlsplit(value)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
                continue
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))


def kind_of(path: str) -> str | None:
    """A URL's kind: the name of the view that answers it (None: not one of ours)."""
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None


class KindCap:
    """Keeps at most ``per_kind`` URLs of each kind, each URL once."""

    def __init__(self, per_kind: int) -> None:
        self.per_kind = per_kind
        self.counts: dict[str, int] = {}
        self.seen: set[str] = set()

    def take(self, path: str) -> bool:
        kind = kind_of(path)
        if kind is None or path in self.seen or self.counts.get(kind, 0) >= self.per_kind:
            return False
        self.seen.add(path)
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return True


def sitemap_paths(client: Client) -> list[str]:
    """Every page the city's sitemap lists, in order (paths with their query)."""
    pending = [reverse("core:sitemap")]
    pages: list[str] = []
    while pending:
        root = ElementTree.fromstring(client.get_ok(pending.pop(0)))  # noqa: S314 (our server)
        locations = [
            urlsplit(element.text or "") for element in root.iter(f"{SITEMAP_NAMESPACE}loc")
        ]
        paths = [loc.path + (f"?{loc.query}" if loc.query else "") for loc in locations]
        if root.tag == f"{SITEMAP_NAMESPACE}sitemapindex":
            pending.extend(paths)
        else:
            pages.extend(paths)
    return pages


def module_index_paths() -> list[str]:
    """Each registered module's public index page (also in the sitemap, unless a module
    forgot it there: then it is still measured)."""
    return [reverse(spec.public_url_name) for spec in modules.all_modules() if spec.public_url_name]


def public_pages(client: Client, per_kind: int) -> list[str]:
    cap = KindCap(per_kind)
    candidates = [*sitemap_paths(client), *module_index_paths()]
    return [path for path in candidates if not NOT_MEASURED.search(path) and cap.take(path)]


def data_apis(
    client: Client, pages: Iterable[str], per_kind: int, fetch: Callable[[str], bytes]
) -> list[str]:
    """The standard data lists, then the data links the public pages carry."""
    cap = KindCap(per_kind)
    found = [path for path in DATA_SEEDS if cap.take(path)]
    for page in pages:
        parsed = LinkParser.parse(fetch(page))
        for link in [*parsed.links, *parsed.downloads]:
            path = urlsplit(link).path
            if DATA_LINK.search(path) and not NOT_MEASURED.search(path) and cap.take(link):
                found.append(link)
    return found


def _walk(
    client: Client, starts: list[str], follows: Callable[[str], bool], limit: int, depth: int
) -> list[str]:
    """Opens ``starts`` and, breadth first up to ``depth`` links away, the pages they link
    to that ``follows`` accepts, one per kind; returns the pages opened, whatever they
    answered."""
    cap = KindCap(1)
    queue = [(path, 0) for path in starts if cap.take(path)]
    walked: list[str] = []
    while queue and len(walked) < limit:
        path, distance = queue.pop(0)
        answer = client.get(path)
        walked.append(path)
        if answer.status != 200 or "html" not in answer.headers.get("Content-Type", ""):
            continue
        if distance >= depth:
            continue
        for link in LinkParser.parse(answer.body).links:
            if follows(link) and not NOT_MEASURED.search(urlsplit(link).path) and cap.take(link):
                queue.append((link, distance + 1))
    return walked


def backoffice_pages(client: Client, limit: int = 60) -> list[str]:
    """The staff member's back office: the dashboard's menu, each module's back-office nav
    and the lists' first entries, one page per kind."""
    return _walk(
        client,
        [BACKOFFICE_ROOT],
        follows=lambda link: urlsplit(link).path.startswith(BACKOFFICE_ROOT),
        limit=limit,
        depth=3,
    )


def personal_pages(client: Client, public: Iterable[str], limit: int = 30) -> list[str]:
    """The signed-in person's own pages: those the home page's navigation links to that no
    anonymous visitor sees (inbox, account, my reports), and the pages they link to."""
    public_kinds = {kind_of(path) for path in public} | {"core:home"}

    def personal(link: str) -> bool:
        path = urlsplit(link).path
        return (
            kind_of(path) not in public_kinds
            and not path.startswith((BACKOFFICE_ROOT, "/api/", "/open311/"))
            and not DATA_LINK.search(path)
        )

    starts = [link for link in LinkParser.parse(client.get_ok("/")).links if personal(link)]
    if not starts:
        raise HttpError(f"the home page of {client.host} links to no page of the signed-in person")
    return _walk(client, starts, follows=personal, limit=limit, depth=2)
