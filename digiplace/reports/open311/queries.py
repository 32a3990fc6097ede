"""Reads for the Open311 endpoints: always scoped to one municipality, hidden reports never
shown, and a fixed number of SQL queries whatever the number of requests listed."""

from __future__ import annotations

import datetime
import math
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Exists, Expression, F, FloatField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

from digiplace.core.models import Department, Municipality, MunicipalityHost

from ..models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    ApiKey,
    Category,
    CategoryAttribute,
    Report,
    ReportPhoto,
    ReportUpdate,
    UpdateKind,
)

EARTH_RADIUS_METRES = 6_371_008.8
METRES_PER_DEGREE_OF_LATITUDE = 111_320.0
# Timeline entries whose text is a public answer of the city (Open311 status_notes).
STATUS_NOTE_KINDS = (UpdateKind.STATUS, UpdateKind.RESPONSE, UpdateKind.MERGED)


@dataclass(frozen=True)
class Circle:
    latitude: float
    longitude: float
    radius_metres: float


@dataclass(frozen=True)
class RequestFilters:
    """What GET requests asks for, already validated."""

    service_request_ids: tuple[int, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: frozenset[str] = field(default_factory=frozenset)  # "open", "closed"
    requested_after: datetime.datetime | None = None
    requested_before: datetime.datetime | None = None
    updated_after: datetime.datetime | None = None
    circle: Circle | None = None
    offset: int = 0
    limit: int = 1000


def jurisdiction_matches(*, municipality: Municipality, jurisdiction_id: str) -> bool:
    """Open311's jurisdiction_id is one of the municipality's host names."""
    return MunicipalityHost.objects.filter(
        municipality=municipality, host=jurisdiction_id.strip().lower()
    ).exists()


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


def _requests_base(*, municipality: Municipality) -> QuerySet[Report]:
    """Public reports of the municipality with everything a response needs, in one query."""
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
    return (
        Report.objects.for_municipality(municipality)
        .filter(is_hidden=False)
        .annotate(status_notes=Subquery(latest_note), media_name=Subquery(first_photo))
    )


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
        for department in Department.objects.filter(municipality=municipality)
    }
    rows = []
    for values in reports.values(*REQUEST_COLUMNS):
        row = SimpleNamespace(**values)
        row.pk = values["id"]
        row.category = categories[values["category_id"]]
        row.department = departments.get(values["department_id"])
        rows.append(row)
    return rows


def _distance_metres(circle: Circle) -> Expression:
    """Haversine distance from the circle's centre, computed by the database."""
    centre_latitude = math.radians(circle.latitude)
    centre_longitude = math.radians(circle.longitude)

    def constant(number: float) -> Value:
        return Value(number, output_field=FloatField())

    half_chord = Power(
        Sin((Radians(F("latitude")) - constant(centre_latitude)) / constant(2.0)), 2
    ) + constant(math.cos(centre_latitude)) * Cos(Radians(F("latitude"))) * Power(
        Sin((Radians(F("longitude")) - constant(centre_longitude)) / constant(2.0)), 2
    )
    # Rounding can push the chord just above 1, outside arcsine's domain.
    return constant(2 * EARTH_RADIUS_METRES) * ASin(
        Sqrt(Least(half_chord, constant(1.0)), output_field=FloatField()),
        output_field=FloatField(),
    )


def _within_circle(reports: QuerySet[Report], circle: Circle) -> QuerySet[Report]:
    # The bounding box uses the (municipality, latitude, longitude) index; the exact
    # distance then trims its corners.
    latitude_delta = circle.radius_metres / METRES_PER_DEGREE_OF_LATITUDE
    longitude_scale = max(math.cos(math.radians(circle.latitude)), 0.01)
    longitude_delta = latitude_delta / longitude_scale
    return (
        reports.filter(
            latitude__range=(circle.latitude - latitude_delta, circle.latitude + latitude_delta),
            longitude__range=(
                circle.longitude - longitude_delta,
                circle.longitude + longitude_delta,
            ),
        )
        .annotate(distance_metres=_distance_metres(circle))
        .filter(distance_metres__lte=circle.radius_metres)
    )


def request_list(*, municipality: Municipality, filters: RequestFilters) -> list[SimpleNamespace]:
    """Reports matching ``filters``; one SQL query.

    Ids given override every other filter (as the specification says); otherwise newest
    first, or oldest update first when polling with ``updated_after``.
    """
    reports = _requests_base(municipality=municipality)
    if filters.service_request_ids:
        reports = reports.filter(pk__in=filters.service_request_ids).order_by("-created_at", "-id")
        return _request_rows(reports[: filters.limit], municipality)
    if filters.service_codes:
        reports = reports.filter(category__service_code__in=filters.service_codes)
    if filters.statuses == {"open"}:
        reports = reports.filter(status__in=OPEN_STATUSES)
    elif filters.statuses == {"closed"}:
        reports = reports.filter(status__in=CLOSED_STATUSES)
    if filters.requested_after is not None:
        reports = reports.filter(created_at__gte=filters.requested_after)
    if filters.requested_before is not None:
        reports = reports.filter(created_at__lte=filters.requested_before)
    if filters.circle is not None:
        reports = _within_circle(reports, filters.circle)
    if filters.updated_after is not None:
        reports = reports.filter(updated_at__gt=filters.updated_after).order_by("updated_at", "id")
    else:
        reports = reports.order_by("-created_at", "-id")
    return _request_rows(reports[filters.offset : filters.offset + filters.limit], municipality)


def request_get(*, municipality: Municipality, service_request_id: int) -> SimpleNamespace | None:
    reports = _requests_base(municipality=municipality).filter(pk=service_request_id)
    rows = _request_rows(reports, municipality)
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
