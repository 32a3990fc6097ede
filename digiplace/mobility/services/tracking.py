"""Live tracking: what the platform makes of each position a fleet vehicle reports.

Urban data's change listener (``hooks``) hands over the ``Vehicle`` entities whose
position changed. For each fleet vehicle (``VehicleState``) the position is recorded
(``PositionRecord``, the replay), matched to its trip (``realtime.matching``) and placed
along the trip's shape; the stops passed since the last position are recorded as visits
(``StopVisit``, arrival interpolated between the two positions) and each segment's travel
time is learned (``SegmentTravelTime``, per route segment and hour); the arrivals at the
next stops are predicted (``realtime.prediction``). Three derived attributes go back onto
the vehicle's entity through urban data's write path — ``delay`` (s), ``offRouteDistance``
(m) and ``headway`` (s behind the bus ahead on the same line and direction) — so urban data's
alert rules see them; the listener ignores changes that touch only those, so that writing
them does not start the tracking again.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from digiplace.core.models import Municipality
from digiplace.urbandata.models import Entity
from digiplace.urbandata.services.ingest import (
    CheckedDocument,
    DocumentRefused,
    WriteMode,
    entities_write,
    entity_attribute_delete,
)

from ..models import (
    PositionRecord,
    PositionReject,
    SegmentTravelTime,
    StopVisit,
    VehicleState,
)
from ..realtime.matching import Match, Matcher, Observation, Previous, TripPattern
from ..realtime.prediction import SegmentStats, StopAhead, predict_arrivals, segment_learn
from .tracking_network import matcher_load

if TYPE_CHECKING:
    from digiplace.urbandata.models import DeviceKey
    from digiplace.urbandata.services.changes import EntityChange

logger = logging.getLogger(__name__)

ENTITY_TYPE = "Vehicle"
DERIVED = frozenset({"delay", "offRouteDistance", "headway"})
# A vehicle this far from its trip's shape is off route (the control centre's rule has the
# same threshold).
OFF_ROUTE_METRES = 100.0
# A bus standing this close short of a stop is at it (in the bay; GPS wanders), and has
# left the first stop once this far past it.
REACHED_WITHIN = 25.0
# Moving less than this between two positions is standing.
STANDING_METRES = 5.0
# Vehicles silent for longer hold no run (another bus may be matched to it).
FRESH = datetime.timedelta(minutes=3)
# Statuses of a vehicle not in service: no trip.
NOT_IN_SERVICE = frozenset({"parked", "outOfService"})
SECOND = "SEC"
METRE = "MTR"


@dataclass(frozen=True)
class Fix:
    """A position as the entity carries it."""

    latitude: float
    longitude: float
    observed_at: datetime.datetime
    bearing: float | None
    speed: float | None  # metres per second
    trip_id: str
    status: str


def _value(attributes: Mapping[str, Any], name: str) -> Any:
    attribute = attributes.get(name)
    if isinstance(attribute, dict):
        return attribute.get("value")
    return attribute


def _moment(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None or timezone.is_naive(moment):
        return None
    return moment


def entity_fix(entity: Entity) -> Fix | None:
    """The position an entity carries now (None without a location)."""
    if entity.latitude is None or entity.longitude is None:
        return None
    attributes = entity.attributes or {}
    location = attributes.get("location")
    observed = _moment(location.get("observedAt")) if isinstance(location, dict) else None
    observed = observed or entity.last_observed_at or entity.modified_at
    heading = _value(attributes, "heading")
    speed = _value(attributes, "speed")
    trip = _value(attributes, "refTrip")
    status = _value(attributes, "serviceStatus")
    return Fix(
        latitude=entity.latitude,
        longitude=entity.longitude,
        observed_at=observed,
        bearing=float(heading) if isinstance(heading, int | float) else None,
        speed=float(speed) / 3.6 if isinstance(speed, int | float) else None,
        trip_id=trip if isinstance(trip, str) else "",
        status=status if isinstance(status, str) else "",
    )


# The listener ------------------------------------------------------------------------


def changes_track(changes: Sequence[EntityChange]) -> None:
    """Urban data's change listener: track the vehicles whose position changed."""
    by_city: dict[int, list[int]] = defaultdict(list)
    for change in changes:
        if change.type != ENTITY_TYPE or change.deleted:
            continue
        if not set(change.attributes) - DERIVED:
            continue  # our own derived attributes coming back
        if "location" not in change.attributes and "refTrip" not in change.attributes:
            continue
        by_city[change.municipality_id].append(change.entity_pk)
    for municipality_id, entity_pks in by_city.items():
        municipality = Municipality.objects.filter(pk=municipality_id).first()
        if municipality is not None:
            positions_track(municipality, entity_pks)


def positions_track(municipality: Municipality, entity_pks: Sequence[int]) -> list[VehicleState]:
    """Track the fleet vehicles among these entities from the positions they carry now;
    returns the states updated."""
    states = list(
        VehicleState.objects.for_municipality(municipality)
        .filter(entity_id__in=entity_pks, is_active=True)
        .select_related("entity", "trip__route")
    )
    work: list[tuple[VehicleState, Fix]] = []
    for state in states:
        fix = entity_fix(state.entity)
        if fix is None:
            continue
        if state.observed_at is not None and fix.observed_at <= state.observed_at:
            continue  # late or repeated: the state is newer
        work.append((state, fix))
    if not work:
        return []
    tracker = _Tracker(municipality, work)
    with transaction.atomic():
        tracker.run()
    tracker.derived_write()
    return [state for state, _fix in work]


class _Tracker:
    """One batch of positions of one city."""

    def __init__(self, municipality: Municipality, work: list[tuple[VehicleState, Fix]]):
        self.municipality = municipality
        self.work = work
        self.zone = zoneinfo.ZoneInfo(municipality.time_zone)
        self.moment = max(fix.observed_at for _state, fix in work)
        self.derived: dict[int, dict[str, float | None]] = {}
        self.segments: dict[int, dict[tuple[str, str, int], SegmentStats]] = {}
        self.matcher: Matcher | None = None

    # Matching

    def _load(self) -> Matcher:
        needs_all = any(
            not fix.trip_id and state.trip_id is None and fix.status not in NOT_IN_SERVICE
            for state, fix in self.work
        )
        blocks = {state.trip.block_id for state, _fix in self.work if state.trip is not None}
        routes = {state.trip.route.gtfs_id for state, _fix in self.work if state.trip is not None}
        return matcher_load(
            self.municipality,
            self.moment,
            trip_ids=[fix.trip_id for _state, fix in self.work if fix.trip_id],
            route_ids=routes,
            block_ids=blocks,
            everything=needs_all,
        )

    def _previous(self, state: VehicleState) -> Previous | None:
        if state.trip is None or state.service_date is None or state.trip_start is None:
            return None
        return Previous(
            key=state.trip.pk,
            service_date=state.service_date,
            start=state.trip_start,
            distance=state.shape_distance or 0.0,
            block_id=state.trip.block_id,
        )

    def run(self) -> None:
        matcher = self.matcher = self._load()
        mine = {state.pk for state, _fix in self.work}
        taken = [
            (trip_pk, date, start)
            for trip_pk, date, start in VehicleState.objects.for_municipality(self.municipality)
            .filter(
                is_active=True,
                trip__isnull=False,
                trip_start__isnull=False,
                observed_at__gte=self.moment - FRESH,
            )
            .exclude(pk__in=mine)
            .values_list("trip_id", "service_date", "trip_start")
            if trip_pk is not None and date is not None and start is not None
        ]
        in_service = [(s, f) for s, f in self.work if f.status not in NOT_IN_SERVICE]
        matches = matcher.match_all(
            [
                Observation(
                    latitude=fix.latitude,
                    longitude=fix.longitude,
                    moment=fix.observed_at.timestamp(),
                    bearing=fix.bearing,
                    trip_id=fix.trip_id,
                )
                for _state, fix in in_service
            ],
            previous=[self._previous(state) for state, _fix in in_service],
            taken=taken,
        )
        found = {state.pk: match for (state, _fix), match in zip(in_service, matches, strict=True)}
        records = []
        for state, fix in self.work:
            match = found.get(state.pk)
            self._update(state, fix, match)
            records.append(
                PositionRecord(
                    vehicle=state,
                    observed_at=fix.observed_at,
                    latitude=fix.latitude,
                    longitude=fix.longitude,
                    bearing=fix.bearing,
                    speed=fix.speed,
                    trip_id=state.trip_id,
                    shape_distance=state.shape_distance,
                    delay_seconds=state.delay_seconds,
                    off_route=state.off_route,
                )
            )
        PositionRecord.objects.bulk_create(records, ignore_conflicts=True)
        for state, _fix in self.work:
            state.save()
        for state, fix in self.work:
            self.derived[state.entity_id]["headway"] = self._headway(state, fix)

    def _update(self, state: VehicleState, fix: Fix, match: Match | None) -> None:
        previous = self._previous(state)
        last_fix_at, last_distance = state.observed_at, state.shape_distance
        state.latitude, state.longitude = fix.latitude, fix.longitude
        state.bearing, state.speed = fix.bearing, fix.speed
        state.observed_at = fix.observed_at
        if match is None:
            state.trip = None
            state.service_date = state.trip_start = state.shape_distance = None
            state.next_stop_sequence = state.delay_seconds = None
            state.last_stop_sequence = state.last_stop_at = None
            state.off_route = False
            state.trip_explicit = False
            state.predictions = []
            self.derived[state.entity_id] = {"delay": None, "offRouteDistance": None}
            return
        pattern = match.pattern
        same_run = previous is not None and match.identity() == (
            previous.key,
            previous.service_date,
            previous.start,
        )
        if not same_run:
            state.last_stop_sequence = state.last_stop_at = None
            last_fix_at = last_distance = None
        state.trip_id = pattern.key
        state.service_date = match.day.date
        state.trip_start = match.start
        state.trip_explicit = match.how == "explicit"
        state.shape_distance = match.distance
        state.off_route = match.offset > OFF_ROUTE_METRES
        state.delay_seconds = round(match.delay)
        self._visits(state, fix, match, last_fix_at, last_distance)
        state.next_stop_sequence = pattern.stops[match.next_index].sequence
        state.predictions = self._predict(state, fix, match)
        self.derived[state.entity_id] = {
            "delay": float(state.delay_seconds),
            "offRouteDistance": round(match.offset, 1),
        }

    # Stops passed, travel times learned

    def _visits(
        self,
        state: VehicleState,
        fix: Fix,
        match: Match,
        last_fix_at: datetime.datetime | None,
        last_distance: float | None,
    ) -> None:
        """Record the stops reached since the last position: the first stop when the bus
        leaves it (its "arrival" is the departure, as passengers see it), the others when
        it passes them (the moment interpolated between the two positions) or stands
        just short of one (in the bay: arrived by the last position)."""
        pattern = match.pattern
        stops = pattern.stops
        if last_fix_at is None or last_distance is None or match.distance < last_distance:
            if state.last_stop_sequence is None:
                # Just matched: the stops it is past, without knowing when.
                reached = [i for i, stop in enumerate(stops) if self._reached(stop, i, match)]
                if reached:
                    state.last_stop_sequence = stops[reached[-1]].sequence
            return
        span = match.distance - last_distance
        elapsed = (fix.observed_at - last_fix_at).total_seconds()
        standing = span < STANDING_METRES
        base = match.day.start + match.shift
        visits = []
        for i, stop in enumerate(stops):
            if stop.stop_pk is None or (
                state.last_stop_sequence is not None and stop.sequence <= state.last_stop_sequence
            ):
                continue
            if i == 0:
                if not last_distance < stop.distance + REACHED_WITHIN <= match.distance:
                    continue
                fraction = max(0.0, stop.distance - last_distance) / span
            elif last_distance < stop.distance <= match.distance:
                fraction = (stop.distance - last_distance) / span
            elif standing and stop.distance - REACHED_WITHIN <= match.distance < stop.distance:
                fraction = 0.0
            else:
                continue
            arrived = last_fix_at + datetime.timedelta(seconds=fraction * elapsed)
            scheduled = datetime.datetime.fromtimestamp(
                base + (stop.departure if i == 0 else stop.arrival), tz=datetime.UTC
            )
            visits.append(
                StopVisit(
                    trip_id=pattern.key,
                    service_date=match.day.date,
                    trip_start=match.start,
                    stop_sequence=stop.sequence,
                    stop_id=stop.stop_pk,
                    vehicle=state,
                    scheduled_at=scheduled,
                    arrived_at=arrived,
                    delay_seconds=round((arrived - scheduled).total_seconds()),
                )
            )
            if (
                i > 0
                and state.last_stop_sequence == stops[i - 1].sequence
                and state.last_stop_at is not None
            ):
                self._learn(
                    pattern, stops[i - 1].stop_id, stop.stop_id, state.last_stop_at, arrived
                )
            state.last_stop_sequence, state.last_stop_at = stop.sequence, arrived
        StopVisit.objects.bulk_create(visits, ignore_conflicts=True)

    @staticmethod
    def _reached(stop: Any, index: int, match: Match) -> bool:
        # The first stop counts once left (its "arrival" is the departure, as passengers
        # see it), the others once reached.
        margin = REACHED_WITHIN if index == 0 else -REACHED_WITHIN
        return bool(stop.distance + margin <= match.distance)

    def _learn(
        self,
        pattern: TripPattern,
        from_stop: str,
        to_stop: str,
        left: datetime.datetime,
        arrived: datetime.datetime,
    ) -> None:
        by_id = {stop.stop_id: stop.stop_pk for stop in pattern.stops}
        from_pk, to_pk = by_id.get(from_stop), by_id.get(to_stop)
        if from_pk is None or to_pk is None:
            return
        hour = left.astimezone(self.zone).hour
        route_pk = pattern.route_key
        row = (
            SegmentTravelTime.objects.select_for_update()
            .filter(route_id=route_pk, from_stop_id=from_pk, to_stop_id=to_pk, hour=hour)
            .first()
        )
        before = SegmentStats(row.mean_seconds, row.variance, row.samples) if row else None
        after = segment_learn(before, (arrived - left).total_seconds())
        SegmentTravelTime.objects.update_or_create(
            route_id=route_pk,
            from_stop_id=from_pk,
            to_stop_id=to_pk,
            hour=hour,
            defaults={
                "mean_seconds": after.mean,
                "variance": after.variance,
                "samples": after.samples,
                "updated_at": arrived,
            },
        )
        self.segments.pop(route_pk, None)

    # Predictions

    def _learned(self, route_pk: int) -> dict[tuple[str, str, int], SegmentStats]:
        if route_pk not in self.segments:
            self.segments[route_pk] = {
                (a, b, hour): SegmentStats(mean, variance, samples)
                for a, b, hour, mean, variance, samples in SegmentTravelTime.objects.filter(
                    route_id=route_pk
                ).values_list(
                    "from_stop__gtfs_id",
                    "to_stop__gtfs_id",
                    "hour",
                    "mean_seconds",
                    "variance",
                    "samples",
                )
            }
        return self.segments[route_pk]

    def _predict(self, state: VehicleState, fix: Fix, match: Match) -> list[dict[str, object]]:
        pattern = match.pattern
        base = match.day.start + match.shift
        stops = [
            StopAhead(
                sequence=stop.sequence,
                stop_id=stop.stop_id,
                stop_pk=stop.stop_pk,
                scheduled_arrival=base + stop.arrival,
                scheduled_departure=base + stop.departure,
                distance=stop.distance,
            )
            for stop in pattern.stops
        ]
        last_index = max(0, match.next_index - 1)
        if match.next_index == len(stops) - 1 and match.distance >= stops[-1].distance - 1.0:
            return []  # at the terminus
        last_arrival = None
        if (
            state.last_stop_sequence == stops[last_index].sequence
            and state.last_stop_at is not None
        ):
            last_arrival = state.last_stop_at.timestamp()
        now = fix.observed_at.timestamp()
        if last_arrival is None and match.distance <= stops[0].distance + REACHED_WITHIN:
            last_arrival = now  # waiting at the first stop: it leaves at its time
        learned = self._learned(pattern.route_key)
        offset = fix.observed_at.astimezone(self.zone).utcoffset()
        predictions = predict_arrivals(
            now=now,
            stops=stops,
            last_index=last_index,
            last_arrival=last_arrival,
            shape_distance=match.distance,
            segments=lambda a, b, hour: learned.get((a, b, hour)),
            utc_offset=offset.total_seconds() if offset else 0.0,
        )
        return [prediction.as_json() for prediction in predictions]

    # Headway

    def _headway(self, state: VehicleState, fix: Fix) -> float | None:
        """Seconds since the bus ahead (same route, direction and shape, so distances
        compare) passed where this one is: from its recorded positions, else from the
        timetable's time between the two places."""
        if state.trip is None or state.shape_distance is None:
            return None
        trip = state.trip
        ahead = (
            VehicleState.objects.for_municipality(self.municipality)
            .filter(
                is_active=True,
                trip__route_id=trip.route_id,
                trip__direction_id=trip.direction_id,
                trip__shape=trip.shape,
                shape_distance__gt=state.shape_distance,
                observed_at__gte=fix.observed_at - FRESH,
            )
            .exclude(pk=state.pk)
            .order_by("shape_distance")
            .first()
        )
        if ahead is None or ahead.shape_distance is None or ahead.trip_id is None:
            return None
        mine = state.shape_distance
        records = PositionRecord.objects.filter(
            vehicle=ahead,
            trip_id=ahead.trip_id,
            observed_at__lte=fix.observed_at,
            observed_at__gte=fix.observed_at - datetime.timedelta(hours=2),
        )
        before = records.filter(shape_distance__lte=mine).order_by("-observed_at").first()
        after = (
            records.filter(shape_distance__gt=mine, observed_at__gte=before.observed_at)
            .order_by("observed_at")
            .first()
            if before is not None
            else None
        )
        if before is not None and after is not None:
            assert before.shape_distance is not None and after.shape_distance is not None
            span = after.shape_distance - before.shape_distance
            fraction = (mine - before.shape_distance) / span if span > 0 else 0.0
            passed = before.observed_at + (after.observed_at - before.observed_at) * fraction
            return max(0.0, round((fix.observed_at - passed).total_seconds()))
        matcher = self.matcher
        pattern = (
            next((p for p in matcher.patterns if p.key == ahead.trip_id), None) if matcher else None
        )
        if pattern is None:
            return None
        return max(0.0, round(pattern.time_at(ahead.shape_distance) - pattern.time_at(mine)))

    # Derived attributes back on the entities

    def derived_write(self) -> None:
        documents = []
        removed: list[tuple[str, str]] = []
        for state, fix in self.work:
            values = self.derived.get(state.entity_id, {})
            observed = fix.observed_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
            document: dict[str, Any] = {"id": state.entity.entity_id, "type": ENTITY_TYPE}
            current = state.entity.attributes or {}
            for name, unit in (("delay", SECOND), ("offRouteDistance", METRE), ("headway", SECOND)):
                value = values.get(name)
                if value is None:
                    if name in current:
                        removed.append((state.entity.entity_id, name))
                    continue
                document[name] = {
                    "type": "Property",
                    "value": value,
                    "unitCode": unit,
                    "observedAt": observed,
                }
            if len(document) > 2:
                documents.append(document)
        if documents:
            # Derived from positions the write path accepted: as of their time at least
            # (a replay or the simulator may run ahead of the clock).
            results = entities_write(
                municipality=self.municipality,
                documents=documents,
                mode=WriteMode.UPSERT_MERGE,
                key=None,
                now=max(timezone.now(), self.moment),
            )
            for result in results:
                if result.error is not None:
                    logger.warning(
                        "derived attributes of %s refused: %s", result.entity_id, result.error
                    )
        for entity_id, name in removed:
            entity_attribute_delete(
                municipality=self.municipality, entity_id=entity_id, attribute=name, key=None
            )


# Refusals ----------------------------------------------------------------------------


def _is_position(document: CheckedDocument, key: DeviceKey | None) -> bool:
    """A position report: a location sent by a device, or one with its observation time.
    (A vehicle registered by staff or a command has a location too, without a time.)"""
    location = document.attributes.get("location")
    if location is None:
        return False
    return key is not None or "observedAt" in location


def position_check(
    municipality: Municipality,
    document: CheckedDocument,
    key: DeviceKey | None,
    now: datetime.datetime,
) -> None:
    """Urban data's document check for ``Vehicle``: a position only from an active fleet
    vehicle, inside the city's map."""
    if not _is_position(document, key):
        return
    fleet = VehicleState.objects.for_municipality(municipality).filter(
        entity__entity_id=document.entity_id, is_active=True
    )
    if not fleet.exists():
        raise DocumentRefused(
            "BadRequestData",
            _(
                "%(id)s is not a vehicle of this city's fleet: its positions are not "
                "accepted. Register it in the fleet first."
            )
            % {"id": document.entity_id},
            reason="unknown_vehicle",
        )
    location = document.attributes["location"]
    value = location.get("value")
    coordinates = value.get("coordinates") if isinstance(value, dict) else None
    if (
        isinstance(value, dict)
        and value.get("type") == "Point"
        and isinstance(coordinates, list)
        and len(coordinates) >= 2
    ):
        longitude, latitude = float(coordinates[0]), float(coordinates[1])
        if not municipality.contains_point(latitude, longitude):
            raise DocumentRefused(
                "BadRequestData",
                _(
                    "The position of %(id)s (latitude %(latitude)s, longitude %(longitude)s) "
                    "is outside %(city)s."
                )
                % {
                    "id": document.entity_id,
                    "latitude": f"{latitude:.5f}",
                    "longitude": f"{longitude:.5f}",
                    "city": municipality.name,
                },
                reason="outside_city",
            )


def position_refused(
    municipality: Municipality,
    document: Mapping[str, Any],
    error: Exception,
    now: datetime.datetime,
) -> None:
    """Urban data's refusal listener for ``Vehicle``: count the refused position."""
    raw_id = document.get("id", document.get("@id"))
    PositionReject.objects.create(
        municipality=municipality,
        received_at=now,
        vehicle_ref=(raw_id if isinstance(raw_id, str) else "")[:256],
        reason=getattr(error, "reason", "invalid")[:32],
        message=str(getattr(error, "detail", error))[:300],
    )


PRUNE_BATCH = 10_000


def positions_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete the positions recorded before ``MOBILITY_POSITION_RETENTION_DAYS`` (the replay
    and the learning need recent ones only; stop visits and travel times stay). In batches,
    so that a first run on a large table does not hold one long transaction."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.MOBILITY_POSITION_RETENTION_DAYS)
    deleted = 0
    while True:
        batch = list(
            PositionRecord.objects.filter(observed_at__lt=cutoff).values_list("pk", flat=True)[
                :PRUNE_BATCH
            ]
        )
        if not batch:
            return deleted
        deleted += PositionRecord.objects.filter(pk__in=batch).delete()[0]


__all__ = [
    "DERIVED",
    "changes_track",
    "entity_fix",
    "position_check",
    "position_refused",
    "positions_prune",
    "positions_track",
]
