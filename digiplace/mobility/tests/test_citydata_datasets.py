"""Mobility's open datasets: the static GTFS zip with the GTFS-realtime feeds' links (only
where the city has a network), through the open-data engine (the same network gives no new
version, an edit does, the old one kept), and the ridership rows: the module's published
figures, hidden ones empty, never another city's."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from digiplace.core.datasets import datasets_available, registered_datasets
from digiplace.core.models import Municipality
from digiplace.mobility.datasets import GTFS, RIDERSHIP, ridership_rows
from digiplace.mobility.models import CellKind, Route
from digiplace.mobility.selectors.ridership import k_threshold, route_days
from digiplace.mobility.tests.factories_net import RouteFactory, build_line
from digiplace.mobility.tests.factories_rider import RidershipCellFactory
from digiplace.opendata.models import Dataset
from digiplace.opendata.services.generate import dataset_generate

pytestmark = pytest.mark.django_db

LATEST = datetime.date(2026, 1, 14)
DAY = datetime.timedelta(days=1)


def test_the_module_declares_its_two_datasets_where_the_city_has_the_data(
    botosani: Municipality, timisoara: Municipality
) -> None:
    assert [spec.slug for spec in registered_datasets("mobility")] == [
        "mobility-gtfs",
        "mobility-ridership",
    ]
    RouteFactory.create(municipality=botosani)
    RidershipCellFactory.create(municipality=botosani, day=LATEST)

    assert {"mobility-gtfs", "mobility-ridership"} <= {
        spec.slug for spec in datasets_available(botosani)
    }
    assert not {"mobility-gtfs", "mobility-ridership"} & {
        spec.slug for spec in datasets_available(timisoara)
    }
    # The realtime feeds' addresses resolve on the city's host.
    assert [reverse(link.url_name) for link in GTFS.links] == [
        "/gtfs-rt/vehicle-positions.pb",
        "/gtfs-rt/trip-updates.pb",
        "/gtfs-rt/alerts.pb",
    ]


def test_the_gtfs_zip_regenerates_after_a_network_edit_keeping_the_old_version(
    botosani: Municipality, settings: object, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    line = build_line(botosani, stops=3, every_minutes=60, name="7")

    first = dataset_generate(botosani, GTFS)
    unchanged = dataset_generate(botosani, GTFS)
    Route.objects.filter(pk=line.route.pk).update(long_name="Gară – Spital")
    second = dataset_generate(botosani, GTFS)

    assert first is not None and unchanged is None and second is not None
    assert (first.number, second.number) == (1, 2)
    dataset = Dataset.objects.get(municipality=botosani, slug="mobility-gtfs")
    assert dataset.versions.count() == 2
    distribution = second.distributions.get()
    assert (distribution.key, distribution.media_type) == ("gtfs.zip", "application/zip")
    with distribution.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt"} <= set(
        archive.namelist()
    )
    assert "Gară – Spital" in archive.read("routes.txt").decode("utf-8")
    assert second.privacy_report["personal"] is False
    assert second.row_count is None


def test_ridership_rows_are_the_published_figures_with_hidden_ones_empty(
    botosani: Municipality, timisoara: Municipality, settings: object
) -> None:
    # Given a 3-day window: two lines on the first and last days, no figures on the middle
    # one; the small line counts fewer than k riders on the last day
    settings.OPENDATA_SERIES_DAYS = 3  # type: ignore[attr-defined]
    big = RouteFactory.create(municipality=botosani, gtfs_id="l1", short_name="1", long_name="")
    small = RouteFactory.create(municipality=botosani, gtfs_id="l2", short_name="2", long_name="")
    figures = {
        LATEST - 2 * DAY: {big: (300, 150), small: (60, 40)},
        LATEST: {big: (250, 120), small: (6, 4)},
    }
    for day, lines in figures.items():
        RidershipCellFactory.create(
            municipality=botosani,
            day=day,
            boardings=sum(value[0] for value in lines.values()),
            riders=sum(value[1] for value in lines.values()),
        )
        RidershipCellFactory.create(
            municipality=botosani,
            day=day,
            kind=CellKind.ROUTE_DAY,
            boardings=sum(value[0] for value in lines.values()),
            riders=sum(value[1] for value in lines.values()),
        )
        for route, (boardings, riders) in lines.items():
            RidershipCellFactory.create(
                municipality=botosani,
                day=day,
                kind=CellKind.ROUTE_DAY,
                route=route,
                boardings=boardings,
                riders=riders,
            )
    # Before the window, and another city's
    RidershipCellFactory.create(municipality=botosani, day=LATEST - 5 * DAY)
    other = RouteFactory.create(municipality=timisoara)
    RidershipCellFactory.create(municipality=timisoara, day=LATEST + DAY)
    RidershipCellFactory.create(
        municipality=timisoara, day=LATEST, kind=CellKind.ROUTE_DAY, route=other, boardings=999
    )

    rows = list(ridership_rows(botosani))

    assert [(row["day"], row["route_id"]) for row in rows] == [
        (LATEST - 2 * DAY, "l1"),
        (LATEST - 2 * DAY, "l2"),
        (LATEST, "l1"),
        (LATEST, "l2"),
    ]
    assert rows[0] == {
        "day": LATEST - 2 * DAY,
        "route_id": "l1",
        "route_name": "1",
        "boardings": 300,
    }
    assert rows[1]["boardings"] == 60
    # Under k riders: hidden, and the big line with it (the day's total would give it away)
    assert rows[3]["boardings"] is None
    assert rows[2]["boardings"] is None
    # Exactly what the ridership page publishes
    dates, published = route_days(municipality=botosani, until=LATEST, k=k_threshold(), days=3)
    page = {
        (day, route.gtfs_id): values[index]
        for route, values in published
        for index, day in enumerate(dates)
    }
    assert all(page[(row["day"], row["route_id"])] == row["boardings"] for row in rows)
    assert [figure.compute(rows) for figure in RIDERSHIP.figures] == [2, 360, 2]
    assert all(list(row) == [column.name for column in RIDERSHIP.columns] for row in rows)


def test_a_city_without_ridership_figures_has_no_rows(botosani: Municipality) -> None:
    assert list(ridership_rows(botosani)) == []
