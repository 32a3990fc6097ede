"""The reports' public pages for the city's sitemap (core/sitemaps.py)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from . import selectors
from .models import Report

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

REPORT_PAGES = ["reports:report_list", "reports:report_new", "reports:statistics"]
# Report pages per sitemap page (/sitemap-report-pages.xml?p=2 and on).
REPORTS_PER_SITEMAP_PAGE = 1000


class ReportListPagesSitemap(Sitemap[str]):
    def items(self) -> list[str]:
        return REPORT_PAGES

    def location(self, item: str) -> str:
        return reverse(item)


class ReportPagesSitemap(Sitemap[Report]):
    """A page per public report, newest first, paginated."""

    limit = REPORTS_PER_SITEMAP_PAGE

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality

    def items(self) -> QuerySet[Report]:
        return selectors.report_search(
            municipality=self.municipality, filters=selectors.ReportFilters()
        ).only("pk", "updated_at")

    def location(self, item: Report) -> str:
        return reverse("reports:report_detail", kwargs={"pk": item.pk})

    def lastmod(self, item: Report) -> datetime.datetime:
        return item.updated_at


def sitemaps(municipality: Municipality) -> dict[str, Sitemap[Any]]:
    return {
        "reports": ReportListPagesSitemap(),
        "report-pages": ReportPagesSitemap(municipality),
    }
