"""The city's waste figures per week: weight collected (separately and in all), the
recycling rate, kilograms per person, collections and planned kilometres.

Weeks run Monday to Sunday in the city's time zone. Weights come from ``Collection``
rows (weighed, or estimated from the fill when nobody weighed them); a collection without a
weight counts as a collection but adds no kilograms. Kilometres are the routes of plans that
went out to the drivers (published or done), on the plan's day.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from ..models import SEPARATE_FRACTIONS, Collection, PlanRoute, PlanStatus, WasteSettings

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

WEEKS = 12
DAYS_PER_YEAR = 365.25
# Plans whose routes were driven, or given to the drivers to drive.
DRIVEN_STATUSES = (PlanStatus.PUBLISHED, PlanStatus.DONE)


@dataclass(frozen=True)
class WeekFigures:
    start: datetime.date  # a Monday
    collections: int
    weight_kg: float
    separate_kg: float
    distance_m: int
    population: int | None
    is_complete: bool  # False for the week still running

    @property
    def end(self) -> datetime.date:
        return self.start + datetime.timedelta(days=6)

    @property
    def has_data(self) -> bool:
        return self.collections > 0 or self.distance_m > 0

    @property
    def recycling_rate(self) -> float | None:
        """Separately collected weight over all weight, in per cent (None without weight)."""
        if self.weight_kg <= 0:
            return None
        return 100 * self.separate_kg / self.weight_kg

    @property
    def kg_per_person(self) -> float | None:
        if not self.population or self.weight_kg <= 0:
            return None
        return self.weight_kg / self.population

    @property
    def kg_per_person_year(self) -> float | None:
        """The week's kilograms per person at that pace for a whole year."""
        week = self.kg_per_person
        return None if week is None else week * DAYS_PER_YEAR / 7

    @property
    def kilometres(self) -> float:
        return self.distance_m / 1000


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def city_population(*, municipality: Municipality) -> int | None:
    found = WasteSettings.objects.filter(municipality=municipality).first()
    return found.population if found is not None else None


def weekly_figures(
    *, municipality: Municipality, today: datetime.date, weeks: int = WEEKS
) -> list[WeekFigures]:
    """The ``weeks`` weeks up to the one holding ``today`` (the city's date), oldest first;
    the last is still running. Three queries, whatever the number of collections."""
    zone = zoneinfo.ZoneInfo(municipality.time_zone)
    current = week_start(today)
    first = current - datetime.timedelta(weeks=weeks - 1)
    after = current + datetime.timedelta(days=7)
    start_moment = datetime.datetime.combine(first, datetime.time(), tzinfo=zone)
    end_moment = datetime.datetime.combine(after, datetime.time(), tzinfo=zone)

    collections: dict[datetime.date, int] = defaultdict(int)
    weight: dict[datetime.date, float] = defaultdict(float)
    separate: dict[datetime.date, float] = defaultdict(float)
    rows = (
        Collection.objects.filter(
            municipality=municipality,
            collected_at__gte=start_moment,
            collected_at__lt=end_moment,
        )
        .annotate(day=TruncDate("collected_at", tzinfo=zone))
        .values("day", "container__fraction")
        .annotate(count=Count("pk"), kilograms=Sum("weight_kg"))
        .order_by()
    )
    separate_codes = {str(fraction) for fraction in SEPARATE_FRACTIONS}
    for row in rows:
        week = week_start(row["day"])
        collections[week] += row["count"]
        kilograms = row["kilograms"] or 0.0
        weight[week] += kilograms
        if row["container__fraction"] in separate_codes:
            separate[week] += kilograms

    distance: dict[datetime.date, int] = defaultdict(int)
    routes = (
        PlanRoute.objects.filter(
            plan__municipality=municipality,
            plan__status__in=DRIVEN_STATUSES,
            plan__day__gte=first,
            plan__day__lt=after,
        )
        .values("plan__day")
        .annotate(metres=Sum("distance_m"))
        .order_by()
    )
    for row in routes:
        distance[week_start(row["plan__day"])] += row["metres"] or 0

    population = city_population(municipality=municipality)
    return [
        WeekFigures(
            start=start,
            collections=collections[start],
            weight_kg=weight[start],
            separate_kg=separate[start],
            distance_m=distance[start],
            population=population,
            is_complete=start < current,
        )
        for start in (first + datetime.timedelta(weeks=number) for number in range(weeks))
    ]
