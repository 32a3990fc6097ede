"""Taps from the validators and the day's ridership figures.

``taps_ingest`` takes what a validator posts (one tap or a batch), all or nothing: when any
tap is refused nothing is written, every refused tap is counted as a ``TapReject`` and the
answer lists each tap's problem; taps already received (same validator and tap id) are
acknowledged again without a second row. The card id is hashed at once under the day's key
and is never stored, logged or put into an error message.

``ridership_day_aggregate`` turns a finished day's taps into ``RidershipCell`` rows, then
blanks the taps' hashes and deletes the day's key; ``ridership_aggregate_finished`` does it
for every finished day (the periodic job).
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from digiplace.core.geo import distance_metres
from digiplace.core.models import Municipality

from ..models import (
    CellKind,
    PositionRecord,
    RidershipCell,
    RidershipKey,
    Stop,
    StopTime,
    Tap,
    TapReject,
    Trip,
    Validator,
    VehicleState,
)
from ..ridership.counting import TapFacts, rider_hash, tally, transfers_mark

if TYPE_CHECKING:
    from digiplace.urbandata.models import DeviceKey

MAX_BATCH = 500
# A validator's clock may run a little ahead; a tap later than this is refused.
FUTURE_TOLERANCE = datetime.timedelta(minutes=2)
# Validators buffer taps while offline; older taps are refused.
MAX_AGE = datetime.timedelta(hours=48)
# A day is aggregated this long after its end, so that buffered taps still count.
GRACE = datetime.timedelta(hours=3)
MAX_FIELD = 64


class TapsRefused(Exception):
    """The batch was refused: ``status`` and, per refused tap, its index and message."""

    def __init__(self, status: int, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    taps: list[Tap] = field(default_factory=list)


def reject_record(
    *, municipality: Municipality, validator_ref: str, reason: str, message: str
) -> TapReject:
    return TapReject.objects.create(
        municipality=municipality,
        validator_ref=validator_ref[:MAX_FIELD],
        reason=reason[:32],
        message=message[:300],
    )


def day_key(*, municipality: Municipality, day: datetime.date) -> RidershipKey:
    """The city's secret for ``day``, made on first use (locked for the transaction, so that
    the day's aggregation waits for taps being written under it)."""
    key, _created = RidershipKey.objects.select_for_update().get_or_create(
        municipality=municipality, day=day, defaults={"secret": secrets.token_bytes(32)}
    )
    return key


def _secret(key: RidershipKey) -> bytes:
    # PostgreSQL's driver gives a memoryview for a binary column.
    return bytes(key.secret)


def day_is_aggregated(*, municipality: Municipality, day: datetime.date) -> bool:
    return RidershipCell.objects.filter(
        municipality=municipality, kind=CellKind.CITY_DAY, day=day
    ).exists()


def _text(item: Mapping[str, Any], name: str, *, required: bool) -> str:
    value = item.get(name)
    if value is None or value == "":
        if required:
            raise ValueError(_("“%(field)s” is missing.") % {"field": name})
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(_("“%(field)s” must be text.") % {"field": name})
    text = str(value).strip()
    if len(text) > MAX_FIELD:
        raise ValueError(
            _("“%(field)s” is longer than %(limit)d characters.")
            % {"field": name, "limit": MAX_FIELD}
        )
    return text


def _moment(item: Mapping[str, Any], now: datetime.datetime) -> datetime.datetime:
    raw = item.get("time")
    if not isinstance(raw, str) or not raw:
        raise ValueError(_("“time” is missing: send an ISO 8601 time with its offset."))
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(
            _("“time” must be an ISO 8601 time with its offset, e.g. 2025-03-01T08:15:00+02:00.")
        )
    if moment > now + FUTURE_TOLERANCE:
        raise ValueError(_("The tap's time is in the future; check the validator's clock."))
    if moment < now - MAX_AGE:
        raise ValueError(
            _("The tap is older than %(hours)d hours and is no longer counted.")
            % {"hours": int(MAX_AGE.total_seconds() // 3600)}
        )
    return moment


def _metres_to(stop: Stop, latitude: float, longitude: float) -> float:
    assert stop.latitude is not None and stop.longitude is not None
    return distance_metres(stop.latitude, stop.longitude, latitude, longitude)


def _trip_stop(trip_id: int, latitude: float, longitude: float) -> Stop | None:
    """The stop of the trip nearest to a position."""
    stops = [
        stop_time.stop
        for stop_time in StopTime.objects.filter(trip_id=trip_id).select_related("stop")
        if stop_time.stop.latitude is not None and stop_time.stop.longitude is not None
    ]
    return min(
        stops,
        key=lambda stop: distance_metres(
            stop.latitude or 0.0, stop.longitude or 0.0, latitude, longitude
        ),
        default=None,
    )


# How far from a tap the vehicle's position may be to tell where the tap was made; a
# validator that was offline sends its taps later, so the position is looked up at the
# tap's moment in the vehicle's history, never taken from where the vehicle is now.
POSITION_WINDOW = datetime.timedelta(minutes=2)


def _where_at(vehicle: VehicleState, moment: datetime.datetime) -> tuple[Trip | None, Stop | None]:
    """The vehicle's trip at ``moment`` and the stop of that trip nearest to where it was
    (from its recorded positions; its current state when the tap is that recent)."""
    records = PositionRecord.objects.filter(
        vehicle=vehicle,
        observed_at__gte=moment - POSITION_WINDOW,
        observed_at__lte=moment + POSITION_WINDOW,
    ).select_related("trip")
    record = min(
        records, key=lambda record: abs((record.observed_at - moment).total_seconds()), default=None
    )
    if record is not None:
        trip, latitude, longitude = record.trip, record.latitude, record.longitude
    elif (
        vehicle.observed_at is not None
        and abs(vehicle.observed_at - moment) <= POSITION_WINDOW
        and vehicle.latitude is not None
        and vehicle.longitude is not None
    ):
        trip, latitude, longitude = vehicle.trip, vehicle.latitude, vehicle.longitude
    else:
        return None, None
    if trip is None:
        return None, None
    return trip, _trip_stop(trip.pk, latitude, longitude)


@dataclass(frozen=True)
class _Checked:
    validator: Validator
    moment: datetime.datetime
    card: str
    tap_ref: str
    vehicle_label: str


def _validators(municipality: Municipality, codes: set[str]) -> dict[str, Validator]:
    return {
        validator.code: validator
        for validator in Validator.objects.for_municipality(municipality)
        .filter(code__in=codes)
        .select_related("vehicle", "stop")
    }


def taps_ingest(
    *,
    municipality: Municipality,
    key: DeviceKey,
    payload: Any,
    now: datetime.datetime | None = None,
) -> IngestResult:
    """Record a validator's taps (``payload``: one tap object, or ``{"taps": [...]}``, or a
    list); ``TapsRefused`` when any is refused (nothing written, each refusal counted)."""
    now = now or timezone.now()
    if isinstance(payload, dict) and "taps" in payload:
        items = payload["taps"]
    elif isinstance(payload, dict):
        items = [payload]
    else:
        items = payload
    if not isinstance(items, list) or not items:
        message = _('Send a tap object, or {"taps": [...]} with at least one tap.')
        reject_record(
            municipality=municipality, validator_ref=key.name, reason="malformed", message=message
        )
        raise TapsRefused(400, message, [])
    if len(items) > MAX_BATCH:
        message = _("Send at most %(limit)d taps at once.") % {"limit": MAX_BATCH}
        reject_record(
            municipality=municipality, validator_ref=key.name, reason="malformed", message=message
        )
        raise TapsRefused(413, message, [])
    codes = {
        str(item.get("validator")).strip()
        for item in items
        if isinstance(item, dict) and isinstance(item.get("validator"), str)
    }
    validators = _validators(municipality, codes)
    checked: list[_Checked] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        reason, ref = "malformed", key.name
        try:
            if not isinstance(item, dict):
                raise ValueError(_("A tap must be a JSON object."))
            code = _text(item, "validator", required=True)
            ref = code
            validator = validators.get(code)
            if validator is None:
                reason = "unknown_validator"
                raise ValueError(
                    _("No validator “%(code)s” is registered in this city.") % {"code": code}
                )
            if not validator.is_active:
                reason = "inactive_validator"
                raise ValueError(_("The validator “%(code)s” is deactivated.") % {"code": code})
            if validator.device_key_id != key.pk:
                reason = "wrong_key"
                raise ValueError(
                    _("This key is not the validator “%(code)s”'s key.") % {"code": code}
                )
            reason = "malformed"
            card = _text(item, "card", required=True)
            tap_ref = _text(item, "id", required=False)
            vehicle_label = _text(item, "vehicle", required=False)
            reason = "bad_time"
            moment = _moment(item, now)
        except ValueError as problem:
            errors.append({"index": index, "reason": reason, "message": str(problem), "ref": ref})
            continue
        checked.append(_Checked(validator, moment, card, tap_ref, vehicle_label))
    if errors:
        for error in errors:
            reject_record(
                municipality=municipality,
                validator_ref=error.pop("ref"),
                reason=error["reason"],
                message=error["message"],
            )
        raise TapsRefused(
            422,
            _("%(refused)d of %(total)d taps were refused; none was recorded.")
            % {"refused": len(errors), "total": len(items)},
            errors,
        )
    return _taps_write(municipality=municipality, checked=checked)


def _taps_write(*, municipality: Municipality, checked: list[_Checked]) -> IngestResult:
    result = IngestResult()
    labels = {tap.vehicle_label for tap in checked if tap.vehicle_label}
    vehicles = {
        vehicle.label: vehicle
        for vehicle in VehicleState.objects.for_municipality(municipality)
        .filter(label__in=labels)
        .select_related("trip")
    }
    late: list[dict[str, Any]] = []
    with transaction.atomic():
        keys: dict[datetime.date, RidershipKey] = {}
        for index, tap in enumerate(checked):
            day = timezone.localdate(tap.moment)
            if day not in keys:
                keys[day] = day_key(municipality=municipality, day=day)
                if day_is_aggregated(municipality=municipality, day=day):
                    late.append(
                        {
                            "index": index,
                            "reason": "bad_time",
                            "message": _(
                                "The figures of %(day)s are already made; its taps are "
                                "no longer counted."
                            )
                            % {"day": day.isoformat()},
                            "ref": tap.validator.code,
                        }
                    )
                    continue
            if tap.tap_ref and (
                existing := Tap.objects.filter(validator=tap.validator, tap_ref=tap.tap_ref).first()
            ):
                result.duplicates += 1
                result.taps.append(existing)
                continue
            vehicle = vehicles.get(tap.vehicle_label) or tap.validator.vehicle
            trip, stop = _where_at(vehicle, tap.moment) if vehicle is not None else (None, None)
            if tap.validator.stop is not None:
                stop = tap.validator.stop
            result.taps.append(
                Tap.objects.create(
                    municipality=municipality,
                    validator=tap.validator,
                    tapped_at=tap.moment,
                    day=day,
                    vehicle=vehicle,
                    trip=trip,
                    route_id=trip.route_id if trip is not None else None,
                    stop=stop,
                    rider=rider_hash(_secret(keys[day]), tap.card),
                    tap_ref=tap.tap_ref,
                )
            )
            result.accepted += 1
        if late:
            transaction.set_rollback(True)
    if late:
        for error in late:
            reject_record(
                municipality=municipality,
                validator_ref=error.pop("ref"),
                reason=error["reason"],
                message=error["message"],
            )
        raise TapsRefused(
            422,
            _("%(refused)d of %(total)d taps were refused; none was recorded.")
            % {"refused": len(late), "total": len(checked)},
            late,
        )
    return result


# The day's figures


def _day_end(day: datetime.date) -> datetime.datetime:
    following = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(following)


def ridership_day_aggregate(*, municipality: Municipality, day: datetime.date) -> int:
    """Count the day's taps into ``RidershipCell`` rows (replacing the day's), blank their
    hashes and delete the day's key; returns the number of taps counted."""
    with transaction.atomic():
        # Taps being written under the day's key finish first (they hold its lock).
        list(RidershipKey.objects.select_for_update().filter(municipality=municipality, day=day))
        taps = list(
            Tap.objects.filter(municipality=municipality, day=day).values_list(
                "pk", "rider", "tapped_at", "stop_id", "route_id", "trip_id", "aggregated"
            )
        )
        if taps and all(row[6] for row in taps):
            # Already counted: the hashes are gone, recounting would find no riders.
            RidershipKey.objects.filter(municipality=municipality, day=day).delete()
            return 0
        facts = [
            TapFacts(
                # A tap without a hash (never expected) counts as a rider of its own.
                rider=rider or f"tap-{pk}",
                tapped_at=tapped_at,
                stop_id=stop_id,
                route_id=route_id,
                trip_id=trip_id,
                hour=timezone.localtime(tapped_at).hour,
            )
            for pk, rider, tapped_at, stop_id, route_id, trip_id, _done in taps
        ]
        marked = transfers_mark(facts)
        RidershipCell.objects.filter(municipality=municipality, day=day).delete()
        cells: list[RidershipCell] = []

        def add(kind: str, tallies: Mapping[Hashable, Any], fields: Any) -> None:
            for cell_key, counted in tallies.items():
                cells.append(
                    RidershipCell(
                        municipality=municipality,
                        kind=kind,
                        day=day,
                        boardings=counted.boardings,
                        riders=len(counted.riders),
                        transfers=counted.transfers,
                        **fields(cell_key),
                    )
                )

        with_stop = [(fact, transfer) for fact, transfer in marked if fact.stop_id is not None]
        with_route = [(fact, transfer) for fact, transfer in marked if fact.route_id]
        # Boardings per stop and hour, with the stop's day (hour empty), the hour's total
        # over the stops (stop empty) and the grand total (both empty): the table's margins,
        # each with its own distinct riders, for the k threshold.
        add(
            CellKind.STOP_HOUR,
            tally(with_stop, lambda fact: (fact.stop_id, fact.hour)),
            lambda key: {"stop_id": key[0], "hour": key[1]},
        )
        add(
            CellKind.STOP_HOUR,
            tally(with_stop, lambda fact: fact.stop_id),
            lambda key: {"stop_id": key},
        )
        add(CellKind.STOP_HOUR, tally(with_stop, lambda fact: fact.hour), lambda key: {"hour": key})
        add(CellKind.STOP_HOUR, tally(with_stop, lambda fact: "all"), lambda key: {})
        # Per line, and the lines' day total (route empty).
        add(
            CellKind.ROUTE_DAY,
            tally(with_route, lambda fact: fact.route_id),
            lambda key: {"route_id": key},
        )
        add(CellKind.ROUTE_DAY, tally(with_route, lambda fact: "all"), lambda key: {})
        add(
            CellKind.TRIP_LOAD,
            tally(marked, lambda fact: (fact.trip_id, fact.route_id) if fact.trip_id else None),
            lambda key: {"trip_id": key[0], "route_id": key[1]},
        )
        city = tally(marked, lambda fact: "all")
        if city:
            add(CellKind.CITY_DAY, city, lambda key: {})
        else:
            cells.append(RidershipCell(municipality=municipality, kind=CellKind.CITY_DAY, day=day))
        RidershipCell.objects.bulk_create(cells)
        # From here nothing links two taps of a card: the hashes and their key are gone.
        Tap.objects.filter(municipality=municipality, day=day).update(rider="", aggregated=True)
        RidershipKey.objects.filter(municipality=municipality, day=day).delete()
    return len(taps)


def ridership_aggregate_finished(*, now: datetime.datetime | None = None) -> int:
    """Aggregate every city's finished days (ended at least ``GRACE`` ago) that still have
    taps or a key; returns the number of days aggregated."""
    now = now or timezone.now()
    done = 0
    for municipality in Municipality.objects.all():
        days = set(
            Tap.objects.filter(municipality=municipality, aggregated=False)
            .values_list("day", flat=True)
            .distinct()
        ) | set(
            RidershipKey.objects.filter(municipality=municipality).values_list("day", flat=True)
        )
        for day in sorted(days):
            if _day_end(day) + GRACE <= now:
                ridership_day_aggregate(municipality=municipality, day=day)
                done += 1
    return done
