"""The pages of a city to walk in browser tests: its sitemap and its back office.

``sitemap_urls`` reads /sitemap.xml (an index of sections) from the live server;
``backoffice_urls`` follows the back-office menus as a signed-in staff member, and
``personal_urls`` a signed-in person's own pages (inbox, account, my reports), keeping one
page of each kind (one report, one department form…), so that a list of any length costs
the same. ``staff_with_every_module`` makes that staff member; ``log_in`` signs them in.
"""

from __future__ import annotations

import http.client
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Page, expect

from digiplace.core import modules
from digiplace.core.models import Department, Municipality, StaffMembership, StaffRole
from digiplace.core.tests.factories import PASSWORD, StaffMembershipFactory, UserFactory

SITEMAP_NAMESPACE = {"sitemap": "http://www.sitemaps.org/schemas/sitemap/0.9"}
# Links the back-office walk does not follow: files, not pages.
NOT_PAGES = re.compile(r"\.(csv|json|pdf|xml|html|txt|ics|zip)$")
BACKOFFICE_ROOT = "/backoffice/"


def _fetch(url: str) -> bytes:
    """GET from the live server; the city's host name is sent as Host (it resolves to the
    loopback address in the browser only)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", parts.port or 80, timeout=30)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path, headers={"Host": parts.netloc})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 200, f"{url} answered {response.status}"
    return body


def _locations(url: str) -> tuple[list[str], list[str]]:
    """The sitemaps an index lists, and the pages a sitemap lists."""
    root = ElementTree.fromstring(_fetch(url))  # noqa: S314 (our own server's answer)
    found = [element.text or "" for element in root.findall("*/sitemap:loc", SITEMAP_NAMESPACE)]
    if root.tag.endswith("sitemapindex"):
        return found, []
    return [], found


def _kind(url: str) -> str:
    """A page's kind in the sitemap: its path with the last part replaced
    (/plans/p/projects/A1.P2/ → /plans/p/projects/*/): pages of one template together."""
    parts = urlsplit(url).path.rstrip("/").rsplit("/", 1)
    return parts[0] + "/*/"


def sitemap_urls(
    base_url: str, *, per_section: int | None = None, per_kind: int | None = None
) -> list[str]:
    """Every page /sitemap.xml lists for the host of ``base_url``, in order; at most
    ``per_section`` pages of each section (all pages of a paginated section together) and
    at most ``per_kind`` pages of each kind (see ``_kind``: a few projects, a few reports)."""
    sitemaps, pages = _locations(base_url + "/sitemap.xml")
    counts: dict[str, int] = {}
    for sitemap in sitemaps:
        section = "section:" + urlsplit(sitemap).path
        nested, found = _locations(sitemap)
        sitemaps.extend(nested)
        for page_url in found:
            kind = "kind:" + _kind(page_url)
            if per_section is not None and counts.get(section, 0) >= per_section:
                break
            if per_kind is not None and counts.get(kind, 0) >= per_kind:
                continue
            counts[section] = counts.get(section, 0) + 1
            counts[kind] = counts.get(kind, 0) + 1
            pages.append(page_url)
    return pages


def _shape(path: str) -> str:
    """A page's kind: its path with every number replaced (/reports/12/ → /reports/#/)."""
    return re.sub(r"\d+", "#", path)


def _walk(
    page: Page,
    starts: list[str],
    *,
    follows: Callable[[str], bool],
    on_page: Callable[[Page, str], None] | None,
    limit: int,
    max_depth: int | None = None,
) -> list[str]:
    """Opens ``starts`` then the pages their menus and content link to whose path
    ``follows`` accepts, one per kind of page (``_shape``), breadth first."""
    origin = urlsplit(starts[0]).netloc
    queue = [(url, 0) for url in starts]
    seen_shapes = {_shape(urlsplit(url).path) for url in starts}
    walked: list[str] = []
    while queue and len(walked) < limit:
        url, depth = queue.pop(0)
        response = page.goto(url)
        assert response is not None and response.status == 200, (
            f"{url} answered {response.status if response else 'nothing'}"
        )
        page.wait_for_load_state("load")
        walked.append(url)
        if on_page is not None:
            on_page(page, url)
        if max_depth is not None and depth >= max_depth:
            continue
        hrefs: list[str] = page.eval_on_selector_all(
            "nav a[href]:not([download]), main a[href]:not([download])",
            "links => links.map(link => link.href)",
        )
        for href in hrefs:
            parts = urlsplit(urljoin(url, href))
            if parts.netloc != origin or not follows(parts.path):
                continue
            if NOT_PAGES.search(parts.path) or _shape(parts.path) in seen_shapes:
                continue
            seen_shapes.add(_shape(parts.path))
            queue.append((f"{parts.scheme}://{parts.netloc}{parts.path}", depth + 1))
    return walked


def backoffice_urls(
    page: Page,
    base_url: str,
    *,
    on_page: Callable[[Page, str], None] | None = None,
    limit: int = 80,
) -> list[str]:
    """The back-office pages a signed-in staff member reaches from /backoffice/ by links
    (menus, module cards, lists, detail pages), one per kind of page, in the order found.

    ``on_page`` is called on each page once it has loaded, so a test can check it
    without opening it again. Asserts that every page opened with 200."""
    return _walk(
        page,
        [base_url + BACKOFFICE_ROOT],
        follows=lambda path: path.startswith(BACKOFFICE_ROOT),
        on_page=on_page,
        limit=limit,
    )


def personal_urls(
    page: Page,
    base_url: str,
    *,
    public: list[str],
    on_page: Callable[[Page, str], None] | None = None,
    limit: int = 30,
) -> list[str]:
    """The pages of a signed-in person that neither the sitemap (``public``, as
    ``sitemap_urls`` gives it) nor the back office lists: those the main navigation links
    to (inbox, account) and the pages they link to (my reports, password, deletion…)."""
    public_shapes = {_shape(urlsplit(url).path) for url in public}

    def personal(path: str) -> bool:
        return (
            _shape(path) not in public_shapes
            and not path.startswith((BACKOFFICE_ROOT, "/admin/", "/api/"))
            and not path.endswith("/logout/")
        )

    page.goto(base_url + "/")
    hrefs: list[str] = page.eval_on_selector_all(
        "#site-nav a[href]", "links => links.map(link => link.href)"
    )
    starts = [href for href in hrefs if personal(urlsplit(href).path)]
    assert starts, "the main navigation links to no page of the signed-in person"
    return _walk(page, starts, follows=personal, on_page=on_page, limit=limit, max_depth=2)


def staff_with_every_module(
    municipality: Municipality, email: str, department: Department | None = None
) -> StaffMembership:
    """An administrator of the municipality with every registered module (in ``department``,
    so that the reports queue, which opens on the department's reports, lists some)."""
    return StaffMembershipFactory.create(
        municipality=municipality,
        user=UserFactory.create(email=email),
        role=StaffRole.ADMIN,
        modules=[spec.code for spec in modules.all_modules()],
        **({"department": department} if department is not None else {}),
    )


def log_in(page: Page, base_url: str, email: str) -> None:
    """Sign in through the login form (in whatever language the page is in)."""
    page.goto(base_url + "/accounts/login/")
    form = page.locator("main form[method='post']").first
    form.locator("input[type='email'], input[name='username']").first.fill(email)
    form.locator("input[type='password']").first.fill(PASSWORD)
    with page.expect_navigation():
        form.locator("button[type='submit'], input[type='submit']").first.click()
    expect(page.locator("form[action$='/accounts/logout/']").first).to_be_attached()
