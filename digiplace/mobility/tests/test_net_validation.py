"""Each problem the GTFS reader reports, on small feeds built here; errors refuse the feed
(and the import writes nothing), warnings do not."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.utils import translation

from digiplace.mobility.gtfs.fields import format_time, parse_time
from digiplace.mobility.gtfs.reader import Problem, read_feed
from digiplace.mobility.models import NetworkImport, Stop
from digiplace.mobility.services.network import network_import

AGENCY = "agency_id,agency_name,agency_url,agency_timezone\nA,Bus,https://bus.example.org,Europe/Bucharest\n"
STOPS = "stop_id,stop_name,stop_lat,stop_lon\nS1,One,47.74,26.66\nS2,Two,47.75,26.67\n"
ROUTES = "route_id,agency_id,route_short_name,route_type,route_color\nR1,A,1,3,00FF00\n"
TRIPS = "route_id,service_id,trip_id,shape_id\nR1,WK,T1,SH\n"
STOP_TIMES = (
    "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "T1,23:59:00,23:59:00,S1,1\n"
    "T1,24:05:30,24:06:00,S2,2\n"
)
CALENDAR = (
    "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "WK,1,1,1,1,1,0,0,20260101,20261231\n"
)
SHAPES = (
    "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\nSH,47.74,26.66,1\nSH,47.75,26.67,2\n"
)


def _feed(**files: str | None) -> io.BytesIO:
    contents: dict[str, str | None] = {
        "agency.txt": AGENCY,
        "stops.txt": STOPS,
        "routes.txt": ROUTES,
        "trips.txt": TRIPS,
        "stop_times.txt": STOP_TIMES,
        "calendar.txt": CALENDAR,
        "shapes.txt": SHAPES,
    }
    contents.update({name.replace("__", "."): text for name, text in files.items()})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in contents.items():
            if text is not None:
                archive.writestr(name, text)
    buffer.seek(0)
    return buffer


def _errors(**files: str | None) -> list[Problem]:
    with translation.override("en"):
        _feed_rows, report = read_feed(_feed(**files))
    return report.errors


def test_the_small_feed_is_valid_and_keeps_times_past_midnight():
    feed, report = read_feed(_feed())
    assert report.ok and not report.warnings
    assert [row["arrival"] for row in feed.stop_times] == [86340, 86730]
    assert parse_time("5:07:09") == 18429 and format_time(86730) == "24:05:30"


def test_a_bom_and_spaces_around_the_headers_are_accepted():
    feed, report = read_feed(
        _feed(
            stops__txt="\ufeffstop_id , stop_name,stop_lat, stop_lon\n"
            "S1,One,47.74,26.66\nS2,Two,47.75,26.67\n"
        )
    )
    assert report.ok
    assert [stop["gtfs_id"] for stop in feed.stops] == ["S1", "S2"]


def test_not_a_zip():
    with translation.override("en"):
        _feed_rows, report = read_feed(io.BytesIO(b"PK but not"))
    assert [problem.message for problem in report.errors] == ["The file is not a zip archive."]


def test_a_missing_required_file_and_calendar():
    errors = _errors(stops__txt=None, calendar__txt=None)
    assert errors[:2] == [
        Problem("stops.txt", None, "The feed has no stops.txt."),
        Problem("calendar.txt", None, "The feed needs calendar.txt or calendar_dates.txt."),
    ]
    assert Problem("stop_times.txt", 2, "Unknown stop_id: S1.") in errors


def test_a_missing_required_column():
    assert _errors(routes__txt="route_id,route_short_name\nR1,1\n")[0] == Problem(
        "routes.txt", 1, "The column route_type is missing."
    )


def test_a_duplicate_id():
    assert _errors(stops__txt=STOPS + "S1,Again,47.74,26.66\n") == [
        Problem("stops.txt", 4, "The id S1 appears twice (first on line 2).")
    ]


def test_an_unknown_stop_in_a_stop_time():
    assert _errors(stop_times__txt=STOP_TIMES + "T1,24:10:00,24:10:00,S9,3\n") == [
        Problem("stop_times.txt", 4, "Unknown stop_id: S9.")
    ]


def test_unknown_route_shape_and_trip():
    assert _errors(
        trips__txt="route_id,service_id,trip_id,shape_id\nR9,WK,T1,SH9\n",
        frequencies__txt="trip_id,start_time,end_time,headway_secs\nT9,06:00:00,07:00:00,600\n",
    ) == [
        Problem("trips.txt", 2, "Unknown route_id: R9."),
        Problem("trips.txt", 2, "Unknown shape_id: SH9."),
        Problem("frequencies.txt", 2, "Unknown trip_id: T9."),
    ]


def test_a_trip_whose_service_has_no_calendar():
    assert _errors(trips__txt="route_id,service_id,trip_id\nR1,SAT,T1\n") == [
        Problem(
            "trips.txt",
            2,
            "Missing calendar: the service SAT has neither calendar nor calendar dates.",
        )
    ]


def test_a_service_of_calendar_dates_only_is_known():
    feed, report = read_feed(
        _feed(
            trips__txt="route_id,service_id,trip_id\nR1,XMAS,T1\n",
            calendar_dates__txt="service_id,date,exception_type\nXMAS,20261225,1\n",
        )
    )
    assert report.ok
    assert feed.services["XMAS"]["weekly"] is False


def test_times_going_backwards_within_a_trip():
    assert _errors(
        stop_times__txt=(
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
            "T1,08:10:00,08:10:00,S2,2\n"
            "T1,08:00:00,08:12:00,S1,1\n"
            "T1,08:05:00,08:05:00,S1,3\n"
        )
    ) == [Problem("stop_times.txt", 2, "Times go backwards in trip T1: 08:10:00 after 08:12:00.")]


def test_bad_coordinates_colours_times_and_enums():
    errors = _errors(
        stops__txt="stop_id,stop_name,stop_lat,stop_lon\nS1,One,147.74,26.66\nS2,Two,north,26.67\n",
        routes__txt="route_id,agency_id,route_short_name,route_type,route_color\nR1,A,1,42,green\n",
        stop_times__txt=(
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
            "T1,8h,08:00:00,S1,1\nT1,08:10:00,08:10:00,S2,2\n"
        ),
    )
    assert [(problem.file, problem.line, problem.message) for problem in errors] == [
        ("stops.txt", 2, "stop_lat 147.74 is out of range (-90 to 90)."),
        ("stops.txt", 3, "stop_lat is not a number: “north”."),
        ("routes.txt", 2, "route_color is not a colour of six hexadecimal digits: “green”."),
        ("routes.txt", 2, "route_type must be one of 0–7, 11, 12, 100–1799, not “42”."),
        ("stop_times.txt", 2, "arrival_time is not a time (H:MM:SS): “8h”."),
    ]


def test_other_files_are_ignored_with_a_warning():
    with translation.override("en"):
        _feed_rows, report = read_feed(
            _feed(fare_attributes__txt="fare_id\n1\n", feed_info__txt="feed_publisher_name\nX\n")
        )
    assert report.ok
    assert {(problem.file, problem.message) for problem in report.warnings} == {
        ("fare_attributes.txt", "The file fare_attributes.txt is not supported and was ignored."),
        ("feed_info.txt", "feed_info.txt is not imported: the platform publishes its own."),
    }


@pytest.mark.django_db
def test_a_refused_feed_writes_only_its_report(botosani):
    record = network_import(
        botosani, _feed(stop_times__txt=STOP_TIMES + "T1,24:10:00,24:10:00,S9,3\n"), actor=None
    )
    assert not record.succeeded
    assert record.errors[0]["line"] == 4
    assert not Stop.objects.for_municipality(botosani).exists()
    assert NetworkImport.objects.for_municipality(botosani).get() == record
    assert network_import(botosani, _feed(), actor=None).succeeded
    assert Stop.objects.for_municipality(botosani).count() == 2
