"""Fill forecasts of a city's containers, from what the platform knows of them.

A container's history is its entity's ``fillingLevel`` readings (urban data's raw time
series) and its emptyings: the module's ``Collection`` rows, plus the entity's current
``dateLastEmptying`` when a sensor reported one nobody recorded as a collection. The
``fillingLevel`` of 0 that recording a collection writes at the collection's very moment is
left out (the forecast engine reads a reading at an emptying's moment as the level found
before it); the collection's ``fill_before``, when known, stands there instead.

The shape shared by a fraction's containers (the week profile and the prior rate) is fitted
on all of them and cached per city, fraction and hour; each container's own rate is fitted
on its history against that prior (``digiplace.waste.forecast``). A container with neither
a reading nor an emptying has no forecast (None): nothing says where its fill stands.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.utils.dateparse import parse_datetime

from digiplace.core.cache_versions import cache_version
from digiplace.urbandata.models import Reading

from ..forecast import (
    FillHistory,
    FillModel,
    FillObservation,
    FillPrior,
    ForecastInputError,
    WeekProfile,
    fill_model_fit,
    fill_prior_fit,
    week_profile_fit,
)
from ..models import Collection, Container, WasteSettings

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

FILL_ATTRIBUTE = "fillingLevel"
# How far back histories are read: three half-lives of the engine's recency weights (14
# days), so older cycles would weigh an eighth or less anyway.
HISTORY_DAYS = 42
# The growth curve's exponent that fits best on Edinburgh's bins (bench/waste_forecast.py).
# Where no cycle starts at a known emptying (sensors only, nobody recording collections),
# only linear growth can use the cycles, so the shape falls back to 1.
GROWTH_EXPONENT = 0.4
FALLBACK_EXPONENT = 1.0
# A time-to-threshold further off than this is reported as "not within" it.
HORIZON = datetime.timedelta(days=60)
CACHE_SECONDS = 2 * 3600


@dataclass(frozen=True)
class ContainerForecast:
    """What a container's page and the planner show: the fill predicted now and when it is
    predicted to reach the threshold (``threshold_at``; None: not within 60 days)."""

    container_id: int
    fill_now: float
    threshold: float
    threshold_at: datetime.datetime | None
    last_known_at: datetime.datetime
    cycles_used: int
    model: FillModel

    def fill_at(self, at: datetime.datetime) -> float:
        """The predicted fill at ``at`` (from the last known fill when ``at`` is before it)."""
        return self.model.predict_fill(max(at, self.last_known_at))


def city_settings(municipality: Municipality) -> WasteSettings:
    """The city's waste settings; an unsaved row with the model's defaults when it has none."""
    found = WasteSettings.objects.filter(municipality=municipality).first()
    return found if found is not None else WasteSettings(municipality=municipality)


def _last_emptying_attribute(attributes: Any) -> datetime.datetime | None:
    attribute = (attributes or {}).get("dateLastEmptying")
    value = attribute.get("value") if isinstance(attribute, dict) else attribute
    if isinstance(value, dict):
        value = value.get("@value")
    moment = parse_datetime(value) if isinstance(value, str) else None
    return moment if moment is not None and moment.utcoffset() is not None else None


def container_histories(
    containers: Sequence[Container], *, now: datetime.datetime, days: int = HISTORY_DAYS
) -> dict[int, FillHistory]:
    """Each container's fill history over the last ``days`` days up to ``now``, by id."""
    since = now - datetime.timedelta(days=days)
    by_entity = {c.entity_id: c.pk for c in containers if c.entity_id is not None}
    emptyings: dict[int, dict[datetime.datetime, float | None]] = defaultdict(dict)
    for container_id, collected_at, fill_before in Collection.objects.filter(
        container__in=[c.pk for c in containers],
        collected_at__gte=since,
        collected_at__lte=now,
    ).values_list("container_id", "collected_at", "fill_before"):
        emptyings[container_id][collected_at] = fill_before
    for container in containers:
        entity = container.entity
        moment = _last_emptying_attribute(entity.attributes) if entity is not None else None
        if moment is not None and since <= moment <= now:
            emptyings[container.pk].setdefault(moment, None)
    readings: dict[int, list[FillObservation]] = defaultdict(list)
    rows = Reading.objects.filter(
        entity_id__in=list(by_entity),
        attribute=FILL_ATTRIBUTE,
        observed_at__gte=since,
        observed_at__lte=now,
        value__isnull=False,
    ).values_list("entity_id", "observed_at", "value")
    for entity_id, observed_at, value in rows.iterator(chunk_size=5000):
        container_id = by_entity[entity_id]
        if observed_at in emptyings[container_id]:
            continue  # the reset a collection writes, or a level replaced by fill_before
        level = min(max(float(value or 0.0), 0.0), 1.0)
        readings[container_id].append(FillObservation(observed_at, level))
    histories = {}
    for container in containers:
        found = emptyings[container.pk]
        observations = readings[container.pk] + [
            FillObservation(moment, level) for moment, level in found.items() if level is not None
        ]
        histories[container.pk] = FillHistory(observations, tuple(found))
    return histories


def _shape_fit(histories: Iterable[FillHistory], time_zone: str) -> FillPrior | None:
    usable = [h for h in histories if h.observations or h.emptyings]
    for exponent in (GROWTH_EXPONENT, FALLBACK_EXPONENT):
        try:
            profile = week_profile_fit(usable, time_zone=time_zone, growth_exponent=exponent)
            return fill_prior_fit(usable, profile=profile, growth_exponent=exponent)
        except ForecastInputError:
            continue
    return None


def _shape_key(municipality: Municipality, fraction: str, now: datetime.datetime) -> str:
    hour = now.astimezone(datetime.UTC).strftime("%Y%m%d%H")
    version = cache_version(municipality.pk, "waste")
    return f"waste:forecast-shape:{municipality.pk}:{fraction}:{hour}:{version}"


def fraction_prior(
    *,
    municipality: Municipality,
    fraction: str,
    now: datetime.datetime,
    histories: dict[int, FillHistory] | None = None,
) -> FillPrior | None:
    """The week profile and prior rate shared by the city's containers of ``fraction``,
    fitted on their histories (cached for the hour); None when none has a usable cycle."""
    key = _shape_key(municipality, fraction, now)
    cached = cache.get(key)
    if cached is not None:
        if cached == "none":
            return None
        weights, zone, rate, weight_hours, exponent = cached
        return FillPrior(rate, WeekProfile(tuple(weights), zone), weight_hours, exponent)
    if histories is None:
        containers = list(_fraction_containers(municipality, fraction))
        histories = container_histories(containers, now=now)
    prior = _shape_fit(histories.values(), municipality.time_zone)
    value: Any = "none"
    if prior is not None:
        value = (
            list(prior.profile.weights),
            prior.profile.time_zone,
            prior.rate_per_hour,
            prior.weight_hours,
            prior.growth_exponent,
        )
    cache.set(key, value, CACHE_SECONDS)
    return prior


def _fraction_containers(municipality: Municipality, fraction: str) -> Iterable[Container]:
    return Container.objects.filter(
        municipality=municipality, fraction=fraction, is_active=True
    ).select_related("entity")


def _model(history: FillHistory, prior: FillPrior, now: datetime.datetime) -> FillModel | None:
    if not (history.observations or history.emptyings):
        return None
    model = fill_model_fit(history, prior=prior, now=now)
    return model if model.anchor_at is not None else None


def _forecast(
    container_id: int, model: FillModel, *, threshold: float, now: datetime.datetime
) -> ContainerForecast:
    assert model.anchor_at is not None
    at = max(now, model.anchor_at)
    return ContainerForecast(
        container_id=container_id,
        fill_now=model.predict_fill(at),
        threshold=threshold,
        threshold_at=model.time_to_threshold(threshold, at, horizon=HORIZON),
        last_known_at=model.anchor_at,
        cycles_used=model.segments_used,
        model=model,
    )


def fraction_forecasts(
    *,
    municipality: Municipality,
    fraction: str,
    now: datetime.datetime,
    threshold: float | None = None,
    containers: Sequence[Container] | None = None,
) -> dict[int, ContainerForecast | None]:
    """Every active container of ``fraction`` (or the given ``containers`` of it), by id:
    its forecast, or None without data. One read of the histories for all (planning)."""
    if threshold is None:
        threshold = city_settings(municipality).threshold
    chosen = (
        list(containers)
        if containers is not None
        else list(_fraction_containers(municipality, fraction))
    )
    histories = container_histories(chosen, now=now)
    prior = fraction_prior(
        municipality=municipality,
        fraction=fraction,
        now=now,
        histories=histories if containers is None else None,
    )
    forecasts: dict[int, ContainerForecast | None] = {}
    for container in chosen:
        model = _model(histories[container.pk], prior, now) if prior is not None else None
        forecasts[container.pk] = (
            _forecast(container.pk, model, threshold=threshold, now=now) if model else None
        )
    return forecasts


def container_forecast(
    container: Container, *, now: datetime.datetime, threshold: float | None = None
) -> ContainerForecast | None:
    """One container's forecast (its page): the fill predicted now and when it reaches
    ``threshold`` (default: the city's); None without data or when no container of its
    fraction has a usable fill cycle yet."""
    return fraction_forecasts(
        municipality=container.municipality,
        fraction=container.fraction,
        now=now,
        threshold=threshold,
        containers=[container],
    )[container.pk]
