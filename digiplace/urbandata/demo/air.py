"""Demo air-quality stations: Timișoara's 55 (its strategy counts 55 air-quality sensors,
seeds/004), spread over the city inside its bounds, marked as demo data, owned by the
Environment Directorate, with 30 days of hourly history.

Current values go through the one write path (``services.ingest.entities_write``); the
history is bulk-created straight into readings and hourly and daily rollups, so that the
demo loads in seconds. The values follow realistic daily cycles: NO₂ peaks with the morning
and evening traffic, O₃ in the afternoon sun, PM in winter evenings (home heating), with
weather episodes over several days. Botoșani's seeds mention no air monitoring, so it gets
no stations.

Running it again changes nothing: a city whose demo stations are there is left alone.
"""

from __future__ import annotations

import datetime
import math
import random
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.models import Department

from ..models import Entity, Reading, Rollup, RollupPeriod
from ..services.rollups import rollups_refresh
from ._entities import demo_department, demo_entities_write

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

STATION_COUNT = 55
HISTORY_HOURS = 30 * 24
RAW_DAYS = 7
ENTITY_ID = "urn:ngsi-ld:AirQualityObserved:timisoara-aq-{number:02d}"
DEPARTMENT = {"ro": "Direcția de Mediu", "en": "Environment Directorate"}
# Timișoara's neighbourhoods, for the stations' names (several stations share the big ones).
AREAS = [
    "Cetate",
    "Fabric",
    "Iosefin",
    "Elisabetin",
    "Mehala",
    "Ronaț",
    "Freidorf",
    "Fratelia",
    "Calea Șagului",
    "Calea Aradului",
    "Calea Lipovei",
    "Calea Torontalului",
    "Circumvalațiunii",
    "Complexul Studențesc",
    "Soarelui",
    "Calea Girocului",
    "Dâmbovița",
    "Steaua",
    "Blașcovici",
    "Plopi",
    "Kuncz",
    "Ciarda Roșie",
    "Tipografilor",
    "Bucovina",
    "Modern",
    "Odobescu",
    "Lunei",
    "Badea Cârțan",
]
# Every fifth station also measures SO₂ (reference stations); the others are the low-cost
# sensors that measure particles, NO₂ and O₃.
SO2_EVERY = 5
# Rows per INSERT: 8 columns × 500 = 4,000 parameters, under both databases' limits.
INSERT_ROWS = 500
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def _positions(municipality: Municipality) -> list[tuple[float, float]]:
    """Points spread evenly over the city (a sunflower spiral around the centre), kept
    inside its bounds, within about 5 km of the centre."""
    south, west = municipality.bounds_south, municipality.bounds_west
    north, east = municipality.bounds_north, municipality.bounds_east
    radius_lat = min(0.045, (north - south) / 2 * 0.9)
    radius_lon = min(0.065, (east - west) / 2 * 0.9)
    points = []
    for number in range(STATION_COUNT):
        share = math.sqrt((number + 0.5) / STATION_COUNT)
        angle = number * GOLDEN_ANGLE
        latitude = municipality.centre_latitude + radius_lat * share * math.sin(angle)
        longitude = municipality.centre_longitude + radius_lon * share * math.cos(angle)
        points.append(
            (
                round(min(max(latitude, south + 0.001), north - 0.001), 5),
                round(min(max(longitude, west + 0.001), east - 0.001), 5),
            )
        )
    return points


def _gauss_peak(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2))


@dataclass(frozen=True)
class HourShape:
    """What every station shares in one hour: traffic, sun, heating, weather."""

    traffic: float
    winter: float
    sun: float
    heating: float
    day_number: float


def hour_shape(moment: datetime.datetime, zone: datetime.tzinfo) -> HourShape:
    local = moment.astimezone(zone)
    hour = local.hour + local.minute / 60
    weekend = local.weekday() >= 5
    traffic = (_gauss_peak(hour, 8, 1.6) + 0.9 * _gauss_peak(hour, 18, 2.0)) * (
        0.55 if weekend else 1.0
    )
    # 1 in January, 0 in July.
    winter = (1 + math.cos(2 * math.pi * (local.timetuple().tm_yday - 15) / 365)) / 2
    return HourShape(
        traffic=traffic,
        winter=winter,
        sun=_gauss_peak(hour, 15, 3.5) * (1 - 0.6 * winter),
        heating=winter * (_gauss_peak(hour, 20, 2.8) + 0.5 * _gauss_peak(hour, 7, 1.5)),
        day_number=moment.timestamp() / 86400,
    )


def shaped_values(*, number: int, shape: HourShape, randomness: random.Random) -> dict[str, float]:
    """One hour's concentrations (µg/m³) at station ``number``."""
    # Stations near the centre (low numbers: the spiral starts there) see more traffic.
    traffic_weight = 1.3 - 0.8 * number / STATION_COUNT
    traffic = shape.traffic
    # Weather: stagnant days (higher everything) come and go over about a week.
    episode = (
        1
        + 0.45 * math.sin(2 * math.pi * shape.day_number / 6.5 + number * 0.15)
        + 0.2 * math.sin(2 * math.pi * shape.day_number / 2.3)
    )
    noise = randomness.gauss
    no2 = (10 + 14 * traffic_weight + 48 * traffic_weight * traffic) * episode + noise(0, 3)
    o3 = 22 + 95 * shape.sun + 12 * (1 - shape.winter) - 0.25 * no2 + noise(0, 4)
    pm25 = (5 + 30 * shape.heating + 6 * traffic * traffic_weight) * episode + noise(0, 1.5)
    pm10 = pm25 * 1.45 + 9 * traffic * traffic_weight + noise(0, 2)
    values = {"pm25": pm25, "pm10": pm10, "no2": no2, "o3": o3}
    if number % SO2_EVERY == 0:
        values["so2"] = 4 + 5 * shape.heating + 2 * episode + noise(0, 1)
    return {name: round(max(value, 0.5), 1) for name, value in values.items()}


def station_values(
    *, number: int, moment: datetime.datetime, zone: datetime.tzinfo, randomness: random.Random
) -> dict[str, float]:
    """One hour's concentrations (µg/m³) at station ``number``: daily cycles, traffic peaks
    (NO₂ morning and evening), afternoon ozone, winter-evening particles, weather episodes
    and noise."""
    return shaped_values(number=number, shape=hour_shape(moment, zone), randomness=randomness)


def _station_name(number: int) -> str:
    area = AREAS[(number - 1) % len(AREAS)]
    return f"{area} · AQ-{number:02d}"


def _document(
    *, number: int, position: tuple[float, float], values: dict[str, float], moment: str
) -> dict[str, Any]:
    latitude, longitude = position
    document: dict[str, Any] = {
        "id": ENTITY_ID.format(number=number),
        "type": "AirQualityObserved",
        "name": {"type": "Property", "value": _station_name(number)},
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [longitude, latitude]},
        },
    }
    for name, value in values.items():
        document[name] = {
            "type": "Property",
            "value": value,
            "unitCode": "GQ",
            "observedAt": moment,
        }
    return document


def _department(municipality: Municipality) -> Department:
    return demo_department(municipality, DEPARTMENT)


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows fast, skipping rows already there: PostgreSQL copies them into a
    temporary table and inserts from it (binding thousands of parameters is what is slow
    there); SQLite takes multi-row INSERTs of ``INSERT_ROWS`` rows."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            staging = quote(f"{table}_demo_load")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} AS SELECT {names} FROM {quote(table)} "  # noqa: S608 - names from the models
                "WITH NO DATA"
            )
            with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM {staging} "  # noqa: S608
                "ON CONFLICT DO NOTHING"
            )
            cursor.execute(f"DROP TABLE {staging}")
            return
        row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for first in range(0, len(rows), INSERT_ROWS):
            chunk = rows[first : first + INSERT_ROWS]
            cursor.execute(
                f"INSERT INTO {quote(table)} ({names}) VALUES "  # noqa: S608 - names from the models
                + ", ".join([row_marks] * len(chunk))
                + " ON CONFLICT DO NOTHING",
                [value for row in chunk for value in row],
            )


def _history(
    *,
    stations: list[Entity],
    zone: datetime.tzinfo,
    end: datetime.datetime,
) -> tuple[int, int]:
    """Bulk-insert HISTORY_HOURS hours before ``end`` (an hour start, UTC) for each station:
    one reading per pollutant per hour (at half past; the last RAW_DAYS), its hourly rollup,
    and daily rollups
    of the whole local days. Plain multi-row inserts, not model objects:
    the ORM's per-object work made this minutes instead of seconds."""
    adapt = connection.ops.adapt_datetimefield_value
    readings: list[tuple[Any, ...]] = []
    rollups: list[tuple[Any, ...]] = []
    first_day = (end - datetime.timedelta(hours=HISTORY_HOURS)).astimezone(zone).date()
    hours = [end - datetime.timedelta(hours=back) for back in range(HISTORY_HOURS, 0, -1)]
    hour_texts = [adapt(hour) for hour in hours]
    half_past = [hour + datetime.timedelta(minutes=30) for hour in hours]
    half_past_texts = [adapt(moment) for moment in half_past]
    local_days = [hour.astimezone(zone).date() for hour in hours]
    shapes = [hour_shape(moment, zone) for moment in half_past]
    # Raw readings of the last RAW_DAYS only (the rollups cover all 30 days): enough for the
    # temporal API's raw queries, and it keeps the demo's load in seconds.
    raw_from = end - datetime.timedelta(days=RAW_DAYS)
    for station in stations:
        number = int(station.entity_id.rsplit("-", 1)[-1])
        randomness = random.Random(number)  # noqa: S311 - demo values, not secrets
        days: dict[tuple[datetime.date, str], list[float]] = defaultdict(list)
        for position, observed in enumerate(half_past):
            values = shaped_values(number=number, shape=shapes[position], randomness=randomness)
            is_raw = observed >= raw_from
            day = local_days[position]
            for name, value in values.items():
                if is_raw:
                    readings.append((station.pk, name, half_past_texts[position], value, ""))
                rollups.append(
                    (
                        station.pk,
                        name,
                        RollupPeriod.HOUR.value,
                        hour_texts[position],
                        value,
                        value,
                        value,
                        1,
                    )
                )
                if day > first_day:
                    days[(day, name)].append(value)
        for (day, name), day_values in days.items():
            start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
            rollups.append(
                (
                    station.pk,
                    name,
                    RollupPeriod.DAY.value,
                    adapt(start.astimezone(datetime.UTC)),
                    min(day_values),
                    max(day_values),
                    sum(day_values),
                    len(day_values),
                )
            )
    _insert(
        Reading._meta.db_table, ("entity_id", "attribute", "observed_at", "value", "text"), readings
    )
    _insert(
        Rollup._meta.db_table,
        ("entity_id", "attribute", "period", "start", "minimum", "maximum", "total", "count"),
        rollups,
    )
    return len(readings), len(rollups)


def timisoara_stations_load(
    *, municipality: Municipality, now: datetime.datetime | None = None
) -> list[str]:
    moment = (now or timezone.now()).astimezone(datetime.UTC).replace(second=0, microsecond=0)
    existing = Entity.objects.filter(
        municipality=municipality, type="AirQualityObserved", is_demo=True
    ).count()
    if existing >= STATION_COUNT:
        return [f"{municipality.slug}: {existing} demo air-quality stations already there"]
    try:
        zone: datetime.tzinfo = zoneinfo.ZoneInfo(municipality.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = datetime.UTC
    department = _department(municipality)
    positions = _positions(municipality)
    documents = [
        _document(
            number=number,
            position=positions[number - 1],
            values=station_values(
                number=number,
                moment=moment,
                zone=zone,
                randomness=random.Random(-number),  # noqa: S311
            ),
            moment=moment.isoformat().replace("+00:00", "Z"),
        )
        for number in range(1, STATION_COUNT + 1)
    ]
    with transaction.atomic():
        stations = demo_entities_write(
            municipality=municipality,
            documents=documents,
            department=department,
            moment=moment,
            what="air-quality stations",
        )
        hour = moment.replace(minute=0)
        readings, rollups = _history(stations=stations, zone=zone, end=hour)
        cache_version_bump(municipality.pk, "urbandata")
    rollups_refresh()
    return [
        f"{municipality.slug}: {len(stations)} demo air-quality stations, {readings} readings "
        f"and {rollups} rollups of {HISTORY_HOURS // 24} days"
    ]


def demo_load(*, botosani: Municipality | None, timisoara: Municipality | None) -> list[str]:
    """Timișoara's demo stations (Botoșani's seeds mention no air monitoring)."""
    if timisoara is None:
        return []
    return timisoara_stations_load(municipality=timisoara)
