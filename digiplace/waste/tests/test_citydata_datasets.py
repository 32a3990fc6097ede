"""Waste's open datasets: the daily fill per collection point and fraction, and the
collections per day and route, on factory data (values, types, complete days only, the
city's own records only, no driver, truck or note), and, through the open-data engine, a new
version after a collection is recorded, the old one kept."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone

from digiplace.core.datasets import datasets_available, registered_datasets
from digiplace.core.models import Municipality
from digiplace.opendata.models import Dataset
from digiplace.opendata.services.generate import dataset_generate
from digiplace.urbandata.models import Entity, Rollup, RollupPeriod
from digiplace.urbandata.tests.factories import EntityFactory
from digiplace.waste.datasets import COLLECTIONS, FILL_LEVELS, collection_rows, fill_level_rows
from digiplace.waste.models import (
    Collection,
    CollectionPoint,
    CollectionSource,
    Container,
    Fraction,
    PlanRoute,
    PlanStatus,
    PlanStop,
    StopProblem,
    StopReason,
)
from digiplace.waste.tests.factories import (
    CollectionFactory,
    CollectionPlanFactory,
    CollectionPointFactory,
    ContainerFactory,
    TruckFactory,
)

pytestmark = pytest.mark.django_db

# 14:20 in Botoșani (UTC+2 in winter).
NOW = datetime.datetime(2026, 1, 15, 12, 20, tzinfo=datetime.UTC)
YESTERDAY = datetime.date(2026, 1, 14)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _short_window(settings: object) -> None:
    settings.OPENDATA_SERIES_DAYS = 3  # type: ignore[attr-defined]


def container_make(
    point: CollectionPoint, code: str, fraction: str = Fraction.PLASTIC
) -> Container:
    entity = EntityFactory.create(
        municipality=point.municipality,
        entity_id=f"urn:ngsi-ld:WasteContainer:{code}",
        latitude=point.latitude,
        longitude=point.longitude,
    )
    return ContainerFactory.create(
        municipality=point.municipality, point=point, code=code, fraction=fraction, entity=entity
    )


def fill_add(container: Container, day: datetime.date, mean: float, highest: float) -> None:
    entity = container.entity
    assert isinstance(entity, Entity)
    Rollup.objects.create(
        entity=entity,
        attribute="fillingLevel",
        period=RollupPeriod.DAY,
        start=datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC),
        minimum=0.0,
        maximum=highest,
        total=mean * 24,
        count=24,
    )


def test_the_module_declares_its_two_datasets(
    botosani: Municipality, timisoara: Municipality
) -> None:
    assert [spec.slug for spec in registered_datasets("waste")] == [
        "waste-collections",
        "waste-fill-levels",
    ]
    # A collection (its container has no sensor) in Botoșani, nothing in Timișoara
    CollectionFactory.create(municipality=botosani)

    assert {spec.slug for spec in datasets_available(botosani)} & {
        "waste-collections",
        "waste-fill-levels",
    } == {"waste-collections"}
    assert not {"waste-collections", "waste-fill-levels"} & {
        spec.slug for spec in datasets_available(timisoara)
    }
    # A container with its sensor entity: the fill levels are published too
    container_make(CollectionPointFactory.create(municipality=botosani), "c-sensor")
    assert "waste-fill-levels" in {spec.slug for spec in datasets_available(botosani)}


def test_fill_rows_give_each_points_fractions_day_from_its_containers(
    botosani: Municipality, timisoara: Municipality
) -> None:
    # Given a point with two plastic containers and a glass one, and a point elsewhere
    point = CollectionPointFactory.create(
        municipality=botosani, code="p-centru", name="Piața Revoluției", neighbourhood="Centru"
    )
    plastic_a = container_make(point, "c-1")
    plastic_b = container_make(point, "c-2")
    glass = container_make(point, "c-3", Fraction.GLASS)
    fill_add(plastic_a, YESTERDAY, 0.4, 0.6)
    fill_add(plastic_b, YESTERDAY, 0.6, 0.9)
    fill_add(glass, YESTERDAY, 0.2, 0.25)
    fill_add(plastic_a, YESTERDAY - DAY, 0.5, 0.5)
    fill_add(plastic_a, YESTERDAY + DAY, 0.9, 0.9)  # today: not complete
    fill_add(plastic_a, YESTERDAY - 3 * DAY, 0.9, 0.9)  # before the window
    other = CollectionPointFactory.create(municipality=timisoara, code="p-other")
    fill_add(container_make(other, "c-other"), YESTERDAY, 0.9, 1.0)

    rows = list(fill_level_rows(botosani, now=NOW))

    point_fields = {
        "point_code": "p-centru",
        "point_name": "Piața Revoluției",
        "neighbourhood": "Centru",
        "latitude": 47.7486,
        "longitude": 26.6694,
    }
    assert rows == [
        {
            **point_fields,
            "fraction": "plastic",
            "day": YESTERDAY - DAY,
            "containers": 1,
            "mean_fill": 50.0,
            "max_fill": 50.0,
        },
        {
            **point_fields,
            "fraction": "glass",
            "day": YESTERDAY,
            "containers": 1,
            "mean_fill": 20.0,
            "max_fill": 25.0,
        },
        {
            **point_fields,
            "fraction": "plastic",
            "day": YESTERDAY,
            "containers": 2,
            "mean_fill": 50.0,
            "max_fill": 90.0,
        },
    ]
    assert all(list(row) == [column.name for column in FILL_LEVELS.columns] for row in rows)
    assert [figure.compute(rows) for figure in FILL_LEVELS.figures] == [1, 40.0, 33.3]


def _route(
    municipality: Municipality, day: datetime.date, status: str, number: int, metres: int
) -> PlanRoute:
    plan = CollectionPlanFactory.create(
        municipality=municipality, day=day, fraction=Fraction.PLASTIC, status=status
    )
    return PlanRoute.objects.create(
        plan=plan,
        truck=TruckFactory.create(municipality=municipality, depot=plan.depot),
        number=number,
        distance_m=metres,
        duration_s=3600,
        load_litres=4000,
    )


def _local(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def test_collection_rows_give_each_route_and_the_collections_outside_routes(
    botosani: Municipality, timisoara: Municipality
) -> None:
    # Given yesterday's driven route with two containers at one point emptied (one weighed,
    # a driver's note on a problem), a draft plan's route, a collection staff recorded
    # outside any route, today's collection and another city's
    point = CollectionPointFactory.create(municipality=botosani, code="p-1")
    first = ContainerFactory.create(municipality=botosani, point=point, code="c-1")
    second = ContainerFactory.create(municipality=botosani, point=point, code="c-2")
    glass = ContainerFactory.create(municipality=botosani, code="c-3", fraction=Fraction.GLASS)
    route = _route(botosani, YESTERDAY, PlanStatus.DONE, 1, 12_345)
    _route(botosani, YESTERDAY - DAY, PlanStatus.DRAFT, 1, 9_000)
    for sequence, (container, kilograms, weighed) in enumerate(
        ((first, 40.0, True), (second, 35.5, False)), start=1
    ):
        stop = PlanStop.objects.create(
            route=route,
            container=container,
            sequence=sequence,
            reason=StopReason.FORECAST,
            emptied_at=_local(YESTERDAY, 8 + sequence),
            problem=StopProblem.OTHER if sequence == 2 else "",
            problem_note="Ion Popescu, 0722 123 456, blocked the gate" if sequence == 2 else "",
        )
        CollectionFactory.create(
            municipality=botosani,
            container=container,
            collected_at=_local(YESTERDAY, 8 + sequence),
            weight_kg=kilograms,
            weight_estimated=not weighed,
            source=CollectionSource.DRIVER,
            stop=stop,
        )
    CollectionFactory.create(
        municipality=botosani, container=glass, collected_at=_local(YESTERDAY, 10), weight_kg=None
    )
    CollectionFactory.create(
        municipality=botosani, container=glass, collected_at=_local(YESTERDAY + DAY, 9)
    )
    CollectionFactory.create(municipality=timisoara, collected_at=_local(YESTERDAY, 9))

    rows = list(collection_rows(botosani, now=NOW))

    assert rows == [
        {
            "day": YESTERDAY,
            "fraction": "glass",
            "route": None,
            "containers_emptied": 1,
            "points_emptied": 1,
            "weight": None,
            "weighed": 0,
            "distance": None,
        },
        {
            "day": YESTERDAY,
            "fraction": "plastic",
            "route": 1,
            "containers_emptied": 2,
            "points_emptied": 1,
            "weight": 75.5,
            "weighed": 1,
            "distance": 12.3,
        },
    ]
    assert all(list(row) == [column.name for column in COLLECTIONS.columns] for row in rows)
    text = repr(rows)
    assert "Popescu" not in text and "BT-" not in text
    assert [figure.compute(rows) for figure in COLLECTIONS.figures] == [3, 0.1, 12.3]


def test_collections_regenerate_after_a_collection_keeping_the_old_version(
    botosani: Municipality, settings: object, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    container = ContainerFactory.create(municipality=botosani)
    # Noon of the day before yesterday in the city: a complete day, whatever the time now
    two_days_ago = datetime.datetime.combine(
        timezone.localdate() - 2 * DAY, datetime.time(12), tzinfo=timezone.get_current_timezone()
    )
    CollectionFactory.create(
        municipality=botosani, container=container, collected_at=two_days_ago, weight_kg=50.0
    )

    first = dataset_generate(botosani, COLLECTIONS)
    unchanged = dataset_generate(botosani, COLLECTIONS)
    Collection.objects.create(
        municipality=botosani,
        container=container,
        collected_at=two_days_ago + datetime.timedelta(minutes=30),
        weight_kg=30.0,
        source=CollectionSource.STAFF,
    )
    second = dataset_generate(botosani, COLLECTIONS)

    assert first is not None and unchanged is None and second is not None
    assert (first.number, second.number) == (1, 2)
    dataset = Dataset.objects.get(municipality=botosani, slug="waste-collections")
    assert list(dataset.versions.values_list("number", flat=True)) == [2, 1]
    with second.distributions.get(key="csv").file.open("rb") as handle:
        published = list(csv.DictReader(io.StringIO(handle.read().decode("utf-8"))))
    assert [(row["containers_emptied"], row["weight"]) for row in published] == [("1", "80.0")]
    assert {item.key for item in second.distributions.all()} == {"csv", "json", "xlsx"}
