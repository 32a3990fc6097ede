"""A demo city's last week of ticket validations, counted into its public ridership figures.

Each past day is the day the live simulator would have run (``mobility.simulation``, the
same seed as ``demo.live``): every trip with the moments its bus really left each stop. The
day's riders (a few thousand boardings) start their journeys with the weekday's peaks at
7–9 and 16–18 (flatter at the weekend), board the next bus leaving their stop, ride a few
stops, sometimes change to another line within the hour, and most come back later: one to
four taps each, on one of the bus's validators, while it stands at the stop.

The taps are written the way the ridership service writes them: the card id hashed at once
under the city's key of the day (``services.ridership.day_key`` and
``ridership.counting.rider_hash``), never stored. They do not go through ``taps_ingest``: it
takes the stop and trip of an on-board validator from its bus's live position at the time of
the request, and a past day's buses are no longer there; and it writes one row per tap,
while a week is tens of thousands. The day is then counted by the service itself
(``ridership_day_aggregate``), which blanks the hashes and deletes the key like any day's.

A day already counted, or with taps of its own, is left as it is: running again adds nothing.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime
import random
import zlib
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from .. import simulation
from ..models import Route, Stop, Tap, Trip, Validator, VehicleState
from ..ridership.counting import TRANSFER_WINDOW, rider_hash
from ..selectors.calendar import services_running
from ..services.ridership import day_is_aggregated, day_key, ridership_day_aggregate

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

DAYS = 7
# Riders on a weekday (each taps one to four times); the weekend has fewer.
RIDERS = {"botosani": 2200, "timisoara": 2600}
WEEKEND_SHARE = 0.55
# Cards in use in the city: each day's riders are drawn from them.
CARDS = 6000
# Relative chance that a journey starts in each hour (0–23).
WEEKDAY_HOURS = (
    (0,) * 5
    + (1.0, 4.0, 12.0, 14.0, 6.0, 3.0, 3.0, 3.5, 3.5, 3.0, 3.5, 7.0, 8.0, 5.0, 2.5, 1.5, 1.0, 0.5)
    + (0,)
)
WEEKEND_HOURS = (
    (0,) * 6
    + (0.5, 1.5, 3.0, 4.0, 5.0, 5.0, 5.0, 5.0, 4.5, 4.5, 4.0, 3.5, 3.0, 2.0, 1.0, 0.5)
    + (0,) * 2
)
# Who changes bus on the way, and who comes back the same day.
TRANSFER_CHANCE = 0.22
RETURN_CHANCE = 0.8
# The shortest change between two buses, and the longest wait for the next bus.
CHANGE_SECONDS = 60
WAIT_LIMIT = 40 * 60
BATCH = 2000


@dataclass(frozen=True)
class Departure:
    """A bus leaving a stop: when it arrived and left (seconds after the service day's
    start), its trip, and where the trip goes next."""

    arrival: float
    departure: float
    trip: str
    route: str
    vehicle: str
    index: int


@dataclass(frozen=True)
class Boarding:
    moment: datetime.datetime
    departure: Departure
    stop: str


class DayService:
    """A simulated day's departures, per stop in time order, and each trip's calls."""

    def __init__(self, day: simulation.SimulatedDay, trips: list[simulation.SimTrip]) -> None:
        self.calls: dict[str, list[tuple[str, float, float]]] = {}
        self.at_stop: dict[str, list[Departure]] = defaultdict(list)
        for trip in trips:
            if trip.trip_id not in day.runs or not trip.vehicle_label:
                continue
            calls = [
                (arrival.stop_id, arrival.arrival, arrival.departure)
                for arrival in day.arrivals(trip.trip_id)
                if arrival.arrival is not None and arrival.departure is not None
            ]
            self.calls[trip.trip_id] = calls
            # Nobody boards at the last stop the bus reaches.
            for index, (stop, arrived, left) in enumerate(calls[:-1]):
                self.at_stop[stop].append(
                    Departure(arrived, left, trip.trip_id, trip.route_id, trip.vehicle_label, index)
                )
        self.times: dict[str, list[float]] = {}
        for stop, departures in self.at_stop.items():
            departures.sort(key=lambda departure: departure.departure)
            self.times[stop] = [departure.departure for departure in departures]

    def next_departure(self, stop: str, after: float, *, other_route: str = "") -> Departure | None:
        """The first bus leaving ``stop`` after ``after`` (of another line than
        ``other_route``, if given), unless the wait is longer than anybody would."""
        departures = self.at_stop.get(stop, [])
        for position in range(
            bisect.bisect_right(self.times.get(stop, []), after), len(departures)
        ):
            departure = departures[position]
            if departure.departure - after > WAIT_LIMIT:
                return None
            if departure.route != other_route:
                return departure
        return None

    def ride(self, departure: Departure, rng: random.Random) -> tuple[str, float]:
        """Where a rider of ``departure`` gets off (two to eight stops on, if the bus gets
        that far) and when."""
        calls = self.calls[departure.trip]
        last = min(len(calls) - 1, departure.index + rng.randint(2, 8))
        stop, arrived, _left = calls[max(last, departure.index + 1)]
        return stop, arrived


# The trips of a set of running services (every weekday runs the same): loading them is
# most of a day's cost.
TripCache = dict[frozenset[int], list[simulation.SimTrip]]


def simulated_service(
    municipality: Municipality,
    day: datetime.date,
    labels: list[str],
    cache: TripCache | None = None,
) -> DayService:
    """The day as the live simulator ran it (``demo.live`` uses the same trips and seed)."""
    cache = {} if cache is None else cache
    running = frozenset(services_running(municipality=municipality, day=day))
    if running not in cache:
        cache[running] = simulation.trips_from_network(municipality, day, vehicle_labels=labels)
    trips = [dataclasses.replace(trip, service_date=day) for trip in cache[running]]
    seed = zlib.crc32(f"{municipality.slug}-{day.isoformat()}".encode())
    return DayService(simulation.simulate_day(trips, seed=seed), trips)


def _start_time(rng: random.Random, weights: tuple[float, ...]) -> float:
    hour = rng.choices(range(24), weights=weights)[0]
    return hour * 3600 + rng.uniform(0, 3600)


def journeys(
    service: DayService, *, riders: int, weekend: bool, rng: random.Random
) -> list[list[tuple[float, Departure, str]]]:
    """Each rider's boardings of the day: (moment in seconds, the bus, the stop)."""
    stops = sorted(service.at_stop)
    if not stops:
        return []
    # Some stops are busier than others (the same ones every day: seeded by the stop).
    weights = [0.5 + random.Random(stop).random() * 2.5 for stop in stops]  # noqa: S311
    hours = WEEKEND_HOURS if weekend else WEEKDAY_HOURS
    found = []
    for _rider in range(riders):
        taps: list[tuple[float, Departure, str]] = []
        start = _start_time(rng, hours)
        origin = rng.choices(stops, weights=weights)[0]
        leg = _leg(service, origin, start, rng)
        if leg is None:
            continue
        taps += leg[0]
        destination, arrived = leg[1], leg[2]
        if rng.random() < RETURN_CHANCE:
            if not weekend and 6 * 3600 <= start < 10 * 3600:
                # A commuter goes home in the afternoon peak.
                back = rng.uniform(15.5 * 3600, 18.5 * 3600)
            else:
                back = arrived + rng.uniform(0.5 * 3600, 4 * 3600)
            home = _leg(service, destination, max(back, arrived + 600), rng)
            if home is not None:
                taps += home[0]
        found.append(taps)
    return found


def _leg(
    service: DayService, origin: str, start: float, rng: random.Random
) -> tuple[list[tuple[float, Departure, str]], str, float] | None:
    """One way: the first bus from ``origin`` after ``start``, and sometimes a change to
    another line where the rider gets off, within the transfer window."""
    first = service.next_departure(origin, start)
    if first is None:
        return None
    boarded = rng.uniform(first.arrival, first.departure)
    taps = [(boarded, first, origin)]
    stop, arrived = service.ride(first, rng)
    if rng.random() < TRANSFER_CHANCE:
        change = service.next_departure(stop, arrived + CHANGE_SECONDS, other_route=first.route)
        if change is not None:
            moment = rng.uniform(max(change.arrival, arrived + CHANGE_SECONDS), change.departure)
            if moment - boarded <= TRANSFER_WINDOW.total_seconds():
                taps.append((moment, change, stop))
                stop, arrived = service.ride(change, rng)
    return taps, stop, arrived


def _past_days(today: datetime.date) -> list[datetime.date]:
    return [today - datetime.timedelta(days=offset) for offset in range(DAYS, 0, -1)]


def ridership_load(
    *, municipality: Municipality, now: datetime.datetime
) -> dict[datetime.date, int]:
    """The last ``DAYS`` finished days' taps, each day counted into its figures; returns
    the days loaded now with their number of taps."""
    zone = zoneinfo.ZoneInfo(municipality.time_zone)
    loaded = {}
    cache: TripCache = {}
    with timezone.override(zone):
        today = timezone.localdate(now)
        for day in _past_days(today):
            if (
                day_is_aggregated(municipality=municipality, day=day)
                or Tap.objects.filter(municipality=municipality, day=day).exists()
            ):
                continue
            loaded[day] = day_load(municipality=municipality, day=day, zone=zone, cache=cache)
    return loaded


def day_load(
    *,
    municipality: Municipality,
    day: datetime.date,
    zone: zoneinfo.ZoneInfo,
    cache: TripCache | None = None,
) -> int:
    """Write and count one day's taps; returns their number (call it with ``zone`` active)."""
    vehicles = {
        vehicle.label: vehicle
        for vehicle in VehicleState.objects.for_municipality(municipality).filter(
            is_demo=True, is_active=True
        )
    }
    on_board: dict[int, list[Validator]] = defaultdict(list)
    for validator in Validator.objects.for_municipality(municipality).filter(
        is_demo=True, is_active=True, vehicle__isnull=False
    ):
        assert validator.vehicle_id is not None
        on_board[validator.vehicle_id].append(validator)
    if not on_board:
        return 0
    service = simulated_service(municipality, day, sorted(vehicles), cache)
    stops = dict(Stop.objects.for_municipality(municipality).values_list("gtfs_id", "pk"))
    routes = dict(Route.objects.for_municipality(municipality).values_list("gtfs_id", "pk"))
    trips = dict(Trip.objects.for_municipality(municipality).values_list("gtfs_id", "pk"))
    # Demo riders, not security: the same day gives the same taps.
    rng = random.Random(f"ridership-{municipality.slug}-{day.isoformat()}")  # noqa: S311
    riders = RIDERS.get(municipality.slug, 1000)
    weekend = day.weekday() >= 5
    if weekend:
        riders = round(riders * WEEKEND_SHARE)
    cards = rng.sample(range(CARDS), riders)
    started = simulation.day_start(day, zone)
    with transaction.atomic():
        secret = bytes(day_key(municipality=municipality, day=day).secret)
        rows: list[Tap] = []
        for card, taps in zip(
            cards, journeys(service, riders=riders, weekend=weekend, rng=rng), strict=False
        ):
            rider = rider_hash(secret, f"demo-card-{card:05d}")
            for seconds, departure, stop in taps:
                moment = started + datetime.timedelta(seconds=round(seconds))
                vehicle = vehicles.get(departure.vehicle)
                # After midnight a tap counts in the next day, which is not this one's.
                if vehicle is None or timezone.localdate(moment) != day:
                    continue
                validators = on_board.get(vehicle.pk)
                if not validators:
                    continue
                rows.append(
                    Tap(
                        municipality_id=municipality.pk,
                        # Ids, not objects: tens of thousands of rows are built here.
                        validator_id=rng.choice(validators).pk,
                        tapped_at=moment,
                        day=day,
                        vehicle_id=vehicle.pk,
                        trip_id=trips.get(departure.trip),
                        route_id=routes.get(departure.route),
                        stop_id=stops.get(stop),
                        rider=rider,
                        tap_ref=f"demo-{day:%Y%m%d}-{len(rows):05d}",
                    )
                )
        Tap.objects.bulk_create(rows, batch_size=BATCH)
        ridership_day_aggregate(municipality=municipality, day=day)
    return len(rows)
