"""Paging of NGSI-LD lists (ETSI GS CIM 009, clause 6.3.10): ``limit`` and ``offset``,
``count=true`` for the ``NGSILD-Results-Count`` header, and ``Link`` headers with relative
URLs to the previous and next pages."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from ..errors import NgsiError

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int
    with_count: bool


def _whole(arguments: QueryDict, name: str, default: int) -> int:
    raw = arguments.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise NgsiError(
            "BadRequestData",
            _("%(name)s must be a whole number, 0 or more.") % {"name": name},
        )
    return int(raw)


def page_of(arguments: QueryDict, *, default_limit: int = DEFAULT_LIMIT) -> Page:
    """``BadRequestData`` for a malformed value, ``TooManyResults`` for a limit above
    ``MAX_LIMIT``; ``limit=0`` is only allowed with ``count=true`` (the count alone)."""
    limit = _whole(arguments, "limit", default_limit)
    offset = _whole(arguments, "offset", 0)
    count = arguments.get("count", "false")
    if count not in ("true", "false"):
        raise NgsiError("BadRequestData", _("count must be true or false."))
    if limit > MAX_LIMIT:
        raise NgsiError(
            "TooManyResults",
            _("limit may be at most %(max)d.") % {"max": MAX_LIMIT},
        )
    if limit == 0 and count != "true":
        raise NgsiError("BadRequestData", _("limit=0 is only allowed with count=true."))
    return Page(offset=offset, limit=limit, with_count=count == "true")


def page_headers(
    request: HttpRequest,
    page: Page,
    *,
    returned: int,
    total: int | None,
    media_type: str,
    has_more: bool | None = None,
) -> dict[str, str]:
    """``Link`` (prev/next, relative) and ``NGSILD-Results-Count`` headers of a page
    (the count when the page asks for it; ``has_more`` when the caller knows)."""
    headers: dict[str, str] = {}
    if total is not None and page.with_count:
        headers["NGSILD-Results-Count"] = str(total)
    links: list[str] = []

    def link(offset: int, relation: str) -> str:
        arguments = request.GET.copy()
        arguments["offset"] = str(offset)
        arguments["limit"] = str(page.limit)
        query = urlencode(sorted(arguments.lists()), doseq=True)
        return f'<{request.path}?{query}>; rel="{relation}"; type="{media_type}"'

    if page.limit and page.offset > 0:
        links.append(link(max(page.offset - page.limit, 0), "prev"))
    if has_more is not None:
        more = has_more
    else:
        more = returned == page.limit if total is None else page.offset + returned < total
    if page.limit and more:
        links.append(link(page.offset + page.limit, "next"))
    if links:
        headers["Link"] = ", ".join(links)
    return headers
