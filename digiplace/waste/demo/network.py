"""Loading a city's demo points, containers, their entities and their history at once.

The entities go through urban data's one write path in bulk
(``demo._entities.demo_entities_write``: the per-container ``container_install`` audits each
for staff and would take minutes for two thousand); points, containers and collections are
bulk-created; the readings and their rollups are plain multi-row inserts, as urban data's
heating demo writes its history.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection

from digiplace.urbandata import simulation
from digiplace.urbandata.demo._entities import demo_entities_write
from digiplace.urbandata.models import Entity, Reading, Rollup

from ..models import (
    Collection,
    CollectionPoint,
    CollectionSource,
    Container,
    Fraction,
    WasteSettings,
)
from ..services.containers import CONTAINER_TYPE, collection_weight_estimate
from . import history, points
from ._common import city_zone, sanitation_department

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

INSERT_ROWS = 50_000
Row = tuple[Any, ...]
# How much faster or slower than the simulator's average a point fills (its households, the
# shops around it), and how much its containers differ among themselves.
POINT_FACTOR = (0.45, 1.0)
CONTAINER_FACTOR = (0.85, 1.15)
# Containers of one point stand a few metres apart (east of each other).
CONTAINER_SPACING_DEGREES = 0.00004
ATTRIBUTE = history.ATTRIBUTE


@dataclass(frozen=True)
class NetworkReport:
    points: int
    containers: int
    adopted: int
    readings: int
    rollups: int
    collections: int


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def _property(value: Any, moment: str, unit: str = "") -> dict[str, Any]:
    attribute: dict[str, Any] = {"type": "Property", "value": value, "observedAt": moment}
    if unit:
        attribute["unitCode"] = unit
    return attribute


def _document(
    *,
    plan: points.PointPlan,
    fraction: Fraction,
    spot: int,
    city: str,
    fill: history.FillHistory,
    now: datetime.datetime,
    outdoor: float,
) -> dict[str, Any]:
    moment = _iso(now)
    kind = points.KINDS[fraction]
    document: dict[str, Any] = {
        "id": plan.entity_id(city, fraction),
        "type": CONTAINER_TYPE,
        "fillingLevel": _property(fill.level_now, moment),
        "refWasteContainerModel": {"type": "Property", "value": kind.model},
    }
    if fill.last_emptied is not None:
        emptied = _iso(fill.last_emptied)
        document["dateLastEmptying"] = _property({"@type": "DateTime", "@value": emptied}, emptied)
    if plan.adopted:
        # Urban data's entity keeps its name, place, status and temperature.
        return document
    longitude = round(plan.longitude + spot * CONTAINER_SPACING_DEGREES, 6)
    document |= {
        "name": {"type": "Property", "value": plan.entity_name(fraction)},
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [longitude, plan.latitude]},
        },
        "storedWasteKind": {"type": "Property", "value": kind.stored_waste_kind},
        "temperature": _property(round(outdoor + 1.5, 1), moment, "CEL"),
        "status": _property("ok", moment),
    }
    return document


def _insert(table: str, columns: tuple[str, ...], types: tuple[str, ...], rows: list[Row]) -> None:
    """Insert rows not there yet. PostgreSQL: one statement per chunk whose columns travel
    as binary arrays (``unnest``, as urban data's write path does; a statement of thousands
    of ``%s`` costs seconds to parse client-side); SQLite: ``executemany``."""
    names = ", ".join(columns)
    for first in range(0, len(rows), INSERT_ROWS):
        chunk = rows[first : first + INSERT_ROWS]
        if connection.vendor == "postgresql":
            import psycopg

            connection.ensure_connection()
            arrays = ", ".join(f"%b::{kind}[]" for kind in types)
            with psycopg.Cursor(connection.connection) as cursor:
                cursor.execute(
                    f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) "  # noqa: S608 - names from the models
                    "ON CONFLICT DO NOTHING",
                    [list(column) for column in zip(*chunk, strict=True)],
                )
        else:
            marks = ", ".join(["%s"] * len(columns))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING",  # noqa: S608
                    chunk,
                )


def _clear_adopted_history(entities: list[Entity], start: datetime.datetime) -> None:
    """Urban data's demo gave its containers one starting reading; the history written here
    replaces what they hold inside its span (a fill out of step with it otherwise)."""
    if not entities:
        return
    Reading.objects.filter(
        entity__in=entities, attribute=ATTRIBUTE, observed_at__gte=start
    ).delete()
    Rollup.objects.filter(
        entity__in=entities, attribute=ATTRIBUTE, start__gte=start.replace(hour=0)
    ).delete()


def network_load(*, municipality: Municipality, now: datetime.datetime) -> NetworkReport | None:
    """The city's points, containers, entities and history (call inside a transaction);
    None when its points are there already."""
    city = municipality.slug
    if CollectionPoint.objects.filter(municipality=municipality, is_demo=True).exists():
        return None
    settings_row = WasteSettings.objects.filter(municipality=municipality).first()
    weekdays = settings_row.collection_weekdays if settings_row else [0, 1, 2, 3, 4, 5]
    zone = city_zone(municipality)
    timeline = history.Timeline.build(now=now, zone=zone)
    outdoor = simulation.outdoor_temperature(now, zone)
    plans = points.point_plans(municipality)
    round_order = sorted(plans, key=lambda plan: (plan.neighbourhood, plan.code))
    places = {plan.code: index for index, plan in enumerate(round_order)}
    randomness = random.Random(f"waste-demo-{city}")  # noqa: S311 - demo values

    point_rows = CollectionPoint.objects.bulk_create(
        [
            CollectionPoint(
                municipality=municipality,
                code=plan.code,
                name=plan.name,
                street=plan.street,
                neighbourhood=plan.neighbourhood,
                latitude=plan.latitude,
                longitude=plan.longitude,
                is_demo=True,
                created_at=timeline.start,
            )
            for plan in plans
        ]
    )
    rows_by_code = {row.code: row for row in point_rows}
    planned: list[tuple[points.PointPlan, Fraction, history.FillHistory]] = []
    documents = []
    for plan in plans:
        point_factor = randomness.uniform(*POINT_FACTOR)
        minutes = history.round_place(places[plan.code], len(plans))
        for spot, fraction in enumerate(plan.fractions()):
            kind = points.KINDS[fraction].stored_waste_kind
            fill = history.fill_history(
                timeline=timeline,
                kind=kind,
                factor=point_factor * randomness.uniform(*CONTAINER_FACTOR),
                collections=timeline.collection_moments(
                    kind=kind, weekdays=weekdays, round_minutes=minutes + spot
                ),
                name=plan.entity_id(city, fraction),
            )
            planned.append((plan, fraction, fill))
            documents.append(
                _document(
                    plan=plan,
                    fraction=fraction,
                    spot=spot,
                    city=city,
                    fill=fill,
                    now=now,
                    outdoor=outdoor,
                )
            )
    adopted_ids = [
        document["id"]
        for (plan, _f, _h), document in zip(planned, documents, strict=True)
        if plan.adopted
    ]
    adopted_before = list(
        Entity.objects.filter(municipality=municipality, entity_id__in=adopted_ids)
    )
    _clear_adopted_history(adopted_before, timeline.start)
    entities = {
        entity.entity_id: entity
        for entity in demo_entities_write(
            municipality=municipality,
            documents=documents,
            department=sanitation_department(municipality),
            moment=now,
            what="waste containers",
        )
    }
    containers = Container.objects.bulk_create(
        [
            Container(
                municipality=municipality,
                point=rows_by_code[plan.code],
                code=plan.container_code(fraction),
                fraction=fraction,
                capacity_litres=points.KINDS[fraction].capacity_litres,
                model=points.KINDS[fraction].model,
                entity=entities[plan.entity_id(city, fraction)],
                created_at=timeline.start,
            )
            for plan, fraction, _fill in planned
        ]
    )
    adapt = history.datetime_adapter()
    readings: list[tuple[Any, ...]] = []
    rollups: list[tuple[Any, ...]] = []
    collections = []
    for container, (_plan, _fraction, fill) in zip(containers, planned, strict=True):
        assert container.entity is not None
        entity_readings, entity_rollups = history.reading_rows(
            container.entity.pk, fill, timeline, adapt
        )
        readings += entity_readings
        rollups += entity_rollups
        for moment, fill_before in fill.collections:
            by_driver = randomness.random() < history.DRIVER_SHARE
            collections.append(
                Collection(
                    municipality=municipality,
                    container=container,
                    collected_at=moment,
                    fill_before=fill_before,
                    weight_kg=collection_weight_estimate(container, fill_before),
                    weight_estimated=True,
                    source=CollectionSource.DRIVER if by_driver else CollectionSource.SENSOR,
                )
            )
    _insert(
        Reading._meta.db_table,
        ("entity_id", "attribute", "observed_at", "value", "text"),
        ("int8", "varchar", "timestamptz", "float8", "varchar"),
        readings,
    )
    _insert(
        Rollup._meta.db_table,
        ("entity_id", "attribute", "period", "start", "minimum", "maximum", "total", "count"),
        ("int8", "varchar", "varchar", "timestamptz", "float8", "float8", "float8", "int8"),
        rollups,
    )
    Collection.objects.bulk_create(collections, batch_size=2000)
    return NetworkReport(
        points=len(point_rows),
        containers=len(containers),
        adopted=len(adopted_before),
        readings=len(readings),
        rollups=len(rollups),
        collections=len(collections),
    )
