"""The journey planner on the real Cairns feed (no database): journeys checked by hand
against stop_times.txt, RAPTOR's earliest arrivals equal to a plain Dijkstra's over the
time-expanded graph, real-time delays changing the answer, and refused queries."""

from __future__ import annotations

import datetime
import random
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

from digiplace.mobility.planner import dijkstra, raptor
from digiplace.mobility.planner.timetable import Timetable, from_gtfs_zip

CAIRNS = Path(settings.BASE_DIR).parent / "shared" / "data" / "gtfs" / "cairns_gtfs.zip"
MONDAY = datetime.date(2014, 6, 2)
TRIP = "CNS2014-CNS_MUL-Weekday-00-"


def hms(text: str) -> int:
    hours, minutes, seconds = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + seconds


@cache
def cairns() -> Timetable:
    return from_gtfs_zip(CAIRNS, MONDAY)


def stop(gtfs_id: str) -> raptor.Place:
    return raptor.Place(stop=cairns().stop_by_id[gtfs_id])


def rides(journey: raptor.Journey) -> list[tuple[str, str, str, str, str, str]]:
    return [
        (
            leg.route.label if leg.route else "",
            leg.trip_id.removeprefix(TRIP),
            leg.from_stop.gtfs_id if leg.from_stop else "",
            f"{leg.departure // 3600:02d}:{leg.departure // 60 % 60:02d}",
            leg.to_stop.gtfs_id if leg.to_stop else "",
            f"{leg.arrival // 3600:02d}:{leg.arrival // 60 % 60:02d}",
        )
        for leg in journey.legs
        if leg.is_ride
    ]


def test_the_day_is_the_weekday_timetable() -> None:
    timetable = cairns()
    # Monday 2 June 2014: the weekday service only (the Friday-only one does not run).
    assert {run.trip_id.rsplit("-", 1)[0] for run in timetable.runs} == {TRIP.rstrip("-")}
    assert len(timetable.stops) == 416


def test_a_direct_ride() -> None:
    # stop_times.txt: trip 4165878 (route 110) leaves Williams Esplanade N201 (750001) at
    # 05:52 and reaches Clifton Road N6 (750010) at 06:04, the day's first bus there.
    journeys = raptor.depart_at(cairns(), stop("750001"), stop("750010"), hms("05:45:00"))
    assert [rides(journey) for journey in journeys] == [
        [("110", "4165878", "750001", "05:52", "750010", "06:04")]
    ]
    journey = journeys[0]
    assert (journey.departure, journey.arrival, journey.transfers) == (
        hms("05:52:00"),
        hms("06:04:00"),
        0,
    )
    assert journey.legs[0].stops_ridden == 9


def test_a_journey_with_a_change() -> None:
    # From Veivers Road N203 (750003) at 07:00: route 110's 4165881 calls at 07:20 and at
    # Arawa St (750015) at 07:37, too late for route 111's 4166124 (at Anderson St 750020
    # at 07:42), so the next 111, 4166125, leaves Arawa St at 08:05 and arrives at 08:12.
    journeys = raptor.depart_at(cairns(), stop("750003"), stop("750020"), hms("07:00:00"))
    assert [rides(journey) for journey in journeys] == [
        [
            ("110", "4165881", "750003", "07:20", "750015", "07:37"),
            ("111", "4166125", "750015", "08:05", "750020", "08:12"),
        ]
    ]
    journey = journeys[0]
    assert journey.transfers == 1
    assert journey.waiting == hms("00:28:00")
    assert journey.arrival == hms("08:12:00")


def test_arrive_by() -> None:
    # To be at Clifton Road N6 (750010) by 06:30: 4165879 arrives at 06:34, too late; the
    # one before, 4165878, leaves Williams Esplanade N201 at 05:52 and arrives at 06:04.
    journeys = raptor.arrive_by(cairns(), stop("750001"), stop("750010"), hms("06:30:00"))
    assert [rides(journey) for journey in journeys] == [
        [("110", "4165878", "750001", "05:52", "750010", "06:04")]
    ]
    # By 06:34 the later bus is caught.
    later = raptor.arrive_by(cairns(), stop("750001"), stop("750010"), hms("06:34:00"))
    assert [rides(journey) for journey in later] == [
        [("110", "4165879", "750001", "06:22", "750010", "06:34")]
    ]


def test_from_a_point_walks_to_a_stop() -> None:
    # 100 m or so north of Williams Esplanade N201 (-16.744015, 145.67111).
    origin = raptor.Place(latitude=-16.7431, longitude=145.67111)
    journeys = raptor.depart_at(cairns(), origin, stop("750010"), hms("05:45:00"))
    journey = journeys[-1]
    assert journey.legs[0].kind == "walk" and journey.legs[0].from_stop is None
    assert journey.arrival == hms("06:04:00")


def test_a_delay_changes_the_answer() -> None:
    delayed = cairns().with_delays({TRIP + "4165878": {3: 600}})
    journeys = raptor.depart_at(delayed, stop("750001"), stop("750010"), hms("05:45:00"))
    assert [rides(journey) for journey in journeys] == [
        [("110", "4165878", "750001", "06:02", "750010", "06:14")]
    ]
    assert journeys[0].legs[0].alight_delay == 600
    # 35 minutes late (06:27 → 06:39), it is overtaken: the next bus (06:22 → 06:34) is first.
    late = cairns().with_delays({TRIP + "4165878": {3: 2100}})
    journeys = raptor.depart_at(late, stop("750001"), stop("750010"), hms("05:45:00"))
    assert rides(journeys[0]) == [("110", "4165879", "750001", "06:22", "750010", "06:34")]
    # The timetable itself is unchanged.
    assert raptor.earliest_arrival(
        cairns(), stop("750001"), stop("750010"), hms("05:45:00")
    ) == hms("06:04:00")


def test_raptor_and_dijkstra_agree_on_random_queries() -> None:
    timetable = cairns()
    graph = dijkstra.graph(timetable)
    served = [index for index, patterns in enumerate(timetable.stop_patterns) if patterns]
    rng = random.Random(13)
    found = 0
    for _ in range(30):
        a, b = rng.sample(served, 2)
        departure = rng.randint(hms("05:00:00"), hms("21:00:00"))
        origin, destination = raptor.Place(stop=a), raptor.Place(stop=b)
        expected = dijkstra.earliest_arrival(graph, origin, destination, departure)
        got = raptor.earliest_arrival(timetable, origin, destination, departure, max_transfers=10)
        assert got == expected, (timetable.stops[a].gtfs_id, timetable.stops[b].gtfs_id, departure)
        found += got is not None
    assert found >= 25


def test_refusals() -> None:
    with pytest.raises(raptor.PlanningError) as same:
        raptor.depart_at(cairns(), stop("750001"), stop("750001"), 0)
    assert same.value.code == "same_place"
    far = raptor.Place(latitude=-16.0, longitude=145.0)
    with pytest.raises(raptor.PlanningError) as origin:
        raptor.depart_at(cairns(), far, stop("750001"), 0)
    assert origin.value.code == "origin_far"
    with pytest.raises(raptor.PlanningError) as destination:
        raptor.depart_at(cairns(), stop("750001"), far, 0)
    assert destination.value.code == "destination_far"
