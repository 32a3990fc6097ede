"""Waste's open datasets (``core.datasets``): the daily fill of the containers at each
collection point, and the collections made each day, route by route.

Fill levels come from the daily rollups of the containers' ``WasteContainer`` entities
(urban data), grouped in the database by collection point and fraction. Both tables end with
the last complete day, so that a regeneration within the same day gives the same files; the
window is ``OPENDATA_SERIES_DAYS`` days (365 unless set). Nobody who works on the rounds is
named: no driver, no truck, no staff note.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import TruncDate
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
from digiplace.urbandata.models import Rollup, RollupPeriod

from .models import Collection, CollectionPoint, Container, PlanRoute
from .selectors.containers import FILL_ATTRIBUTE
from .selectors.figures import DRIVEN_STATUSES

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

MODULE = "waste"
DEFAULT_SERIES_DAYS = 365
CHUNK_SIZE = 10_000


def series_days() -> int:
    """How many days back the tables go (setting ``OPENDATA_SERIES_DAYS``)."""
    return max(int(getattr(settings, "OPENDATA_SERIES_DAYS", DEFAULT_SERIES_DAYS)), 1)


def _share_over(column: str, threshold: float) -> Callable[[Sequence[Row]], float | None]:
    def compute(rows: Sequence[Row]) -> float | None:
        values = [row[column] for row in rows if row[column] is not None]
        if not values:
            return None
        return round(100 * sum(1 for value in values if value >= threshold) / len(values), 1)

    return compute


# --- Fill levels -----------------------------------------------------------------------


def fill_levels_available(municipality: Municipality) -> bool:
    return Container.objects.filter(municipality=municipality, entity__isnull=False).exists()


def fill_level_rows(
    municipality: Municipality, *, now: datetime.datetime | None = None
) -> Iterator[Row]:
    """Per collection point, fraction and UTC day: the mean and highest fill of its
    containers that day, from the daily rollups, grouped in one query."""
    points = {
        pk: (code, name, neighbourhood, latitude, longitude)
        for pk, code, name, neighbourhood, latitude, longitude in CollectionPoint.objects.filter(
            municipality=municipality
        ).values_list("pk", "code", "name", "neighbourhood", "latitude", "longitude")
    }
    moment = (now or timezone.now()).astimezone(datetime.UTC)
    end = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - datetime.timedelta(days=series_days())
    days = (
        Rollup.objects.filter(
            entity__municipality=municipality,
            entity__waste_container__municipality=municipality,
            period=RollupPeriod.DAY,
            attribute=FILL_ATTRIBUTE,
            start__gte=start,
            start__lt=end,
            count__gt=0,
        )
        .values(
            point_pk=F("entity__waste_container__point_id"),
            point_code=F("entity__waste_container__point__code"),
            fraction=F("entity__waste_container__fraction"),
            day_start=F("start"),
        )
        .annotate(
            fill_total=Sum("total"),
            fill_readings=Sum("count"),
            fill_highest=Max("maximum"),
            containers=Count("entity_id", distinct=True),
        )
        .order_by("point_code", "day_start", "fraction")
    )
    for day in days.iterator(chunk_size=CHUNK_SIZE):
        code, name, neighbourhood, latitude, longitude = points[day["point_pk"]]
        yield {
            "point_code": code,
            "point_name": name,
            "neighbourhood": neighbourhood,
            "latitude": latitude,
            "longitude": longitude,
            "fraction": day["fraction"],
            "day": day["day_start"].astimezone(datetime.UTC).date(),
            "containers": day["containers"],
            "mean_fill": round(100 * day["fill_total"] / day["fill_readings"], 1),
            "max_fill": round(100 * day["fill_highest"], 1),
        }


_FRACTIONS = _("The fraction: residual, paper, plastic (with metal), glass or bio.")

FILL_LEVELS = DatasetSpec(
    module=MODULE,
    slug="waste-fill-levels",
    title=_("Waste containers: how full, day by day"),
    description=_(
        "For each public collection point and each kind of waste, the mean and highest "
        "fill of its containers each day of the last year, as their sensors measured it. "
        "Days are UTC days."
    ),
    themes=("ENVI", "REGI"),
    keywords=(_("waste"), _("recycling"), _("containers"), _("sensors")),
    frequency="DAILY",
    refresh=datetime.timedelta(days=1),
    # A new point or container shows the next day; its readings are urban data's, which
    # change all the time: the daily refresh publishes each complete day.
    on_change=False,
    depends_on=(MODULE, "urbandata"),
    privacy=Privacy(
        statement=_(
            "These are measurements of public waste containers at public collection points: "
            "they are about no one, and nothing personal was collected."
        ),
        generalised=(_("Sensor readings averaged per collection point, fraction and day"),),
        personal=False,
    ),
    columns=(
        Column("point_code", "string", _("The collection point's code.")),
        Column("point_name", "string", _("The collection point's name (where it stands).")),
        Column("neighbourhood", "string", _("The neighbourhood.")),
        Column("latitude", "number", _("The collection point's latitude (WGS 84)."), "°"),
        Column("longitude", "number", _("The collection point's longitude (WGS 84)."), "°"),
        Column("fraction", "string", _FRACTIONS),
        Column("day", "date", _("The day (UTC).")),
        Column(
            "containers",
            "integer",
            _("How many of the point's containers of that fraction sent readings that day."),
        ),
        Column("mean_fill", "number", _("The containers' mean fill over the day."), "%"),
        Column("max_fill", "number", _("The highest fill measured that day."), "%"),
    ),
    rows=fill_level_rows,
    geometry=("latitude", "longitude"),
    temporal="day",
    figures=(
        KeyFigure(_("Collection points"), figure_distinct("point_code")),
        KeyFigure(_("Mean fill"), figure_mean("mean_fill"), "%"),
        KeyFigure(_("Point-days over 80 per cent full"), _share_over("max_fill", 80.0), "%"),
    ),
    chart=Chart(x="day", y="mean_fill", kind="line", aggregate="mean"),
    available=fill_levels_available,
)


# --- Collections -----------------------------------------------------------------------


def collections_available(municipality: Municipality) -> bool:
    return Collection.objects.filter(municipality=municipality).exists()


def _empty() -> dict[str, Any]:
    return {"containers": 0, "points": 0, "weight": None, "weighed": 0, "distance": None}


def collection_rows(
    municipality: Municipality, *, now: datetime.datetime | None = None
) -> Iterator[Row]:
    """Per day, fraction and route: containers and points emptied, kilograms and the
    route's planned kilometres; collections made outside a planned route (a sensor or staff
    recorded them) are one row per day and fraction without a route number. Three aggregate
    queries over the window's complete days, in the city's time zone."""
    zone = zoneinfo.ZoneInfo(municipality.time_zone)
    today = (now or timezone.now()).astimezone(zone).date()
    first = today - datetime.timedelta(days=series_days())
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(today, datetime.time(), tzinfo=zone)
    # (day, fraction, route number or None) → figures
    table: dict[tuple[datetime.date, str, int | None], dict[str, Any]] = defaultdict(_empty)
    figures = {
        "count_containers": Count("container_id", distinct=True),
        "count_points": Count("container__point_id", distinct=True),
        "kilograms": Sum("weight_kg"),
        "count_weighed": Count("pk", filter=Q(weight_estimated=False, weight_kg__isnull=False)),
    }
    routes = PlanRoute.objects.filter(
        plan__municipality=municipality,
        plan__status__in=DRIVEN_STATUSES,
        plan__day__gte=first,
        plan__day__lt=today,
    ).values_list("plan__day", "plan__fraction", "number", "distance_m")
    for day, fraction, number, metres in routes:
        table[(day, fraction, number)]["distance"] = round(metres / 1000, 1)
    on_routes = (
        Collection.objects.filter(
            municipality=municipality,
            stop__route__plan__municipality=municipality,
            stop__route__plan__day__gte=first,
            stop__route__plan__day__lt=today,
        )
        .values(
            day=F("stop__route__plan__day"),
            fraction=F("stop__route__plan__fraction"),
            number=F("stop__route__number"),
        )
        .annotate(**figures)
        .order_by()
    )
    off_routes = (
        Collection.objects.filter(
            municipality=municipality,
            stop__isnull=True,
            collected_at__gte=start,
            collected_at__lt=end,
        )
        .annotate(day=TruncDate("collected_at", tzinfo=zone))
        .values("day", fraction=F("container__fraction"))
        .annotate(**figures)
        .order_by()
    )
    for found in (*on_routes, *off_routes):
        entry = table[(found["day"], found["fraction"], found.get("number"))]
        entry["containers"] = found["count_containers"]
        entry["points"] = found["count_points"]
        entry["weight"] = round(found["kilograms"], 1) if found["kilograms"] is not None else None
        entry["weighed"] = found["count_weighed"]
    for (row_day, row_fraction, row_route), entry in sorted(
        table.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or 0)
    ):
        yield {
            "day": row_day,
            "fraction": row_fraction,
            "route": row_route,
            "containers_emptied": entry["containers"],
            "points_emptied": entry["points"],
            "weight": entry["weight"],
            "weighed": entry["weighed"],
            "distance": entry["distance"],
        }


COLLECTIONS = DatasetSpec(
    module=MODULE,
    slug="waste-collections",
    title=_("Waste collections, day by day"),
    description=_(
        "What the collection rounds emptied each day of the last year, for each kind of "
        "waste and each route: containers and collection points emptied, the weight "
        "collected and the route's planned length. Collections made outside a planned "
        "route (reported by a sensor or recorded by staff) have no route number."
    ),
    themes=("ENVI", "REGI"),
    keywords=(_("waste"), _("recycling"), _("collection rounds")),
    frequency="DAILY",
    refresh=datetime.timedelta(days=1),
    privacy=Privacy(
        statement=_(
            "These figures describe the city's waste service. The people who work on the "
            "rounds are not named: no driver, no truck and no note is published."
        ),
        removed=(
            _("Who marked each container emptied"),
            _("Trucks"),
            _("Drivers' notes on problems"),
        ),
        generalised=(_("Collections counted per day, fraction and route"),),
        personal=False,
    ),
    columns=(
        Column("day", "date", _("The day, in the city's time zone.")),
        Column("fraction", "string", _FRACTIONS),
        Column(
            "route",
            "integer",
            _("The route's number in the day's plan; empty for collections outside a route."),
        ),
        Column("containers_emptied", "integer", _("How many containers were emptied.")),
        Column("points_emptied", "integer", _("How many collection points were visited.")),
        Column(
            "weight",
            "number",
            _("The weight collected: weighed, or estimated from the fill when not weighed."),
            "kg",
        ),
        Column("weighed", "integer", _("How many of the collections were weighed.")),
        Column("distance", "number", _("The route's planned length."), "km"),
    ),
    rows=collection_rows,
    temporal="day",
    figures=(
        KeyFigure(_("Containers emptied"), figure_total("containers_emptied")),
        KeyFigure(_("Waste collected"), figure_total("weight", scale=0.001), "t"),
        KeyFigure(_("Kilometres planned"), figure_total("distance"), "km"),
    ),
    chart=Chart(x="day", y="weight", kind="bar", aggregate="sum"),
    available=collections_available,
)


DATASETS = (FILL_LEVELS, COLLECTIONS)


def register() -> None:
    for spec in DATASETS:
        dataset_register(spec)
