"""Importing the real GTFS feeds (Cairns, Bull Runner), exporting the city's network and
importing it again to the same rows, the ``gtfs_import`` command, and the all-or-nothing
replacement that keeps what points at surviving ids."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from digiplace.core.models import AuditLogEntry, Municipality
from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.mobility.gtfs.export import export_feed
from digiplace.mobility.gtfs.reader import read_feed
from digiplace.mobility.models import (
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
from digiplace.mobility.services.network import network_import

pytestmark = pytest.mark.django_db

GTFS_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "gtfs"
CAIRNS = GTFS_DIR / "cairns_gtfs.zip"
BULL_RUNNER = GTFS_DIR / "bullrunner_gtfs.zip"


def _file_rows(path: Path) -> dict[str, int]:
    """Data rows per file, counted straight from the zip (not through the reader)."""
    counts = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8-sig")
            rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
            counts[name] = len(rows) - 1
    return counts


def _table_counts(city: Municipality) -> dict[str, int]:
    return {
        "agency.txt": Agency.objects.for_municipality(city).count(),
        "stops.txt": Stop.objects.for_municipality(city).count(),
        "routes.txt": Route.objects.for_municipality(city).count(),
        "trips.txt": Trip.objects.for_municipality(city).count(),
        "stop_times.txt": StopTime.objects.filter(trip__municipality=city).count(),
        "calendar.txt": Service.objects.for_municipality(city).filter(weekly=True).count(),
        "calendar_dates.txt": ServiceException.objects.filter(service__municipality=city).count(),
        "shapes.txt": sum(
            len(points)
            for points in Shape.objects.for_municipality(city).values_list("points", flat=True)
        ),
        "frequencies.txt": Frequency.objects.filter(trip__municipality=city).count(),
    }


def _network_rows(city: Municipality) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the city's network, field by field, references by GTFS id."""

    def rows(queryset: Any, *fields: str) -> list[tuple[Any, ...]]:
        return sorted(queryset.values_list(*fields), key=repr)

    return {
        "agency": rows(
            Agency.objects.for_municipality(city),
            "gtfs_id",
            "name",
            "url",
            "timezone",
            "lang",
            "phone",
            "fare_url",
            "email",
        ),
        "stop": rows(
            Stop.objects.for_municipality(city),
            "gtfs_id",
            "code",
            "name",
            "description",
            "latitude",
            "longitude",
            "zone_id",
            "url",
            "location_type",
            "parent__gtfs_id",
            "timezone",
            "wheelchair_boarding",
            "platform_code",
        ),
        "route": rows(
            Route.objects.for_municipality(city),
            "gtfs_id",
            "agency__gtfs_id",
            "short_name",
            "long_name",
            "description",
            "route_type",
            "url",
            "color",
            "text_color",
            "sort_order",
        ),
        "service": rows(
            Service.objects.for_municipality(city),
            "gtfs_id",
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
        ),
        "exception": rows(
            ServiceException.objects.filter(service__municipality=city),
            "service__gtfs_id",
            "date",
            "exception_type",
        ),
        "shape": rows(Shape.objects.for_municipality(city), "gtfs_id", "points"),
        "trip": rows(
            Trip.objects.for_municipality(city),
            "gtfs_id",
            "route__gtfs_id",
            "service__gtfs_id",
            "headsign",
            "short_name",
            "direction_id",
            "block_id",
            "shape__gtfs_id",
            "wheelchair_accessible",
            "bikes_allowed",
        ),
        "stop_time": rows(
            StopTime.objects.filter(trip__municipality=city),
            "trip__gtfs_id",
            "stop__gtfs_id",
            "sequence",
            "arrival",
            "departure",
            "headsign",
            "pickup_type",
            "drop_off_type",
            "shape_dist_traveled",
            "timepoint",
        ),
        "frequency": rows(
            Frequency.objects.filter(trip__municipality=city),
            "trip__gtfs_id",
            "start_time",
            "end_time",
            "headway_secs",
            "exact_times",
        ),
    }


def test_cairns_imports_with_the_files_row_counts(botosani):
    record = network_import(botosani, CAIRNS, actor=None)
    assert record.succeeded, record.errors
    expected = {
        "agency.txt": 1,
        "routes.txt": 22,
        "stops.txt": 416,
        "trips.txt": 1339,
        "stop_times.txt": 37790,
        "calendar.txt": 4,
        "calendar_dates.txt": 9,
        "shapes.txt": 22784,
    }
    assert record.counts == expected
    assert _file_rows(CAIRNS) == expected
    assert {name: count for name, count in _table_counts(botosani).items() if count} == expected
    # A trip past midnight keeps its 24:xx times; routes without agency_id go to the one agency.
    assert StopTime.objects.filter(trip__municipality=botosani, arrival__gte=24 * 3600).exists()
    assert not Route.objects.for_municipality(botosani).filter(agency=None).exists()
    assert AuditLogEntry.objects.filter(
        municipality=botosani, target_type="mobility.NetworkImport", target_id=str(record.pk)
    ).exists()


def test_bull_runner_imports_with_the_files_row_counts(botosani):
    record = network_import(botosani, BULL_RUNNER, actor=None)
    assert record.succeeded, record.errors
    files = _file_rows(BULL_RUNNER)
    assert files.pop("fare_attributes.txt") == 1
    assert record.counts == files
    assert record.counts == {
        "agency.txt": 1,
        "stops.txt": 125,
        "routes.txt": 6,
        "trips.txt": 15,
        "stop_times.txt": 473,
        "calendar.txt": 3,
        "shapes.txt": 1522,
        "frequencies.txt": 15,
    }
    assert {name: count for name, count in _table_counts(botosani).items() if count} == files
    # The header " exact_times" (with a space) is read.
    assert Frequency.objects.filter(trip__municipality=botosani).count() == 15
    assert [warning["file"] for warning in record.warnings] == ["fare_attributes.txt"]


@pytest.mark.parametrize("feed", [CAIRNS, BULL_RUNNER], ids=["cairns", "bullrunner"])
def test_export_then_import_into_another_city_gives_the_same_rows(botosani, timisoara, feed):
    assert network_import(botosani, feed, actor=None).succeeded
    exported = export_feed(botosani)
    _feed, report = read_feed(io.BytesIO(exported))
    assert report.ok, report.errors
    assert [warning.file for warning in report.warnings] == ["feed_info.txt"]
    record = network_import(timisoara, io.BytesIO(exported), actor=None, file_name="export.zip")
    assert record.succeeded, record.errors
    assert _network_rows(timisoara) == _network_rows(botosani)
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        info = archive.read("feed_info.txt").decode()
    assert botosani.name in info


def test_the_command_prints_one_line_per_file_and_nothing_else(botosani, capsys):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("gtfs_import", botosani.slug, str(BULL_RUNNER), stdout=stdout, stderr=stderr)
    assert stdout.getvalue() == (
        "agency.txt 1\n"
        "stops.txt 125\n"
        "routes.txt 6\n"
        "trips.txt 15\n"
        "stop_times.txt 473\n"
        "calendar.txt 3\n"
        "shapes.txt 1522\n"
        "frequencies.txt 15\n"
    )
    assert "fare_attributes.txt" in stderr.getvalue()
    assert capsys.readouterr().out == ""


def test_the_command_refuses_an_unknown_city_and_a_bad_feed(botosani, tmp_path):
    with pytest.raises(CommandError, match="nowhere"):
        call_command("gtfs_import", "nowhere", str(BULL_RUNNER), stdout=io.StringIO())
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("gtfs_import", botosani.slug, str(bad), stdout=stdout, stderr=stderr)
    assert stdout.getvalue() == ""
    assert "zip" in stderr.getvalue()
    assert not Stop.objects.for_municipality(botosani).exists()


def _replace_in_zip(source: Path, name: str, change: Any) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w") as copy:
        for entry in original.namelist():
            data = original.read(entry)
            if entry == name:
                data = change(data.decode("utf-8")).encode("utf-8")
            copy.writestr(entry, data)
    buffer.seek(0)
    return buffer


def test_a_feed_with_one_bad_stop_time_leaves_the_previous_network(botosani):
    assert network_import(botosani, BULL_RUNNER, actor=None).succeeded
    before = _network_rows(botosani)
    # Cairns, but one stop time names a stop that does not exist.
    bad = _replace_in_zip(
        CAIRNS, "stop_times.txt", lambda text: text.replace(",750000,2,", ",NOPE,2,", 1)
    )
    record = network_import(botosani, bad, actor=None, file_name="cairns-bad.zip")
    assert not record.succeeded
    assert record.errors == [
        {"file": "stop_times.txt", "line": 3, "message": "Unknown stop_id: NOPE."}
    ]
    assert _network_rows(botosani) == before
    assert NetworkImport.objects.for_municipality(botosani).count() == 2


def test_a_reimport_keeps_the_rows_whose_ids_survive(botosani):
    from digiplace.mobility.models import ServiceAlert

    assert network_import(botosani, BULL_RUNNER, actor=None).succeeded
    stop = Stop.objects.get(municipality=botosani, gtfs_id="101")
    route = Route.objects.get(municipality=botosani, gtfs_id="A")
    trip = Trip.objects.get(municipality=botosani, gtfs_id="1")
    alert = ServiceAlert.objects.create(municipality=botosani, header_en="Detour")
    alert.stops.add(stop)
    alert.routes.add(route)
    renamed = _replace_in_zip(
        BULL_RUNNER,
        "stops.txt",
        lambda text: text.replace("101,Math & Engineering ,", "101,Maths,"),
    )
    assert network_import(botosani, renamed, actor=None).succeeded
    assert Stop.objects.get(pk=stop.pk).name == "Maths"
    assert Route.objects.filter(pk=route.pk).exists()
    assert Trip.objects.get(pk=trip.pk).stop_times.count() > 0
    assert list(alert.stops.all()) == [Stop.objects.get(pk=stop.pk)]
    assert list(alert.routes.all()) == [route]


def test_another_city_keeps_its_network(botosani):
    other = MunicipalityFactory.create()
    assert network_import(other, BULL_RUNNER, actor=None).succeeded
    assert network_import(botosani, CAIRNS, actor=None).succeeded
    assert _table_counts(other)["stops.txt"] == 125
