"""A city's containers as the public sees them: each with its fill now (from its
``WasteContainer`` entity), in a fill band, listed, filtered, sorted and grouped by point.

The state is read from the entity's current attributes (one query for every container of
the city, the entity joined), so the map, the list, its CSV and the live JSON read the same
numbers. A fill observed longer ago than ``RECENT`` is "no recent reading": a silent sensor
must not keep a container green on the map.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from digiplace.urbandata.models import Alert, AlertState, Reading

from ..models import Collection, Container, Fraction, WasteSettings

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

FILL_ATTRIBUTE = "fillingLevel"
RECENT = datetime.timedelta(hours=24)
HISTORY_DAYS = 30


@dataclass(frozen=True)
class FillBand:
    """A range of fill levels, named in words (the colour is never the only sign)."""

    code: str
    label: str | Promise
    colour: str
    # The band holds fills from ``lower`` (included) up to ``upper`` (excluded; the top band
    # includes 1). None for the band of containers without a recent reading.
    lower: float | None
    upper: float | None


NO_READING = FillBand("none", _("no recent reading"), "#6b6b6b", None, None)
BANDS: tuple[FillBand, ...] = (
    FillBand("low", _("under 50 %"), "#4dac26", 0.0, 0.5),
    FillBand("medium", _("50–80 %"), "#fdb863", 0.5, 0.8),
    FillBand("high", _("80–95 %"), "#e66101", 0.8, 0.95),
    FillBand("full", _("over 95 %"), "#a50026", 0.95, None),
)
ALL_BANDS = (*BANDS, NO_READING)


def fill_band(fill: float | None) -> FillBand:
    if fill is None:
        return NO_READING
    for band in BANDS:
        assert band.lower is not None
        if fill >= band.lower and (band.upper is None or fill < band.upper):
            return band
    return BANDS[0]  # a negative fill from a faulty sensor reads as empty


def _moment(value: Any) -> datetime.datetime | None:
    if isinstance(value, dict):
        value = value.get("@value")
    moment = parse_datetime(value) if isinstance(value, str) else None
    return moment if moment is not None and moment.utcoffset() is not None else None


def _attribute(attributes: dict[str, Any], name: str) -> dict[str, Any]:
    attribute = attributes.get(name)
    return attribute if isinstance(attribute, dict) else {"value": attribute}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(frozen=True)
class ContainerState:
    """A container with what its sensor says now."""

    container: Container
    # The fill when it is recent; ``last_fill`` whatever its age, observed at ``observed_at``.
    fill: float | None
    last_fill: float | None
    observed_at: datetime.datetime | None
    temperature: float | None
    status: str
    last_emptied_at: datetime.datetime | None
    band: FillBand

    @property
    def percent(self) -> int | None:
        return None if self.fill is None else round(self.fill * 100)


def container_state(container: Container, *, now: datetime.datetime) -> ContainerState:
    entity = container.entity
    attributes: dict[str, Any] = (entity.attributes if entity is not None else None) or {}
    filling = _attribute(attributes, FILL_ATTRIBUTE)
    fill = _number(filling.get("value"))
    observed_at = _moment(filling.get("observedAt"))
    recent = observed_at is not None and now - observed_at <= RECENT
    status = _attribute(attributes, "status").get("value")
    return ContainerState(
        container=container,
        fill=fill if recent else None,
        last_fill=fill,
        observed_at=observed_at if fill is not None else None,
        temperature=_number(_attribute(attributes, "temperature").get("value")),
        status=status if isinstance(status, str) else "",
        last_emptied_at=_moment(_attribute(attributes, "dateLastEmptying").get("value")),
        band=fill_band(fill if recent else None),
    )


def collection_threshold(*, municipality: Municipality) -> float:
    """The city's collection threshold (the model's default until its settings are saved)."""
    found = WasteSettings.objects.filter(municipality=municipality).first()
    return (found or WasteSettings()).threshold


def public_containers(*, municipality: Municipality) -> QuerySet[Container]:
    """The city's containers in service, with their point and entity."""
    return Container.objects.filter(municipality=municipality, is_active=True).select_related(
        "point", "entity"
    )


@dataclass(frozen=True)
class ContainerFilters:
    fraction: str = ""
    neighbourhood: str = ""


def container_states(
    *, municipality: Municipality, now: datetime.datetime, filters: ContainerFilters | None = None
) -> list[ContainerState]:
    """Every container in service matching ``filters``, in code order (one query)."""
    containers = public_containers(municipality=municipality)
    if filters is not None and filters.fraction:
        containers = containers.filter(fraction=filters.fraction)
    if filters is not None and filters.neighbourhood:
        containers = containers.filter(point__neighbourhood=filters.neighbourhood)
    return [container_state(container, now=now) for container in containers.order_by("code")]


def neighbourhoods(*, municipality: Municipality) -> list[str]:
    """The neighbourhoods of the city's points that have a container in service."""
    names = (
        public_containers(municipality=municipality)
        .exclude(point__neighbourhood="")
        .values_list("point__neighbourhood", flat=True)
        .distinct()
    )
    return sorted(set(names))


# Sorting: key name → how a state sorts; states without a value go last in either order.
SORT_KEYS = ("fill", "emptied", "code", "point", "fraction")
DEFAULT_SORT = "code"


def _sort_value(state: ContainerState, key: str) -> Any:
    container = state.container
    if key == "fill":
        return state.fill
    if key == "emptied":
        return state.last_emptied_at
    if key == "point":
        return (container.point.street.casefold(), container.point.name.casefold())
    if key == "fraction":
        return str(Fraction(container.fraction).label).casefold()
    return container.code


def container_states_sorted(
    states: Sequence[ContainerState], *, key: str, descending: bool
) -> list[ContainerState]:
    """``states`` by ``key`` (one of ``SORT_KEYS``), then by code; missing values last."""
    by_code = sorted(states, key=lambda state: state.container.code)
    known = [state for state in by_code if _sort_value(state, key) is not None]
    missing = [state for state in by_code if _sort_value(state, key) is None]
    known.sort(key=lambda state: _sort_value(state, key), reverse=descending)
    return known + missing


@dataclass
class PointState:
    """A collection point with its containers' states (one marker on the map)."""

    point_id: int
    code: str
    name: str
    street: str
    latitude: float
    longitude: float
    is_demo: bool
    containers: list[ContainerState] = field(default_factory=list)

    @property
    def fullest(self) -> ContainerState:
        known = [state for state in self.containers if state.fill is not None]
        if known:
            return max(known, key=lambda state: state.fill or 0.0)
        return self.containers[0]

    @property
    def band(self) -> FillBand:
        return self.fullest.band


def point_states(states: Sequence[ContainerState]) -> list[PointState]:
    """``states`` grouped by point, in point code order."""
    points: dict[int, PointState] = {}
    for state in states:
        point = state.container.point
        if point.pk not in points:
            points[point.pk] = PointState(
                point_id=point.pk,
                code=point.code,
                name=point.name,
                street=point.street,
                latitude=point.latitude,
                longitude=point.longitude,
                is_demo=point.is_demo,
            )
        points[point.pk].containers.append(state)
    return sorted(points.values(), key=lambda point: point.code)


@dataclass(frozen=True)
class ContainersSummary:
    containers: int
    over_threshold: int
    without_reading: int
    open_alerts: int
    threshold: float
    is_demo: bool


def containers_summary(
    *, municipality: Municipality, states: Sequence[ContainerState], threshold: float
) -> ContainersSummary:
    """How many containers, how many at or over the collection threshold, how many open
    alerts on them (open or acknowledged: not yet resolved)."""
    entity_ids = [state.container.entity_id for state in states if state.container.entity_id]
    open_alerts = Alert.objects.filter(municipality=municipality, entity_id__in=entity_ids).exclude(
        state=AlertState.RESOLVED
    )
    return ContainersSummary(
        containers=len(states),
        over_threshold=sum(
            1 for state in states if state.fill is not None and state.fill >= threshold
        ),
        without_reading=sum(1 for state in states if state.fill is None),
        open_alerts=open_alerts.count() if entity_ids else 0,
        threshold=threshold,
        is_demo=any(state.container.point.is_demo for state in states)
        or any(state.container.entity.is_demo for state in states if state.container.entity),
    )


# A container's page


def public_container(*, municipality: Municipality, code: str) -> Container | None:
    return public_containers(municipality=municipality).filter(code=code).first()


def fill_history(
    container: Container, *, now: datetime.datetime, days: int = HISTORY_DAYS
) -> list[tuple[datetime.datetime, float]]:
    """The container's fill readings (0–1) over the last ``days`` days, oldest first."""
    if container.entity_id is None:
        return []
    rows = (
        Reading.objects.filter(
            entity_id=container.entity_id,
            attribute=FILL_ATTRIBUTE,
            observed_at__gte=now - datetime.timedelta(days=days),
            observed_at__lte=now,
            value__isnull=False,
        )
        .order_by("observed_at")
        .values_list("observed_at", "value")
    )
    return [(observed_at, value) for observed_at, value in rows if value is not None]


def container_collections(container: Container, *, limit: int = 20) -> QuerySet[Collection]:
    """Its latest collections; what a page may show of them (no person)."""
    return container.collections.order_by("-collected_at").only(
        "pk", "collected_at", "fill_before", "weight_kg", "weight_estimated", "source"
    )[:limit]


def container_alerts(container: Container, *, limit: int = 20) -> QuerySet[Alert]:
    """Its entity's latest alerts, with their rule (never who acknowledged them)."""
    if container.entity_id is None:
        return Alert.objects.none()
    return (
        Alert.objects.filter(
            municipality_id=container.municipality_id, entity_id=container.entity_id
        )
        .select_related("rule")
        .only("pk", "state", "opened_at", "resolved_at", "rule__name")
        .order_by("-opened_at")[:limit]
    )
