"""The city's network as a GTFS static zip, written so that ``reader.read_feed`` gives back
the same rows (times past 24:00:00 kept, floats written to their last digit), with a
``feed_info.txt`` naming the city as publisher."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..models import (
    Agency,
    Frequency,
    NetworkImport,
    Route,
    Service,
    ServiceException,
    Shape,
    Stop,
    StopTime,
    Trip,
)
from .fields import format_date, format_float, format_time
from .reader import WEEKDAYS

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# Zip entries get a fixed date, so the same network gives the same bytes (and ETag).
ENTRY_DATE = (2020, 1, 1, 0, 0, 0)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return format_float(value)
    return str(value)


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def _time(seconds: int | None) -> str:
    return "" if seconds is None else format_time(seconds)


def export_feed(municipality: Municipality, *, publisher_url: str = "") -> bytes:
    """The zip's bytes."""
    files: dict[str, bytes] = {}
    agencies = list(Agency.objects.for_municipality(municipality).order_by("gtfs_id"))
    files["agency.txt"] = _csv(
        (
            "agency_id",
            "agency_name",
            "agency_url",
            "agency_timezone",
            "agency_lang",
            "agency_phone",
            "agency_fare_url",
            "agency_email",
        ),
        (
            (a.gtfs_id, a.name, a.url, a.timezone, a.lang, a.phone, a.fare_url, a.email)
            for a in agencies
        ),
    )
    files["stops.txt"] = _csv(
        (
            "stop_id",
            "stop_code",
            "stop_name",
            "stop_desc",
            "stop_lat",
            "stop_lon",
            "zone_id",
            "stop_url",
            "location_type",
            "parent_station",
            "stop_timezone",
            "wheelchair_boarding",
            "platform_code",
        ),
        (
            (
                s.gtfs_id,
                s.code,
                s.name,
                s.description,
                s.latitude,
                s.longitude,
                s.zone_id,
                s.url,
                s.location_type,
                s.parent.gtfs_id if s.parent else "",
                s.timezone,
                s.wheelchair_boarding,
                s.platform_code,
            )
            for s in Stop.objects.for_municipality(municipality)
            .select_related("parent")
            .order_by("gtfs_id")
        ),
    )
    files["routes.txt"] = _csv(
        (
            "route_id",
            "agency_id",
            "route_short_name",
            "route_long_name",
            "route_desc",
            "route_type",
            "route_url",
            "route_color",
            "route_text_color",
            "route_sort_order",
        ),
        (
            (
                r.gtfs_id,
                r.agency.gtfs_id if r.agency else "",
                r.short_name,
                r.long_name,
                r.description,
                r.route_type,
                r.url,
                r.color,
                r.text_color,
                r.sort_order,
            )
            for r in Route.objects.for_municipality(municipality)
            .select_related("agency")
            .order_by("gtfs_id")
        ),
    )
    files["trips.txt"] = _csv(
        (
            "route_id",
            "service_id",
            "trip_id",
            "trip_headsign",
            "trip_short_name",
            "direction_id",
            "block_id",
            "shape_id",
            "wheelchair_accessible",
            "bikes_allowed",
        ),
        (
            (
                t.route.gtfs_id,
                t.service.gtfs_id,
                t.gtfs_id,
                t.headsign,
                t.short_name,
                t.direction_id,
                t.block_id,
                t.shape.gtfs_id if t.shape else "",
                t.wheelchair_accessible,
                t.bikes_allowed,
            )
            for t in Trip.objects.for_municipality(municipality)
            .select_related("route", "service", "shape")
            .order_by("gtfs_id")
        ),
    )
    files["stop_times.txt"] = _csv(
        (
            "trip_id",
            "arrival_time",
            "departure_time",
            "stop_id",
            "stop_sequence",
            "stop_headsign",
            "pickup_type",
            "drop_off_type",
            "shape_dist_traveled",
            "timepoint",
        ),
        (
            (
                trip_id,
                _time(arrival),
                _time(departure),
                stop_id,
                sequence,
                headsign,
                pickup,
                drop_off,
                distance,
                timepoint,
            )
            for (
                trip_id,
                arrival,
                departure,
                stop_id,
                sequence,
                headsign,
                pickup,
                drop_off,
                distance,
                timepoint,
            ) in StopTime.objects.filter(trip__municipality=municipality)
            .order_by("trip__gtfs_id", "sequence")
            .values_list(
                "trip__gtfs_id",
                "arrival",
                "departure",
                "stop__gtfs_id",
                "sequence",
                "headsign",
                "pickup_type",
                "drop_off_type",
                "shape_dist_traveled",
                "timepoint",
            )
            .iterator(chunk_size=5000)
        ),
    )
    services = list(Service.objects.for_municipality(municipality).order_by("gtfs_id"))
    # A service without a weekly pattern is written only through its exceptions.
    files["calendar.txt"] = _csv(
        ("service_id", *WEEKDAYS, "start_date", "end_date"),
        (
            (
                s.gtfs_id,
                *(getattr(s, day) for day in WEEKDAYS),
                format_date(s.start_date) if s.start_date else "",
                format_date(s.end_date) if s.end_date else "",
            )
            for s in services
            if s.weekly
        ),
    )
    exceptions = list(
        ServiceException.objects.filter(service__municipality=municipality)
        .order_by("service__gtfs_id", "date")
        .values_list("service__gtfs_id", "date", "exception_type")
    )
    if exceptions:
        files["calendar_dates.txt"] = _csv(
            ("service_id", "date", "exception_type"),
            ((service, format_date(day), kind) for service, day, kind in exceptions),
        )
    shapes = Shape.objects.for_municipality(municipality).order_by("gtfs_id")
    if shapes.exists():
        files["shapes.txt"] = _csv(
            (
                "shape_id",
                "shape_pt_lat",
                "shape_pt_lon",
                "shape_pt_sequence",
                "shape_dist_traveled",
            ),
            (
                (shape.gtfs_id, latitude, longitude, sequence, distance)
                for shape in shapes
                for sequence, latitude, longitude, distance in shape.points
            ),
        )
    frequencies = list(
        Frequency.objects.filter(trip__municipality=municipality)
        .order_by("trip__gtfs_id", "start_time")
        .values_list("trip__gtfs_id", "start_time", "end_time", "headway_secs", "exact_times")
    )
    if frequencies:
        files["frequencies.txt"] = _csv(
            ("trip_id", "start_time", "end_time", "headway_secs", "exact_times"),
            (
                (trip, _time(start), _time(end), headway, exact)
                for trip, start, end, headway, exact in frequencies
            ),
        )
    last_import = (
        NetworkImport.objects.for_municipality(municipality)
        .filter(succeeded=True)
        .order_by("-imported_at")
        .first()
    )
    starts = [s.start_date for s in services if s.start_date]
    ends = [s.end_date for s in services if s.end_date]
    files["feed_info.txt"] = _csv(
        (
            "feed_publisher_name",
            "feed_publisher_url",
            "feed_lang",
            "feed_start_date",
            "feed_end_date",
            "feed_version",
            "feed_contact_email",
        ),
        [
            (
                municipality.name,
                publisher_url or municipality.website or "",
                agencies[0].lang
                if agencies and agencies[0].lang
                else municipality.default_language,
                format_date(min(starts)) if starts else "",
                format_date(max(ends)) if ends else "",
                last_import.imported_at.strftime("%Y%m%d%H%M%S") if last_import else "",
                municipality.contact_email,
            )
        ],
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(
                zipfile.ZipInfo(name, date_time=ENTRY_DATE), data, zipfile.ZIP_DEFLATED
            )
    return buffer.getvalue()
