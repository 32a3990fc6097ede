"""Urban data's open datasets (``core.datasets``): hourly air quality per station and
pollutant, the daily European Air Quality Index per station, and the district-heating
substations' daily figures.

Every table reads the rollups the module keeps (never the raw readings, which are pruned)
and ends with the last complete hour or day, so that a regeneration within the same hour or
day gives the same files (and no new version). The window is ``OPENDATA_SERIES_DAYS`` days
(365 unless set). A year of hourly data for 55 stations is about 2.4 million rows: they are
streamed from one query, never held in memory.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, F, Sum
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.datasets import (
    Chart,
    Column,
    DatasetSpec,
    KeyFigure,
    Privacy,
    Row,
    dataset_register,
    figure_distinct,
    figure_mean,
    figure_total,
)

from .models import Entity, Rollup, RollupPeriod
from .selectors.air import Period, air_stations, hour_floor, station_series
from .selectors.heating import SUBSTATION
from .types import POLLUTANTS

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

MODULE = "urbandata"
DEFAULT_SERIES_DAYS = 365
# Rows fetched per round trip when streaming the hourly rollups.
CHUNK_SIZE = 10_000
MICROGRAMS = "µg/m³"


def series_days() -> int:
    """How many days back the time series go (setting ``OPENDATA_SERIES_DAYS``)."""
    return max(int(getattr(settings, "OPENDATA_SERIES_DAYS", DEFAULT_SERIES_DAYS)), 1)


def _utc_midnight(moment: datetime.datetime) -> datetime.datetime:
    return hour_floor(moment).replace(hour=0)


# --- Key figures: each reads the published rows once -----------------------------------


def _share_good(rows: Sequence[Row]) -> float | None:
    """Per cent of station-days whose index was Good or Fair."""
    levels = [row["index_level"] for row in rows if row["index_level"] is not None]
    if not levels:
        return None
    return round(100 * sum(1 for level in levels if level <= 2) / len(levels), 1)


def _poor_days(rows: Sequence[Row]) -> int:
    """Days on which at least one station's index was Poor or worse."""
    return len({row["day"] for row in rows if (row["index_level"] or 0) >= 4})


# --- Air quality, hourly ---------------------------------------------------------------


def _stations(municipality: Municipality) -> dict[int, tuple[str, str, float | None, float | None]]:
    return {
        pk: (entity_id, name, latitude, longitude)
        for pk, entity_id, name, latitude, longitude in air_stations(
            municipality=municipality
        ).values_list("pk", "entity_id", "name", "latitude", "longitude")
    }


def air_quality_available(municipality: Municipality) -> bool:
    return air_stations(municipality=municipality).exists()


def air_quality_rows(
    municipality: Municipality, *, now: datetime.datetime | None = None
) -> Iterator[Row]:
    """Each station's hourly mean of each pollutant over the window, station by station,
    pollutant by pollutant, hour by hour (the rollups' unique index gives that order)."""
    stations = _stations(municipality)
    end = hour_floor(now or timezone.now())  # the hour still running is left out
    start = end - datetime.timedelta(days=series_days())
    rollups = (
        Rollup.objects.filter(
            entity_id__in=list(stations),
            period=RollupPeriod.HOUR,
            attribute__in=POLLUTANTS,
            start__gte=start,
            start__lt=end,
            count__gt=0,
        )
        .order_by("entity_id", "attribute", "start")
        .values_list("entity_id", "attribute", "start", "total", "count")
    )
    for entity_pk, attribute, hour, total, count in rollups.iterator(chunk_size=CHUNK_SIZE):
        entity_id, name, latitude, longitude = stations[entity_pk]
        yield {
            "station_id": entity_id,
            "station_name": name,
            "latitude": latitude,
            "longitude": longitude,
            "hour": hour.astimezone(datetime.UTC),
            "pollutant": attribute,
            "value": round(total / count, 1),
            "unit": MICROGRAMS,
        }


_STATION_COLUMNS = (
    Column("station_id", "string", _("The station's NGSI-LD identifier.")),
    Column("station_name", "string", _("The station's name (where it stands).")),
    Column("latitude", "number", _("The station's latitude (WGS 84)."), "°"),
    Column("longitude", "number", _("The station's longitude (WGS 84)."), "°"),
)

AIR_QUALITY = DatasetSpec(
    module=MODULE,
    slug="urbandata-air-quality",
    title=_("Air quality, hour by hour"),
    description=_(
        "The mean concentration of each pollutant (PM2.5, PM10, nitrogen dioxide, ozone, "
        "sulphur dioxide) measured by each of the city's air-quality stations, for every "
        "hour of the last year. Hours are in UTC; the hour still running is not included."
    ),
    themes=("ENVI", "HEAL"),
    keywords=(_("air quality"), _("pollution"), _("particulate matter"), _("sensors")),
    # Hourly values, remade once a day: a year of them is millions of rows (the live values
    # are in the NGSI-LD API).
    frequency="DAILY",
    refresh=datetime.timedelta(days=1),
    # Each day's file holds the day before's: yesterday's stays for a harvest under way.
    versions_kept=datetime.timedelta(days=2),
    # Readings arrive all the time: the daily refresh publishes the hours completed since.
    on_change=False,
    privacy=Privacy(
        statement=_(
            "These are measurements of the air at fixed public stations: they are about no "
            "one, and nothing personal was collected."
        ),
        generalised=(_("Readings averaged over each hour"),),
        personal=False,
    ),
    columns=(
        *_STATION_COLUMNS,
        Column("hour", "datetime", _("The start of the hour (UTC, ISO 8601).")),
        Column(
            "pollutant",
            "string",
            _("The pollutant: pm25 (PM2.5), pm10 (PM10), no2, o3 or so2."),
        ),
        Column("value", "number", _("The hour's mean concentration."), MICROGRAMS),
        Column("unit", "string", _("The unit of the value.")),
    ),
    rows=air_quality_rows,
    # Over two million rows a year: more than a spreadsheet holds, and as JSON a file of
    # half a gigabyte nobody opens; CSV only.
    formats=("csv",),
    geometry=("latitude", "longitude"),
    temporal="hour",
    figures=(
        KeyFigure(_("Stations"), figure_distinct("station_id")),
        KeyFigure(_("Mean PM2.5"), figure_mean("value", pollutant="pm25"), MICROGRAMS),
        KeyFigure(
            _("Mean nitrogen dioxide (NO₂)"), figure_mean("value", pollutant="no2"), MICROGRAMS
        ),
    ),
    chart=Chart(x="pollutant", y="value", kind="bar", aggregate="mean"),
    available=air_quality_available,
)


# --- Air-quality index, daily ----------------------------------------------------------


def air_quality_index_rows(
    municipality: Municipality, *, now: datetime.datetime | None = None
) -> Iterator[Row]:
    """Each station's daily index (the worst hourly EAQI of the city's day, as the station's
    page shows it) and daily means, over the window's complete days; one query per station,
    so that only one station's year is in memory at a time."""
    zone = zoneinfo.ZoneInfo(municipality.time_zone)
    today = (now or timezone.now()).astimezone(zone).date()
    midnight = datetime.datetime.combine(today, datetime.time(), tzinfo=zone)
    # A moment just before the city's midnight: the series ends with yesterday.
    before_today = midnight - datetime.timedelta(microseconds=1)
    period = Period("open-data", series_days() * 24, True)
    for station in air_stations(municipality=municipality).only(
        "pk", "entity_id", "name", "latitude", "longitude", "municipality_id"
    ):
        for point in station_series(entity=station, period=period, now=before_today, zone=zone):
            if point.index is None:
                continue
            yield {
                "station_id": station.entity_id,
                "station_name": station.name,
                "latitude": station.latitude,
                "longitude": station.longitude,
                "day": point.start.date(),
                "index_level": point.index.level,
                "index_band": point.index.band.code,
                "dominant_pollutant": point.index.pollutant,
                **{
                    pollutant: (
                        round(point.values[pollutant], 1) if pollutant in point.values else None
                    )
                    for pollutant in POLLUTANTS
                },
            }


AIR_QUALITY_INDEX = DatasetSpec(
    module=MODULE,
    slug="urbandata-air-quality-index",
    title=_("Air-quality index, day by day"),
    description=_(
        "The European Air Quality Index of each of the city's air-quality stations for "
        "every day of the last year: the worst hourly index of the day (1 Good, 2 Fair, "
        "3 Moderate, 4 Poor, 5 Very poor, 6 Extremely poor, as the European Environment "
        "Agency computes it since 2024), the pollutant that set it, and the day's mean "
        "concentrations."
    ),
    themes=("ENVI", "HEAL"),
    keywords=(_("air quality"), _("air-quality index"), _("EAQI"), _("pollution")),
    frequency="DAILY",
    refresh=datetime.timedelta(days=1),
    on_change=False,
    privacy=Privacy(
        statement=_(
            "These are measurements of the air at fixed public stations: they are about no "
            "one, and nothing personal was collected."
        ),
        generalised=(_("Hourly indexes summarised as the day's worst"),),
        personal=False,
    ),
    columns=(
        *_STATION_COLUMNS,
        Column("day", "date", _("The day, in the city's time zone.")),
        Column(
            "index_level",
            "integer",
            _("The day's worst hourly index, from 1 (Good) to 6 (Extremely poor)."),
        ),
        Column(
            "index_band",
            "string",
            _("The index in words: good, fair, moderate, poor, very_poor, extremely_poor."),
        ),
        Column(
            "dominant_pollutant",
            "string",
            _("The pollutant that set the index: pm25, pm10, no2, o3 or so2."),
        ),
        Column("pm25", "number", _("The day's mean PM2.5 concentration."), MICROGRAMS),
        Column("pm10", "number", _("The day's mean PM10 concentration."), MICROGRAMS),
        Column("no2", "number", _("The day's mean nitrogen dioxide concentration."), MICROGRAMS),
        Column("o3", "number", _("The day's mean ozone concentration."), MICROGRAMS),
        Column("so2", "number", _("The day's mean sulphur dioxide concentration."), MICROGRAMS),
    ),
    rows=air_quality_index_rows,
    formats=("csv", "json", "xlsx", "geojson"),
    geometry=("latitude", "longitude"),
    temporal="day",
    figures=(
        KeyFigure(_("Stations"), figure_distinct("station_id")),
        KeyFigure(_("Station-days with good or fair air"), _share_good, "%"),
        KeyFigure(_("Days with poor air at a station"), _poor_days),
    ),
    chart=Chart(x="day", y="index_level", kind="line", aggregate="max"),
    available=air_quality_available,
)


# --- District heating, daily -----------------------------------------------------------

SUPPLY, RETURN, OUTDOOR = "supplyTemperature", "returnTemperature", "outdoorTemperature"
PRESSURE, FLOW, POWER = "pressure", "flow", "heatPower"
HEATING_MEANS = {
    SUPPLY: "supply_temperature",
    RETURN: "return_temperature",
    OUTDOOR: "outdoor_temperature",
    PRESSURE: "pressure",
    FLOW: "flow",
    POWER: "heat_power",
}


def heating_available(municipality: Municipality) -> bool:
    return Entity.objects.filter(municipality=municipality, type=SUBSTATION).exists()


def _heat_supplied(
    entity_pks: list[int], start: datetime.datetime, end: datetime.datetime
) -> dict[tuple[int, datetime.date], tuple[float, int]]:
    """(kWh, hours with data) per substation and UTC day: the hourly mean powers (kW) of
    the hours measured, added up (one aggregate query)."""
    rows = (
        Rollup.objects.filter(
            entity_id__in=entity_pks,
            period=RollupPeriod.HOUR,
            attribute=POWER,
            start__gte=start,
            start__lt=end,
            count__gt=0,
        )
        .annotate(day=Trunc("start", "day", tzinfo=datetime.UTC))
        .values("entity_id", "day")
        .annotate(energy=Sum(F("total") / F("count")), hours=Count("pk"))
        .order_by()
    )
    return {
        (row["entity_id"], row["day"].astimezone(datetime.UTC).date()): (
            row["energy"],
            row["hours"],
        )
        for row in rows
    }


def heating_rows(
    municipality: Municipality, *, now: datetime.datetime | None = None
) -> Iterator[Row]:
    """Each substation's daily means and heat supplied over the window's complete UTC
    days (the rollups' days), substation by substation, day by day."""
    substations = {
        pk: (entity_id, name, latitude, longitude)
        for pk, entity_id, name, latitude, longitude in Entity.objects.filter(
            municipality=municipality, type=SUBSTATION
        ).values_list("pk", "entity_id", "name", "latitude", "longitude")
    }
    end = _utc_midnight(now or timezone.now())
    start = end - datetime.timedelta(days=series_days())
    supplied = _heat_supplied(list(substations), start, end)
    rollups = (
        Rollup.objects.filter(
            entity_id__in=list(substations),
            period=RollupPeriod.DAY,
            attribute__in=list(HEATING_MEANS),
            start__gte=start,
            start__lt=end,
            count__gt=0,
        )
        .order_by("entity_id", "start")
        .values_list("entity_id", "start", "attribute", "total", "count")
    )
    current: tuple[int, datetime.date] | None = None
    means: dict[str, float] = {}

    def row(key: tuple[int, datetime.date]) -> Row:
        entity_id, name, latitude, longitude = substations[key[0]]
        supply, back = means.get(SUPPLY), means.get(RETURN)
        energy, hours = supplied.get(key, (None, 0))
        return {
            "substation_id": entity_id,
            "substation_name": name,
            "latitude": latitude,
            "longitude": longitude,
            "day": key[1],
            **{
                column: round(means[attribute], 2) if attribute in means else None
                for attribute, column in HEATING_MEANS.items()
            },
            "temperature_difference": (
                round(supply - back, 2) if supply is not None and back is not None else None
            ),
            "heat_supplied": round(energy, 1) if energy is not None else None,
            "hours_measured": hours,
        }

    for entity_pk, day_start, attribute, total, count in rollups.iterator(chunk_size=CHUNK_SIZE):
        key = (entity_pk, day_start.astimezone(datetime.UTC).date())
        if key != current:
            if current is not None:
                yield row(current)
            current, means = key, {}
        means[attribute] = total / count
    if current is not None:
        yield row(current)


DISTRICT_HEATING = DatasetSpec(
    module=MODULE,
    slug="urbandata-district-heating",
    title=_("District heating, day by day"),
    description=_(
        "For each substation of the district-heating network and each day of the last "
        "year: the mean supply and return temperatures of the water, their difference, the "
        "outdoor temperature, the pressure and flow, the mean heat power and the heat "
        "supplied. Days are UTC days."
    ),
    themes=("ENER",),
    keywords=(_("district heating"), _("energy"), _("heat"), _("substations")),
    frequency="DAILY",
    refresh=datetime.timedelta(days=1),
    on_change=False,
    privacy=Privacy(
        statement=_(
            "Each figure is measured at a heating substation, which serves many homes, and "
            "averaged over a whole day: no home or household is measured or shown."
        ),
        generalised=(_("Readings averaged per substation and day"),),
        personal=False,
    ),
    columns=(
        Column("substation_id", "string", _("The substation's NGSI-LD identifier.")),
        Column("substation_name", "string", _("The substation's name.")),
        Column("latitude", "number", _("The substation's latitude (WGS 84)."), "°"),
        Column("longitude", "number", _("The substation's longitude (WGS 84)."), "°"),
        Column("day", "date", _("The day (UTC).")),
        Column(
            "supply_temperature",
            "number",
            _("The mean temperature of the water sent to the buildings."),
            "°C",
        ),
        Column(
            "return_temperature",
            "number",
            _("The mean temperature of the water coming back."),
            "°C",
        ),
        Column("outdoor_temperature", "number", _("The mean outdoor temperature."), "°C"),
        Column("pressure", "number", _("The mean pressure."), "bar"),
        Column("flow", "number", _("The mean flow of water."), "m³/h"),
        Column("heat_power", "number", _("The mean heat power delivered."), "kW"),
        Column(
            "temperature_difference",
            "number",
            _("Supply minus return temperature: the heat the buildings took from the water."),
            "°C",
        ),
        Column(
            "heat_supplied",
            "number",
            _("The heat supplied: the hourly mean powers of the hours measured, added up."),
            "kWh",
        ),
        Column(
            "hours_measured",
            "integer",
            _("How many hours of the day the heat power was measured (at most 24)."),
        ),
    ),
    rows=heating_rows,
    formats=("csv", "json", "xlsx", "geojson"),
    geometry=("latitude", "longitude"),
    temporal="day",
    figures=(
        KeyFigure(_("Substations"), figure_distinct("substation_id")),
        KeyFigure(_("Heat supplied"), figure_total("heat_supplied", scale=0.001), "MWh"),
        KeyFigure(_("Mean supply temperature"), figure_mean("supply_temperature"), "°C"),
    ),
    chart=Chart(x="day", y="heat_supplied", kind="line", aggregate="sum"),
    available=heating_available,
)


DATASETS = (AIR_QUALITY, AIR_QUALITY_INDEX, DISTRICT_HEATING)


def register() -> None:
    for spec in DATASETS:
        dataset_register(spec)
