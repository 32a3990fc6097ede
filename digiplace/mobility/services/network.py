"""Importing a GTFS feed as a city's whole network.

The feed is read and checked first (``gtfs.reader``, no database); a feed with errors is
refused and only its ``NetworkImport`` record (with the report) is written. An accepted feed
replaces the network in one transaction, so a failure half-way leaves the previous one.

Other records point at the network (a vehicle's current trip, the alerts' routes and stops,
a validator's stop, taps and ridership cells, stop visits and learned travel times). So the
import does not drop and recreate the tables: agencies, stops, routes, services, shapes and
trips are **updated in place by their GTFS id**, new ids are created and only ids missing
from the new feed are deleted (with what cascades from them: their stop visits, ridership
cells and travel times; a vehicle's trip and a tap's stop are set empty). Stop times,
frequencies and calendar exceptions, which nothing else points at, are replaced whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from django.core.cache import cache
from django.db import models, transaction

from digiplace.core.audit import audit_record
from digiplace.core.models import AuditAction

from ..gtfs.reader import ERROR, WARNING, Feed, Report, read_feed
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

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User

_M = TypeVar("_M", bound=models.Model)

BATCH = 2000
AGENCY_FIELDS = ("name", "url", "timezone", "lang", "phone", "fare_url", "email", "is_demo")
STOP_FIELDS = (
    "code",
    "name",
    "description",
    "latitude",
    "longitude",
    "zone_id",
    "url",
    "location_type",
    "timezone",
    "wheelchair_boarding",
    "platform_code",
    "is_demo",
)
ROUTE_FIELDS = (
    "agency",
    "short_name",
    "long_name",
    "description",
    "route_type",
    "url",
    "color",
    "text_color",
    "sort_order",
    "is_demo",
)
SERVICE_FIELDS = (
    "weekly",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "start_date",
    "end_date",
    "is_demo",
)
SHAPE_FIELDS = ("points", "is_demo")
TRIP_FIELDS = (
    "route",
    "service",
    "headsign",
    "short_name",
    "direction_id",
    "block_id",
    "shape",
    "wheelchair_accessible",
    "bikes_allowed",
    "is_demo",
)


def network_version(municipality: Municipality) -> int:
    """A number that moves whenever this module's services change the city's network (the
    exported zip is cached under it)."""
    return int(cache.get(f"mobility:network-version:{municipality.pk}", 0))


def network_changed(municipality: Municipality) -> None:
    key = f"mobility:network-version:{municipality.pk}"
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def network_check(file: str | Path | IO[bytes]) -> Report:
    """The report an import of ``file`` would give, writing nothing (the back office's
    preview)."""
    _feed, report = read_feed(str(file) if isinstance(file, Path) else file)
    return report


def network_import(
    municipality: Municipality,
    file: str | Path | IO[bytes],
    actor: User | None,
    *,
    file_name: str = "",
    is_demo: bool = False,
) -> NetworkImport:
    """Check ``file`` (a GTFS zip) and, when it has no errors, make it the city's network.

    Returns the ``NetworkImport`` record, saved either way; ``succeeded`` says which."""
    source = str(file) if isinstance(file, Path) else file
    feed, report = read_feed(source)
    if not file_name:
        file_name = Path(source).name if isinstance(source, str) else getattr(source, "name", "")
    record = NetworkImport(
        municipality=municipality,
        file_name=(file_name or "feed.zip")[:255],
        imported_by=actor,
        counts=report.counts,
        errors=report.listed(ERROR),
        warnings=report.listed(WARNING),
    )
    if not report.ok:
        record.save()
        return record
    with transaction.atomic():
        # One import at a time per city: a second waits for the first to finish.
        type(municipality).objects.select_for_update().get(pk=municipality.pk)
        _network_replace(municipality, feed, is_demo=is_demo)
        record.succeeded = True
        record.save()
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AuditAction.CREATE,
            instance=record,
            after={"file_name": record.file_name, "counts": record.counts},
        )
    network_changed(municipality)
    return record


def _differs(instance: Any, name: str, value: Any) -> bool:
    field = instance._meta.get_field(name)
    if field.is_relation:
        return bool(getattr(instance, field.attname) != (None if value is None else value.pk))
    return bool(getattr(instance, name) != value)


def _upsert(
    model: type[_M],
    municipality: Municipality,
    rows: Iterable[dict[str, Any]],
    fields: tuple[str, ...],
) -> tuple[dict[str, _M], list[int]]:
    """Update the city's rows by GTFS id, create the new ones; return every row of the feed
    by id and the primary keys of the city's rows missing from it (deleted later, once
    nothing of the new network points at them)."""
    manager: Any = model._default_manager
    existing: dict[str, Any] = {
        row.gtfs_id: row for row in manager.filter(municipality=municipality)
    }
    kept: dict[str, _M] = {}
    changed: list[Any] = []
    new: list[Any] = []
    for values in rows:
        gtfs_id = values["gtfs_id"]
        instance: Any = existing.pop(gtfs_id, None)
        if instance is None:
            instance = model(municipality=municipality, **values)
            new.append(instance)
        elif any(_differs(instance, name, values[name]) for name in fields):
            for name in fields:
                setattr(instance, name, values[name])
            changed.append(instance)
        kept[gtfs_id] = instance
    if changed:
        manager.bulk_update(changed, fields, batch_size=500)
    if new:
        manager.bulk_create(new, batch_size=BATCH)
        # Not every database returns the new keys from a bulk insert.
        pks = dict(
            manager.filter(
                municipality=municipality, gtfs_id__in=[row.gtfs_id for row in new]
            ).values_list("gtfs_id", "pk")
        )
        for instance in new:
            instance.pk = pks[instance.gtfs_id]
    return kept, [row.pk for row in existing.values()]


def _network_replace(municipality: Municipality, feed: Feed, *, is_demo: bool) -> None:
    # By the trips' keys, in chunks: a join in the DELETE lets PostgreSQL, without
    # statistics on freshly loaded tables, pick a plan that takes minutes.
    trip_pks = list(Trip.objects.for_municipality(municipality).values_list("pk", flat=True))
    for start in range(0, len(trip_pks), 500):
        chunk = trip_pks[start : start + 500]
        StopTime.objects.filter(trip_id__in=chunk).delete()
        Frequency.objects.filter(trip_id__in=chunk).delete()
    ServiceException.objects.filter(
        service_id__in=list(
            Service.objects.for_municipality(municipality).values_list("pk", flat=True)
        )
    ).delete()

    agencies, stale_agencies = _upsert(
        Agency,
        municipality,
        ({**agency, "is_demo": is_demo} for agency in feed.agencies),
        AGENCY_FIELDS,
    )
    stops, stale_stops = _upsert(
        Stop,
        municipality,
        (
            {
                **{key: value for key, value in stop.items() if key != "parent_id"},
                "parent": None,
                "is_demo": is_demo,
            }
            for stop in feed.stops
        ),
        (*STOP_FIELDS, "parent"),
    )
    with_parent = []
    for stop in feed.stops:
        if stop["parent_id"]:
            child = stops[stop["gtfs_id"]]
            child.parent = stops[stop["parent_id"]]
            with_parent.append(child)
    if with_parent:
        Stop.objects.bulk_update(with_parent, ["parent"], batch_size=500)

    only_agency = next(iter(agencies.values())) if len(agencies) == 1 else None
    routes, stale_routes = _upsert(
        Route,
        municipality,
        (
            {
                **{key: value for key, value in route.items() if key != "agency_id"},
                "agency": agencies[route["agency_id"]] if route["agency_id"] else only_agency,
                "is_demo": is_demo,
            }
            for route in feed.routes
        ),
        ROUTE_FIELDS,
    )
    services, stale_services = _upsert(
        Service,
        municipality,
        (
            {"gtfs_id": gtfs_id, **service, "is_demo": is_demo}
            for gtfs_id, service in feed.services.items()
        ),
        SERVICE_FIELDS,
    )
    shapes, stale_shapes = _upsert(
        Shape,
        municipality,
        (
            {"gtfs_id": gtfs_id, "points": points, "is_demo": is_demo}
            for gtfs_id, points in feed.shapes.items()
        ),
        SHAPE_FIELDS,
    )
    trips, stale_trips = _upsert(
        Trip,
        municipality,
        (
            {
                "gtfs_id": trip["gtfs_id"],
                "route": routes[trip["route_id"]],
                "service": services[trip["service_id"]],
                "shape": shapes[trip["shape_id"]] if trip["shape_id"] else None,
                "headsign": trip["headsign"],
                "short_name": trip["short_name"],
                "direction_id": trip["direction_id"],
                "block_id": trip["block_id"],
                "wheelchair_accessible": trip["wheelchair_accessible"],
                "bikes_allowed": trip["bikes_allowed"],
                "is_demo": is_demo,
            }
            for trip in feed.trips
        ),
        TRIP_FIELDS,
    )
    # What the new network no longer has, once nothing of it points there.
    for model, stale in (
        (Trip, stale_trips),
        (Route, stale_routes),
        (Service, stale_services),
        (Shape, stale_shapes),
        (Stop, stale_stops),
        (Agency, stale_agencies),
    ):
        if stale:
            model._default_manager.filter(municipality=municipality, pk__in=stale).delete()

    trip_keys = {gtfs_id: trip.pk for gtfs_id, trip in trips.items()}
    stop_keys = {gtfs_id: stop.pk for gtfs_id, stop in stops.items()}
    StopTime.objects.bulk_create(
        (
            StopTime(
                trip_id=trip_keys[row["trip_id"]],
                stop_id=stop_keys[row["stop_id"]],
                sequence=row["sequence"],
                arrival=row["arrival"],
                departure=row["departure"],
                headsign=row["headsign"],
                pickup_type=row["pickup_type"],
                drop_off_type=row["drop_off_type"],
                shape_dist_traveled=row["shape_dist_traveled"],
                timepoint=row["timepoint"],
            )
            for row in feed.stop_times
        ),
        batch_size=BATCH,
    )
    Frequency.objects.bulk_create(
        (
            Frequency(
                trip_id=trip_keys[row["trip_id"]],
                start_time=row["start_time"],
                end_time=row["end_time"],
                headway_secs=row["headway_secs"],
                exact_times=row["exact_times"],
            )
            for row in feed.frequencies
        ),
        batch_size=BATCH,
    )
    ServiceException.objects.bulk_create(
        (
            ServiceException(
                service_id=services[row["service_id"]].pk,
                date=row["date"],
                exception_type=row["exception_type"],
            )
            for row in feed.exceptions
        ),
        batch_size=BATCH,
    )
