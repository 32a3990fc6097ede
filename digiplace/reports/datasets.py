"""The reports module's open datasets (``core.datasets``): counts of reports per category,
neighbourhood and month, and the reports themselves, anonymised.

The same reports as the public site and Open311 show: every report not hidden by moderation
(spam and abuse are hidden), under the same public number (Open311's service_request_id).
The queries select nothing about the reporter: no name, email, phone, account, device or
address; the distinct reporters behind a count are counted in the database and only the
number leaves it. The open-data module applies the declared rules itself: descriptions
masked (emails, phone numbers, CNPs, licence plates), points snapped to its grid, small
counts suppressed with their complements.

Photos are published only once staff approved them for open data (``ReportPhoto.
open_data_approved``, set in the back office): a photo is public on the site until staff
hide it, but a published file is downloaded and kept, and a photo may show faces, number
plates or the inside of a home. Hiding a photo withdraws its approval. Every photo was
re-encoded from its pixels at upload (``core.photos``), so it carries no EXIF, GPS position
or camera serial, and its file name is random.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Case, CharField, Count, Max, Min, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, Lower
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from digiplace.core.datasets import (
    TOTAL,
    Chart,
    Column,
    DatasetSpec,
    KeyFigure,
    Privacy,
    Row,
    Suppression,
    dataset_register,
    figure_count,
)
from digiplace.core.notifications import municipality_url

from .models import CLOSED_STATUSES, OPEN_STATUSES, Category, Report, ReportPhoto, ReportStatus

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

REFRESH = datetime.timedelta(days=1)
THEMES = ("GOVE", "REGI")
# A report outside every neighbourhood the city drew.
NO_NEIGHBOURHOOD = "none"
STATUS_DESCRIPTION = format_lazy(_("Status, one of: {codes}"), codes=", ".join(ReportStatus.values))
CATEGORY_DESCRIPTION = _(
    "Code of the category of problem (the Open311 service_code; the names are listed at "
    "/open311/v2/services.json)"
)
NEIGHBOURHOOD_DESCRIPTION = format_lazy(
    _("Short name of the neighbourhood the problem is in; {none} when outside all of them"),
    none=NO_NEIGHBOURHOOD,
)


def _public_reports(municipality: Municipality) -> QuerySet[Report]:
    """What the public site and Open311 show: the city's reports not hidden by moderation."""
    return Report.objects.filter(municipality=municipality, is_hidden=False)


def _available(municipality: Municipality) -> bool:
    return Category.objects.filter(municipality=municipality).exists()


def _zone(municipality: Municipality) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(municipality.time_zone or "Europe/Bucharest")


def _number(value: Any) -> int | None:
    """A published count: None when suppressed (empty in the file)."""
    if value is None or value == "":
        return None
    return int(value)


# Counts per category, neighbourhood and month


def _reporter() -> Case:
    """Who reported, as an opaque key for COUNT(DISTINCT): the account, else the email, else
    the device, else the report itself (someone unknown counts as a person of their own)."""
    return Case(
        When(reporter__isnull=False, then=Concat(Value("u"), Cast("reporter_id", CharField()))),
        When(~Q(reporter_email=""), then=Concat(Value("e"), Lower("reporter_email"))),
        When(~Q(device_id=""), then=Concat(Value("d"), "device_id")),
        default=Concat(Value("r"), Cast("id", CharField())),
        output_field=CharField(),
    )


MONTHLY_COLUMNS = (
    Column("month", "date", _("The month the reports were made in (its first day)")),
    Column("category", "string", CATEGORY_DESCRIPTION),
    Column("neighbourhood", "string", NEIGHBOURHOOD_DESCRIPTION),
    Column(
        "reports",
        "integer",
        _("Number of reports; empty when hidden to protect the people who reported"),
    ),
    # Used by the suppression and dropped from the file.
    Column(
        "reporters",
        "integer",
        _("Number of distinct people who reported: decides what is hidden, not published"),
    ),
)


def _months(
    municipality: Municipality, reports: QuerySet[Report]
) -> Iterator[tuple[datetime.date, datetime.datetime, datetime.datetime]]:
    """Each month from the first report to the last, in the city's time zone: its first
    day, and its start and end as moments."""
    bounds = reports.aggregate(first=Min("created_at"), last=Max("created_at"))
    if bounds["first"] is None:
        return
    zone = _zone(municipality)
    month = bounds["first"].astimezone(zone).date().replace(day=1)
    last = bounds["last"].astimezone(zone).date()
    while month <= last:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        start = datetime.datetime.combine(month, datetime.time(), tzinfo=zone)
        end = datetime.datetime.combine(following, datetime.time(), tzinfo=zone)
        yield month, start, end
        month = following


def _counted(reports: QuerySet[Report], *keys: str) -> QuerySet[Report, dict[str, Any]]:
    counts = {"reports": Count("id"), "reporters": Count(_reporter(), distinct=True)}
    counted: QuerySet[Report, dict[str, Any]] = (
        reports.order_by().values(*keys).annotate(**counts).order_by(*keys)
    )
    return counted


def _cell(month: datetime.date, category: str, neighbourhood: str | None, counts: Any) -> Row:
    return {
        "month": month,
        "category": category,
        "neighbourhood": neighbourhood or NO_NEIGHBOURHOOD,
        "reports": counts["reports"],
        "reporters": counts["reporters"],
    }


def monthly_rows(municipality: Municipality) -> Iterator[Row]:
    """Reports counted per month, category and neighbourhood, with the distinct reporters
    behind each count, months in the city's time zone; then each month's totals (per
    category, per neighbourhood, in all) with their own distinct reporters: one person
    reporting in several cells is one person behind their total, not several (the engine
    computes the published totals from the cells, and takes only the people from these).

    Four grouped queries a month, on the (municipality, created_at) index: a month bucket
    computed per row would be a function call per report on SQLite (the time zone
    conversion), slow for 100,000 reports."""
    reports = _public_reports(municipality)
    for month, start, end in _months(municipality, reports):
        in_month = reports.filter(created_at__gte=start, created_at__lt=end)
        for counts in _counted(in_month, "category__service_code", "neighbourhood__slug"):
            yield _cell(
                month, counts["category__service_code"], counts["neighbourhood__slug"], counts
            )
        for counts in _counted(in_month, "category__service_code"):
            yield _cell(month, counts["category__service_code"], TOTAL, counts)
        for counts in _counted(in_month, "neighbourhood__slug"):
            yield _cell(month, TOTAL, counts["neighbourhood__slug"], counts)
        grand = in_month.aggregate(reports=Count("id"), reporters=Count(_reporter(), distinct=True))
        if grand["reports"]:
            yield _cell(month, TOTAL, TOTAL, grand)


def _month_totals(rows: Sequence[Row]) -> dict[Any, int | None]:
    """Each month's total (the table's grand total), None where it is suppressed."""
    return {
        row["month"]: _number(row.get("reports"))
        for row in rows
        if row.get("category") == TOTAL and row.get("neighbourhood") == TOTAL
    }


def _latest_month(rows: Sequence[Row]) -> int | None:
    totals = _month_totals(rows)
    return totals[max(totals)] if totals else None


def _last_year(rows: Sequence[Row]) -> int | None:
    totals = _month_totals(rows)
    months = sorted(totals)[-12:]
    published = [totals[month] for month in months if totals[month] is not None]
    return sum(value for value in published if value is not None) if published else None


def _hidden_cells(rows: Sequence[Row]) -> int:
    return sum(1 for row in rows if _number(row.get("reports")) is None)


MONTHLY = DatasetSpec(
    module="reports",
    slug="reports-monthly",
    title=_("Problem reports per category, neighbourhood and month"),
    description=_(
        "How many problems residents reported to the city each month, per category (potholes, "
        "lighting, rubbish...) and neighbourhood, with the totals of each month. Counts of "
        "fewer than k people are hidden, and a few others with them so that the hidden ones "
        "cannot be worked out from the totals."
    ),
    themes=THEMES,
    keywords=(_("problem reports"), _("city services"), _("neighbourhoods"), _("statistics")),
    frequency="DAILY",
    refresh=REFRESH,
    privacy=Privacy(
        statement=_(
            "Only counts are published, never a report or who made it. A count that comes "
            "from fewer than k different people is hidden (published empty), and so are "
            "other counts chosen so that no hidden count can be recovered from the row, "
            "column and month totals. Reports hidden by moderation are not counted."
        ),
        removed=(
            _("the reports themselves (descriptions, places, photos)"),
            _("who reported: names, emails, phone numbers, accounts"),
        ),
        generalised=(_("the time of each report, counted by month"),),
        suppression=Suppression(
            value="reports",
            rows=("category",),
            column="neighbourhood",
            groups=("month",),
            people="reporters",
        ),
    ),
    columns=MONTHLY_COLUMNS,
    rows=monthly_rows,
    temporal="month",
    figures=(
        KeyFigure(_("Reports in the latest month"), _latest_month),
        KeyFigure(_("Reports in the last 12 months"), _last_year),
        KeyFigure(_("Counts hidden to protect reporters"), _hidden_cells),
    ),
    chart=Chart(x="month", y="reports", kind="line", aggregate="sum"),
    available=_available,
)


# The reports themselves


REPORT_COLUMNS = (
    Column(
        "id",
        "integer",
        _("Public number of the report: the one on its page and Open311's service_request_id"),
    ),
    Column("category", "string", CATEGORY_DESCRIPTION),
    Column("category_name_ro", "string", _("Name of the category, in Romanian")),
    Column("category_name_en", "string", _("Name of the category, in English")),
    Column("status", "string", STATUS_DESCRIPTION),
    Column("created", "date", _("Day the problem was reported")),
    Column("closed", "date", _("Day the report was closed; empty while it is open")),
    Column("neighbourhood", "string", NEIGHBOURHOOD_DESCRIPTION),
    Column(
        "latitude",
        "number",
        _("Latitude of the centre of the grid square the problem is in (WGS84)"),
        unit="°",
    ),
    Column(
        "longitude",
        "number",
        _("Longitude of the centre of the grid square the problem is in (WGS84)"),
        unit="°",
    ),
    Column(
        "description",
        "string",
        _(
            "The problem in the reporter's words; email addresses, phone numbers, personal "
            "numeric codes (CNP) and licence plates are masked"
        ),
        free_text=True,
    ),
    Column(
        "photos",
        "string",
        _(
            "Addresses of the report's photos that staff approved for open data, separated "
            "by spaces; empty when none is approved. The photos carry no location or camera "
            "metadata"
        ),
    ),
)


def _photo_urls(municipality: Municipality) -> dict[int, str]:
    """The addresses of the city's photos approved for open data and not hidden, per report:
    one query for the whole city (few photos are approved: each one by staff, by hand)."""
    storage = ReportPhoto._meta.get_field("image").storage
    # The city's first host, looked up once; a relative address where it has none.
    site = municipality_url(municipality, "/").removesuffix("/")
    urls: defaultdict[int, list[str]] = defaultdict(list)
    photos = (
        ReportPhoto.objects.filter(
            municipality=municipality,
            open_data_approved=True,
            is_hidden=False,
            report__is_hidden=False,
        )
        .order_by("report_id", "id")
        .values_list("report_id", "image")
    )
    for report_id, name in photos.iterator(chunk_size=2000):
        url = storage.url(name)
        urls[report_id].append(url if "://" in url else site + url)
    return {report_id: " ".join(addresses) for report_id, addresses in urls.items()}


def report_rows(municipality: Municipality) -> Iterator[Row]:
    """Every public report, oldest first: one query, read in chunks (and one for the
    approved photos)."""
    zone = _zone(municipality)
    photos = _photo_urls(municipality)
    reports = (
        _public_reports(municipality)
        .order_by("id")
        .values_list(
            "id", "category__service_code", "category__name_ro", "category__name_en", "status",
            "created_at", "closed_at", "neighbourhood__slug", "latitude", "longitude",
            "description",
        )
    )  # fmt: skip
    for (
        pk, category, name_ro, name_en, status, created, closed, neighbourhood, latitude,
        longitude, description,
    ) in reports.iterator(chunk_size=2000):  # fmt: skip
        yield {
            "id": pk,
            "category": category,
            "category_name_ro": name_ro or "",
            "category_name_en": name_en or name_ro or "",
            "status": status,
            "created": created.astimezone(zone).date(),
            # A report reopened keeps no closing day (Open311 says it is open).
            "closed": (
                closed.astimezone(zone).date()
                if closed is not None and status in CLOSED_STATUSES
                else None
            ),
            "neighbourhood": neighbourhood or NO_NEIGHBOURHOOD,
            "latitude": latitude,
            "longitude": longitude,
            "description": description,
            "photos": photos.get(pk, ""),
        }


def _open(rows: Sequence[Row]) -> int:
    return sum(1 for row in rows if row.get("status") in OPEN_STATUSES)


def _fixed_share(rows: Sequence[Row]) -> float | None:
    closed = [row for row in rows if row.get("status") in CLOSED_STATUSES]
    if not closed:
        return None
    fixed = sum(1 for row in closed if row.get("status") == ReportStatus.FIXED)
    return round(100 * fixed / len(closed), 1)


REPORTS = DatasetSpec(
    module="reports",
    slug="reports-reports",
    title=_("Problem reports, anonymised"),
    description=_(
        "The problems residents reported to the city (potholes, broken lights, rubbish...), "
        "one row each: category, status, the day it was reported and closed, the "
        "neighbourhood, the place on a grid, the description with personal details "
        "masked, and the photos staff approved for publication. The same reports as on the "
        "city's site and its Open311 API."
    ),
    themes=THEMES,
    keywords=(_("problem reports"), _("city services"), _("Open311"), _("map")),
    frequency="DAILY",
    refresh=REFRESH,
    privacy=Privacy(
        statement=_(
            "Nothing about who reported is published: no name, email, phone number or "
            "account. Places are moved to the centre of a square of the grid, never the "
            "exact point, and the address as written is left out. In descriptions, email "
            "addresses, phone numbers, personal numeric codes (CNP) and licence plates are "
            "masked; the rest is the reporter's text as the city's site shows it. Times are "
            "given as days. A photo is published only after the city's staff looked at it "
            "and approved it for open data, since a photo may show people, cars or homes; "
            "photos hidden by moderation never are, and hiding a photo withdraws its "
            "approval. Every photo was stripped of its location and camera metadata when it "
            "was sent. Reports hidden by moderation (spam, abuse) are left out."
        ),
        removed=(
            _("the reporter's name, email, phone number and account"),
            _("the address as written, the device and the internet address"),
            _("photos staff have not approved for open data, and hidden photos"),
            _("the photos' location and camera metadata (removed when they were sent)"),
            _("staff's internal notes, assignments and answers' authors"),
        ),
        generalised=(
            _("time of reporting and closing, given as the day"),
            _("location, snapped to the centre of a grid square"),
        ),
        grid=("latitude", "longitude"),
        quasi_identifiers=("category", "latitude", "longitude", "created"),
    ),
    columns=REPORT_COLUMNS,
    rows=report_rows,
    formats=("csv", "json", "xlsx", "geojson"),
    geometry=("latitude", "longitude"),
    temporal="created",
    figures=(
        KeyFigure(_("Reports published"), figure_count),
        KeyFigure(_("Reports still open"), _open),
        KeyFigure(_("Closed reports that were fixed"), _fixed_share, unit="%"),
    ),
    chart=Chart(x="category", y="id", kind="bar", aggregate="count", limit=20),
    available=_available,
)

DATASETS = (MONTHLY, REPORTS)


def register() -> None:
    for spec in DATASETS:
        dataset_register(spec)
