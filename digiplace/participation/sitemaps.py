"""Participation's public pages for the city's sitemap (core/sitemaps.py): the index and
the components' list pages, then a page per published process, survey, budget, public
proposal, published meeting and verified organisation."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.db.models import Q, QuerySet
from django.urls import reverse

from .models import (
    Budget,
    Meeting,
    Organisation,
    OrganisationStatus,
    Process,
    Proposal,
    Survey,
)

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# The list pages of the components.
LIST_PAGES = [
    "participation:index",
    "participation:survey_list",
    "participation:proposal_list",
    "participation:budget_list",
    "participation:meeting_list",
    "participation:organisation_list",
]
PAGES_PER_SITEMAP_PAGE = 1000


class ParticipationListPagesSitemap(Sitemap[str]):
    def items(self) -> list[str]:
        return LIST_PAGES

    def location(self, item: str) -> str:
        return reverse(item)


class _CitySitemap(Sitemap[Any]):
    limit = PAGES_PER_SITEMAP_PAGE
    url_name = ""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality

    def url_kwargs(self, item: Any) -> dict[str, Any]:
        raise NotImplementedError

    def items(self) -> Any:
        return []

    def location(self, item: Any) -> str:
        return reverse(self.url_name, kwargs=self.url_kwargs(item))


class ProcessPagesSitemap(_CitySitemap):
    url_name = "participation:process_detail"

    def items(self) -> QuerySet[Process]:
        return (
            Process.objects.filter(municipality=self.municipality, is_published=True)
            .only("pk", "slug", "updated_at")
            .order_by("-created_at", "-pk")
        )

    def url_kwargs(self, item: Process) -> dict[str, Any]:
        return {"slug": item.slug}

    def lastmod(self, item: Process) -> datetime.datetime:
        return item.updated_at


class SurveyPagesSitemap(_CitySitemap):
    url_name = "participation:survey_detail"

    def items(self) -> QuerySet[Survey]:
        return (
            Survey.objects.filter(
                municipality=self.municipality, is_published=True, process__is_published=True
            )
            .only("pk", "slug")
            .order_by("-opens_at", "-pk")
        )

    def url_kwargs(self, item: Survey) -> dict[str, Any]:
        return {"slug": item.slug}


class ProposalPagesSitemap(_CitySitemap):
    url_name = "participation:proposal_detail"

    def items(self) -> QuerySet[Proposal]:
        return (
            Proposal.objects.filter(
                municipality=self.municipality, is_hidden=False, process__is_published=True
            )
            .only("pk", "updated_at")
            .order_by("-created_at", "-pk")
        )

    def url_kwargs(self, item: Proposal) -> dict[str, Any]:
        return {"pk": item.pk}

    def lastmod(self, item: Proposal) -> datetime.datetime:
        return item.updated_at


class BudgetPagesSitemap(_CitySitemap):
    url_name = "participation:budget_detail"

    def items(self) -> QuerySet[Budget]:
        return (
            Budget.objects.filter(municipality=self.municipality, process__is_published=True)
            .only("pk")
            .order_by("-voting_opens_at", "-pk")
        )

    def url_kwargs(self, item: Budget) -> dict[str, Any]:
        return {"pk": item.pk}


class MeetingPagesSitemap(_CitySitemap):
    url_name = "participation:meeting_detail"

    def items(self) -> QuerySet[Meeting]:
        return (
            Meeting.objects.filter(municipality=self.municipality, is_published=True)
            .filter(Q(process__isnull=True) | Q(process__is_published=True))
            .only("pk", "slug", "updated_at")
            .order_by("-starts_at", "-pk")
        )

    def url_kwargs(self, item: Meeting) -> dict[str, Any]:
        return {"slug": item.slug}

    def lastmod(self, item: Meeting) -> datetime.datetime:
        return item.updated_at


class OrganisationPagesSitemap(_CitySitemap):
    url_name = "participation:organisation_detail"

    def items(self) -> QuerySet[Organisation]:
        return (
            Organisation.objects.filter(
                municipality=self.municipality, status=OrganisationStatus.VERIFIED
            )
            .only("pk")
            .order_by("name", "pk")
        )

    def url_kwargs(self, item: Organisation) -> dict[str, Any]:
        return {"pk": item.pk}


_PAGE_SITEMAPS: dict[str, type[_CitySitemap]] = {
    "participation-processes": ProcessPagesSitemap,
    "participation-surveys": SurveyPagesSitemap,
    "participation-proposals": ProposalPagesSitemap,
    "participation-budgets": BudgetPagesSitemap,
    "participation-meetings": MeetingPagesSitemap,
    "participation-organisations": OrganisationPagesSitemap,
}


def sitemaps(municipality: Municipality) -> dict[str, Sitemap[Any]]:
    return {
        "participation": ParticipationListPagesSitemap(),
        **{section: sitemap(municipality) for section, sitemap in _PAGE_SITEMAPS.items()},
    }
