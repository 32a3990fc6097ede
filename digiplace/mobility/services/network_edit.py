"""Staff's edits of the network in the back office: stops, routes, calendars and a route's
timetable. Every write is audited and moves the network's version (the exported zip)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction

from ..gtfs.fields import format_time
from ..models import Route, Service, ServiceException, Stop, StopTime, Trip
from .network import network_changed

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User


def _gtfs_id_free(model: type[Stop] | type[Trip], municipality: Municipality, gtfs_id: str) -> None:
    if model.objects.for_municipality(municipality).filter(gtfs_id=gtfs_id).exists():
        raise ValidationError({"gtfs_id": _("The id %(id)s is already used.") % {"id": gtfs_id}})


def stop_create(*, municipality: Municipality, actor: User, fields: Mapping[str, Any]) -> Stop:
    with transaction.atomic():
        _gtfs_id_free(Stop, municipality, fields["gtfs_id"])
        stop = Stop.objects.create(municipality=municipality, **fields)
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AuditAction.CREATE,
            instance=stop,
            after=model_snapshot(stop),
        )
    network_changed(municipality)
    return stop


def stop_update(*, stop: Stop, actor: User, fields: Mapping[str, Any]) -> Stop:
    with audited_change(stop, actor=actor) as change:
        if fields["gtfs_id"] != change.instance.gtfs_id:
            _gtfs_id_free(Stop, stop.municipality, fields["gtfs_id"])
        for name, value in fields.items():
            setattr(change.instance, name, value)
        change.instance.save()
    network_changed(stop.municipality)
    return change.instance


def route_update(*, route: Route, actor: User, fields: Mapping[str, Any]) -> Route:
    with audited_change(route, actor=actor) as change:
        for name, value in fields.items():
            setattr(change.instance, name, value)
        change.instance.save()
    network_changed(route.municipality)
    return change.instance


def _service_snapshot(service: Service) -> dict[str, Any]:
    return {
        **model_snapshot(service),
        "exceptions": [
            [exception.date.isoformat(), exception.exception_type]
            for exception in ServiceException.objects.filter(service=service).order_by("date")
        ],
    }


def service_update(
    *,
    service: Service,
    actor: User,
    fields: Mapping[str, Any],
    exceptions: Mapping[datetime.date, int] | None = None,
) -> Service:
    """Save a calendar's weekly pattern and, when given, replace its exceptions
    (calendar_dates.txt: 1 runs that day, 2 does not)."""
    if fields["start_date"] and fields["end_date"] and fields["end_date"] < fields["start_date"]:
        raise ValidationError({"end_date": _("The last day is before the first.")})
    with audited_change(service, actor=actor, snapshot=_service_snapshot) as change:
        for name, value in fields.items():
            setattr(change.instance, name, value)
        change.instance.weekly = True
        change.instance.save()
        if exceptions is not None:
            ServiceException.objects.filter(service=change.instance).delete()
            ServiceException.objects.bulk_create(
                ServiceException(service=change.instance, date=day, exception_type=kind)
                for day, kind in sorted(exceptions.items())
            )
    network_changed(service.municipality)
    return change.instance


def _times_snapshot(trip: Trip) -> dict[str, Any]:
    return {
        "stop_times": [
            [stop_time.sequence, stop_time.stop_id, stop_time.arrival, stop_time.departure]
            for stop_time in StopTime.objects.filter(trip=trip).order_by("sequence")
        ]
    }


def trip_copy(*, trip: Trip, actor: User, offset_minutes: int, gtfs_id: str = "") -> Trip:
    """A new trip like ``trip``, every time moved by ``offset_minutes`` (refused if a time
    would fall before the service day's start)."""
    offset = offset_minutes * 60
    if offset == 0:
        raise ValidationError({"offset_minutes": _("The copy must run at another time.")})
    stop_times = list(StopTime.objects.filter(trip=trip).order_by("sequence"))
    earliest = min(
        (
            moment
            for row in stop_times
            for moment in (row.arrival, row.departure)
            if moment is not None
        ),
        default=0,
    )
    if earliest + offset < 0:
        raise ValidationError(
            {"offset_minutes": _("The copy would start before the service day (00:00:00).")}
        )
    if not gtfs_id:
        gtfs_id = f"{trip.gtfs_id}+{format_time(earliest + offset).replace(':', '')}"
    with transaction.atomic():
        _gtfs_id_free(Trip, trip.municipality, gtfs_id)
        copy = Trip.objects.create(
            municipality=trip.municipality,
            gtfs_id=gtfs_id,
            route=trip.route,
            service=trip.service,
            headsign=trip.headsign,
            short_name="",
            direction_id=trip.direction_id,
            block_id="",
            shape=trip.shape,
            wheelchair_accessible=trip.wheelchair_accessible,
            bikes_allowed=trip.bikes_allowed,
            is_demo=trip.is_demo,
        )
        StopTime.objects.bulk_create(
            StopTime(
                trip=copy,
                stop_id=row.stop_id,
                sequence=row.sequence,
                arrival=None if row.arrival is None else row.arrival + offset,
                departure=None if row.departure is None else row.departure + offset,
                headsign=row.headsign,
                pickup_type=row.pickup_type,
                drop_off_type=row.drop_off_type,
                shape_dist_traveled=row.shape_dist_traveled,
                timepoint=row.timepoint,
            )
            for row in stop_times
        )
        audit_record(
            actor=actor,
            municipality=trip.municipality,
            action=AuditAction.CREATE,
            instance=copy,
            after={**model_snapshot(copy), **_times_snapshot(copy)},
        )
    network_changed(trip.municipality)
    return copy


def trip_times_update(
    *, trip: Trip, actor: User, times: Sequence[tuple[int, int | None, int | None]]
) -> None:
    """Set the trip's times: ``(sequence, arrival, departure)`` for each stop time; refused
    when they go backwards or the first or last stop has none."""
    by_sequence = {sequence: (arrival, departure) for sequence, arrival, departure in times}
    with transaction.atomic():
        rows = list(StopTime.objects.select_for_update().filter(trip=trip).order_by("sequence"))
        before = _times_snapshot(trip)
        previous: int | None = None
        for index, row in enumerate(rows):
            row.arrival, row.departure = by_sequence.get(row.sequence, (row.arrival, row.departure))
            if (index in (0, len(rows) - 1)) and row.arrival is None and row.departure is None:
                raise ValidationError(_("The first and last stops need a time."))
            for moment in (row.arrival, row.departure):
                if moment is None:
                    continue
                if previous is not None and moment < previous:
                    raise ValidationError(
                        _("The times go backwards at stop %(number)d (%(stop)s).")
                        % {"number": index + 1, "stop": row.stop.name or row.stop.gtfs_id}
                    )
                previous = moment
        StopTime.objects.bulk_update(rows, ["arrival", "departure"])
        audit_record(
            actor=actor,
            municipality=trip.municipality,
            action=AuditAction.UPDATE,
            instance=trip,
            before=before,
            after=_times_snapshot(trip),
        )
    network_changed(trip.municipality)


def trip_delete(*, trip: Trip, actor: User) -> None:
    municipality = trip.municipality
    with transaction.atomic():
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AuditAction.DELETE,
            instance=trip,
            before={**model_snapshot(trip), **_times_snapshot(trip)},
        )
        trip.delete()
    network_changed(municipality)
