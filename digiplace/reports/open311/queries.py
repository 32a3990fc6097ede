"""Reads for the Open311 endpoints: always scoped to one municipality, hidden reports never
shown, and a fixed number of SQL queries whatever the number of requests listed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from digiplace.core import selectors as core_selectors

from .. import selectors
from ..models import (
    CLOSED_STATUSES,
    ApiKey,
    Category,
    CategoryAttribute,
    Report,
    ReportPhoto,
    ReportUpdate,
    UpdateKind,
)
from ..selectors import ReportFilters

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# Timeline entries whose text is a public answer of the city (Open311 status_notes).
STATUS_NOTE_KINDS = (UpdateKind.STATUS, UpdateKind.RESPONSE, UpdateKind.MERGED)


@dataclass(frozen=True)
class RequestFilters:
    """What GET requests asks for, already validated: the search and the page."""

    search: ReportFilters = field(default_factory=ReportFilters)
    offset: int = 0
    limit: int = 1000


def jurisdiction_matches(*, municipality: Municipality, jurisdiction_id: str) -> bool:
    """Open311's jurisdiction_id is one of the municipality's host names."""
    return core_selectors.municipality_has_host(municipality=municipality, host=jurisdiction_id)


def api_key_get_active(*, municipality: Municipality, key: str) -> ApiKey | None:
    return ApiKey.objects.filter(municipality=municipality, key=key, is_active=True).first()


def service_list(*, municipality: Municipality) -> QuerySet[Category]:
    """Active categories, each annotated with ``has_attributes`` (Open311 ``metadata``)."""
    return (
        Category.objects.for_municipality(municipality)
        .filter(is_active=True)
        .annotate(has_attributes=Exists(CategoryAttribute.objects.filter(category=OuterRef("pk"))))
        .order_by("position", "service_code")
    )


def service_get(*, municipality: Municipality, service_code: str) -> Category | None:
    """An active category with its attributes (in their order) prefetched."""
    return (
        Category.objects.for_municipality(municipality)
        .filter(is_active=True, service_code=service_code)
        .prefetch_related("attributes")
        .first()
    )


def service_attribute_datatypes(*, category: Category) -> dict[str, str]:
    return dict(category.attributes.values_list("code", "datatype"))


def _with_documents(reports: QuerySet[Report]) -> QuerySet[Report]:
    """Reports with everything a response needs (latest public note, first photo), so
    that one query reads them."""
    latest_note = (
        ReportUpdate.objects.filter(
            report=OuterRef("pk"), is_public=True, kind__in=STATUS_NOTE_KINDS
        )
        .exclude(text="")
        .order_by("-created_at", "-id")
        .values("text")[:1]
    )
    first_photo = (
        ReportPhoto.objects.filter(report=OuterRef("pk"), is_hidden=False)
        .order_by("id")
        .values("image")[:1]
    )
    return reports.annotate(status_notes=Subquery(latest_note), media_name=Subquery(first_photo))


# The columns a service request needs; rows are read as plain values (no model instances),
# with the few categories and departments of the city looked up from one query each.
REQUEST_COLUMNS = (
    "id",
    "status",
    "description",
    "category_id",
    "department_id",
    "created_at",
    "updated_at",
    "closed_at",
    "expected_at",
    "address",
    "latitude",
    "longitude",
    "status_notes",
    "media_name",
)


def _request_rows(reports: QuerySet[Report], municipality: Municipality) -> list[SimpleNamespace]:
    categories = {
        category.pk: category for category in Category.objects.filter(municipality=municipality)
    }
    departments = {
        department.pk: department
        for department in core_selectors.department_list(municipality=municipality)
    }
    rows = []
    for values in reports.values(*REQUEST_COLUMNS):
        row = SimpleNamespace(**values)
        row.pk = values["id"]
        row.category = categories[values["category_id"]]
        row.department = departments.get(values["department_id"])
        rows.append(row)
    return rows


def request_list(*, municipality: Municipality, filters: RequestFilters) -> list[SimpleNamespace]:
    """Public reports matching ``filters`` (the reports module's one search); one SQL query
    for the reports, one each for the city's categories and departments.

    Ids given override every other filter (the parameters leave the others empty, as the
    specification says); newest first, or oldest update first when polling with
    ``updated_after``."""
    reports = selectors.report_search(municipality=municipality, filters=filters.search)
    page = _with_documents(reports)[filters.offset : filters.offset + filters.limit]
    return _request_rows(page, municipality)


def request_get(*, municipality: Municipality, service_request_id: int) -> SimpleNamespace | None:
    reports = selectors.report_search(
        municipality=municipality, filters=ReportFilters(ids=(service_request_id,))
    )
    rows = _request_rows(_with_documents(reports), municipality)
    return rows[0] if rows else None


def request_get_by_token(*, municipality: Municipality, token: uuid.UUID) -> Report | None:
    return (
        Report.objects.for_municipality(municipality)
        .filter(token=token, is_hidden=False)
        .only("id", "token")
        .first()
    )


def request_status(report: Report | SimpleNamespace) -> str:
    return "closed" if report.status in CLOSED_STATUSES else "open"
