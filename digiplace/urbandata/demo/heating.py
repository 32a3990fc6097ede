"""Demo district heating: Botoșani's SACET network (its plan procures a data acquisition and
remote monitoring system for it, seeds/000 §1.1) as 18 heating substations spread over the
city's neighbourhoods, marked as demo data, owned by the district-heating service, with 14
days of readings (every 15 minutes) and their hourly and daily rollups, and the default
alert rules: supply temperature and pressure out of range, heat loss.

Two substations show what the rules are for: one loses heat (its return comes back far too
cold, a supply–return difference over 40 °C), one has lost pressure. The values follow the
outdoor temperature (``simulation.heating_values``), as the live simulator's do.

Current values go through the one write path (``services.ingest.entities_write``); the
history is bulk-inserted. Running it again changes nothing.
"""

from __future__ import annotations

import datetime
import math
import random
import zoneinfo
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.models import Department

from .. import simulation
from ..models import AlertRule, AlertRuleKind, Entity, Reading, Rollup, RollupPeriod
from ..services.rollups import rollups_refresh
from ._entities import demo_department, demo_entities_write

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

TYPE = "HeatSubstation"
HISTORY_DAYS = 14
SAMPLES_PER_HOUR = 4
INSERT_CHUNK = 20_000
ENTITY_ID = "urn:ngsi-ld:HeatSubstation:botosani-pt-{number:02d}"
DEPARTMENT = {"ro": "Serviciul Termoficare", "en": "District Heating Service"}
NEIGHBOURHOODS = [
    "Centru",
    "Grivița",
    "Bucovina",
    "Parcul Tineretului",
    "Cișmea",
    "Împărăteasa Elisabeta",
    "Primăverii",
    "Pacea",
    "Tulbureni",
    "Săvenilor",
    "Calea Națională",
    "Marchian",
    "Uzinei",
    "Independenței",
    "Octav Onicescu",
    "Sucevei",
    "Mihai Eminescu",
    "Ștefan cel Mare",
]
ANOMALIES = {5: "heat_loss", 11: "low_pressure"}


def default_rules() -> list[dict[str, Any]]:
    """The district-heating rules a city starts with (Romanian names: the city's language)."""
    return [
        {
            "name": "Termoficare: temperatură tur prea mare",
            "kind": AlertRuleKind.ABOVE,
            "attribute": "supplyTemperature",
            "threshold": 115.0,
            "duration_minutes": 15,
        },
        {
            "name": "Termoficare: temperatură tur prea mică",
            "kind": AlertRuleKind.BELOW,
            "attribute": "supplyTemperature",
            "threshold": 55.0,
            "duration_minutes": 30,
        },
        {
            "name": "Termoficare: presiune prea mică",
            "kind": AlertRuleKind.BELOW,
            "attribute": "pressure",
            "threshold": 2.5,
            "duration_minutes": 10,
        },
        {
            "name": "Termoficare: presiune prea mare",
            "kind": AlertRuleKind.ABOVE,
            "attribute": "pressure",
            "threshold": 9.0,
            "duration_minutes": 10,
        },
        {
            "name": "Termoficare: pierderi de căldură (diferență tur–retur peste 40 °C)",
            "kind": AlertRuleKind.HEAT_LOSS,
            "attribute": "",
            "threshold": 40.0,
            "duration_minutes": 60,
        },
    ]


def profile(number: int) -> simulation.SubstationProfile:
    return simulation.substation_profile(number, anomaly=ANOMALIES.get(number, ""))


def positions(municipality: Municipality, count: int) -> list[tuple[float, float]]:
    """Points on a spiral around the centre (about 2.5 km out), inside the city's bounds."""
    points: list[tuple[float, float]] = []
    for index in range(count):
        angle = index * 2.39996  # the golden angle: evenly spread
        radius = 0.004 + 0.018 * math.sqrt((index + 1) / count)
        latitude = municipality.centre_latitude + radius * math.sin(angle)
        longitude = municipality.centre_longitude + 1.45 * radius * math.cos(angle)
        latitude = min(max(latitude, municipality.bounds_south), municipality.bounds_north)
        longitude = min(max(longitude, municipality.bounds_west), municipality.bounds_east)
        points.append((round(latitude, 6), round(longitude, 6)))
    return points


def _zone(municipality: Municipality) -> datetime.tzinfo:
    try:
        return zoneinfo.ZoneInfo(municipality.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


def _department(municipality: Municipality) -> Department:
    return demo_department(municipality, DEPARTMENT)


def substation_document(
    *, number: int, position: tuple[float, float], values: dict[str, float], moment: str
) -> dict[str, Any]:
    latitude, longitude = position
    name = NEIGHBOURHOODS[(number - 1) % len(NEIGHBOURHOODS)]
    document: dict[str, Any] = {
        "id": ENTITY_ID.format(number=number),
        "type": TYPE,
        "name": {"type": "Property", "value": f"PT {number} {name}"},
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [longitude, latitude]},
        },
    }
    for attribute, value in values.items():
        document[attribute] = {"type": "Property", "value": value, "observedAt": moment}
    return document


def _history(
    *, substations: list[Entity], zone: datetime.tzinfo, end: datetime.datetime
) -> tuple[int, int]:
    """Bulk-insert HISTORY_DAYS days before ``end`` (an hour start, UTC): readings every
    15 minutes, their hourly rollups and the local days' rollups (plain multi-row inserts:
    the ORM's per-object work would take minutes)."""
    adapt = connection.ops.adapt_datetimefield_value
    step = datetime.timedelta(minutes=60 // SAMPLES_PER_HOUR)
    hours = [end - datetime.timedelta(hours=back) for back in range(HISTORY_DAYS * 24, 0, -1)]
    first_day = hours[0].astimezone(zone).date()
    readings: list[tuple[Any, ...]] = []
    rollups: list[tuple[Any, ...]] = []
    weather = random.Random(0)  # noqa: S311 - demo values, not secrets
    samples = [[hour + step * index for index in range(SAMPLES_PER_HOUR)] for hour in hours]
    outdoor = [
        [simulation.outdoor_temperature(moment, zone, weather) for moment in hour_samples]
        for hour_samples in samples
    ]
    for substation in substations:
        number = int(substation.entity_id.rsplit("-", 1)[-1])
        randomness = random.Random(number)  # noqa: S311
        substation_profile = profile(number)
        days: dict[tuple[datetime.date, str], list[float]] = defaultdict(list)
        for hour_index, hour in enumerate(hours):
            per_attribute: dict[str, list[float]] = defaultdict(list)
            for sample_index, moment in enumerate(samples[hour_index]):
                values = simulation.heating_values(
                    profile=substation_profile,
                    outdoor=outdoor[hour_index][sample_index],
                    randomness=randomness,
                )
                moment_text = adapt(moment)
                for attribute, value in values.items():
                    readings.append((substation.pk, attribute, moment_text, value, ""))
                    per_attribute[attribute].append(value)
            day = hour.astimezone(zone).date()
            hour_text = adapt(hour)
            for attribute, values_in_hour in per_attribute.items():
                rollups.append(
                    (
                        substation.pk,
                        attribute,
                        RollupPeriod.HOUR.value,
                        hour_text,
                        min(values_in_hour),
                        max(values_in_hour),
                        sum(values_in_hour),
                        len(values_in_hour),
                    )
                )
                if day > first_day:
                    days[(day, attribute)].extend(values_in_hour)
        for (day, attribute), day_values in days.items():
            start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
            rollups.append(
                (
                    substation.pk,
                    attribute,
                    RollupPeriod.DAY.value,
                    adapt(start.astimezone(datetime.UTC)),
                    min(day_values),
                    max(day_values),
                    sum(day_values),
                    len(day_values),
                )
            )
    reading_table = Reading._meta.db_table
    rollup_table = Rollup._meta.db_table
    with connection.cursor() as cursor:
        for first in range(0, len(readings), INSERT_CHUNK):
            cursor.executemany(
                f"INSERT INTO {reading_table} (entity_id, attribute, observed_at, value, text) "  # noqa: S608 - table names from the models
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                readings[first : first + INSERT_CHUNK],
            )
        for first in range(0, len(rollups), INSERT_CHUNK):
            cursor.executemany(
                f"INSERT INTO {rollup_table} (entity_id, attribute, period, start, minimum, "  # noqa: S608
                "maximum, total, count) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                rollups[first : first + INSERT_CHUNK],
            )
    return len(readings), len(rollups)


def rules_ensure(*, municipality: Municipality, department: Department | None) -> int:
    """Create the default rules the city does not have yet (by name); how many were new."""
    created = 0
    for rule in default_rules():
        _rule, is_new = AlertRule.objects.get_or_create(
            municipality=municipality,
            name=rule["name"],
            defaults={**rule, "entity_type": TYPE, "department": department},
        )
        created += int(is_new)
    return created


def botosani_network_load(
    *,
    municipality: Municipality,
    count: int = len(NEIGHBOURHOODS),
    now: datetime.datetime | None = None,
) -> list[str]:
    moment = (now or timezone.now()).astimezone(datetime.UTC).replace(second=0, microsecond=0)
    existing = Entity.objects.filter(municipality=municipality, type=TYPE, is_demo=True).count()
    if existing >= count:
        return [f"{municipality.slug}: {existing} demo heating substations already there"]
    zone = _zone(municipality)
    department = _department(municipality)
    points = positions(municipality, count)
    outdoor = simulation.outdoor_temperature(moment, zone)
    moment_text = moment.isoformat().replace("+00:00", "Z")
    documents = [
        substation_document(
            number=number,
            position=points[number - 1],
            values=simulation.heating_values(
                profile=profile(number),
                outdoor=outdoor,
                randomness=random.Random(-number),  # noqa: S311
            ),
            moment=moment_text,
        )
        for number in range(1, count + 1)
    ]
    with transaction.atomic():
        substations = demo_entities_write(
            municipality=municipality,
            documents=documents,
            department=department,
            moment=moment,
            what="heating substations",
        )
        readings, rollups = _history(
            substations=substations, zone=zone, end=moment.replace(minute=0)
        )
        rules = rules_ensure(municipality=municipality, department=department)
        cache_version_bump(municipality.pk, "urbandata")
    rollups_refresh()
    return [
        f"{municipality.slug}: {len(substations)} demo heating substations, {readings} readings "
        f"and {rollups} rollups of {HISTORY_DAYS} days, {rules} alert rules"
    ]


def demo_load(*, botosani: Municipality | None, timisoara: Municipality | None) -> list[str]:
    """Botoșani's district heating (Timișoara's plan does not describe its network)."""
    if botosani is None:
        return []
    return botosani_network_load(municipality=botosani)
