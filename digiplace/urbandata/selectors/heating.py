"""Reads of the district-heating dashboard: the city's substations with their latest supply
and return temperatures, difference, pressure and flow, each with its state (ok, out of
range, open alert), and one substation's hourly series from the rollups."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Alert, AlertRule, AlertRuleKind, AlertState, Entity, Rollup, RollupPeriod

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from digiplace.core.models import Municipality

SUBSTATION = "HeatSubstation"
SUPPLY, RETURN = "supplyTemperature", "returnTemperature"
CHART_ATTRIBUTES = (SUPPLY, RETURN, "outdoorTemperature", "pressure", "flow")
OPEN_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)

STATE_OK = "ok"
STATE_OUT_OF_RANGE = "out_of_range"
STATE_ALERT = "alert"
STATE_NO_DATA = "no_data"
STATE_LABELS: dict[str, str | Promise] = {
    STATE_OK: _("normal"),
    STATE_OUT_OF_RANGE: _("out of range"),
    STATE_ALERT: _("open alert"),
    STATE_NO_DATA: _("no data"),
}


@dataclass
class SubstationRow:
    entity: Entity
    supply: float | None
    return_temperature: float | None
    pressure: float | None
    flow: float | None
    outdoor: float | None
    observed_at: datetime.datetime | None
    state: str = STATE_OK
    reasons: list[str] = field(default_factory=list)
    open_alerts: int = 0

    @property
    def difference(self) -> float | None:
        if self.supply is None or self.return_temperature is None:
            return None
        return round(self.supply - self.return_temperature, 1)

    @property
    def state_label(self) -> str | Promise:
        return STATE_LABELS[self.state]


def _number(entity: Entity, name: str) -> float | None:
    attribute = (entity.attributes or {}).get(name)
    value = attribute.get("value") if isinstance(attribute, dict) else attribute
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def heating_rules(*, municipality: Municipality) -> list[AlertRule]:
    return list(
        AlertRule.objects.filter(
            municipality=municipality, entity_type=SUBSTATION, is_active=True
        ).order_by("pk")
    )


def rule_broken(rule: AlertRule, row: SubstationRow) -> str | None:
    """Why the substation's latest values break the rule (its name and the value), or None.
    The same conditions as the alert rules' (services.alerts): above, below, and heat loss
    when supply − return exceeds the threshold."""
    if rule.entity_id is not None and rule.entity_id != row.entity.pk:
        return None
    if rule.threshold is None:
        return None
    value: float | None
    if rule.kind == AlertRuleKind.HEAT_LOSS:
        value = row.difference
        broken = value is not None and value > rule.threshold
    elif rule.kind in (AlertRuleKind.ABOVE, AlertRuleKind.BELOW):
        value = _number(row.entity, rule.attribute)
        if value is None:
            return None
        broken = (
            value > rule.threshold if rule.kind == AlertRuleKind.ABOVE else value < rule.threshold
        )
    else:
        return None
    if not broken or value is None:
        return None
    return f"{rule.name}: {value:g}"


def substation_rows(*, municipality: Municipality) -> list[SubstationRow]:
    """Every substation of the city with its latest values and state, in two queries plus
    the rules."""
    rules = heating_rules(municipality=municipality)
    entities = (
        Entity.objects.filter(municipality=municipality, type=SUBSTATION)
        .select_related("department")
        .prefetch_related(
            Prefetch(
                "alerts",
                queryset=Alert.objects.filter(state__in=OPEN_STATES),
                to_attr="open_alert_list",
            )
        )
        .order_by("name", "entity_id")
    )
    rows: list[SubstationRow] = []
    for entity in entities:
        row = SubstationRow(
            entity=entity,
            supply=_number(entity, SUPPLY),
            return_temperature=_number(entity, RETURN),
            pressure=_number(entity, "pressure"),
            flow=_number(entity, "flow"),
            outdoor=_number(entity, "outdoorTemperature"),
            observed_at=entity.last_observed_at,
        )
        row.open_alerts = len(getattr(entity, "open_alert_list", []))
        row.reasons = [reason for rule in rules if (reason := rule_broken(rule, row))]
        if row.open_alerts:
            row.state = STATE_ALERT
        elif row.reasons:
            row.state = STATE_OUT_OF_RANGE
        elif row.supply is None and row.pressure is None:
            row.state = STATE_NO_DATA
        rows.append(row)
    return rows


def substation_get(*, municipality: Municipality, pk: int) -> Entity | None:
    return (
        Entity.objects.filter(municipality=municipality, type=SUBSTATION, pk=pk)
        .select_related("department")
        .first()
    )


def substation_row(*, entity: Entity) -> SubstationRow:
    rows = [
        row
        for row in substation_rows(municipality=entity.municipality)
        if row.entity.pk == entity.pk
    ]
    return rows[0]


@dataclass(frozen=True)
class HourlySeries:
    """Hours (aware datetimes, oldest first) and, per attribute, the hourly mean (None where
    the hour has no rollup)."""

    hours: list[datetime.datetime]
    means: dict[str, list[float | None]]


def substation_hourly(
    *,
    entity: Entity,
    hours: int = 72,
    now: datetime.datetime | None = None,
    attributes: tuple[str, ...] = CHART_ATTRIBUTES,
) -> HourlySeries:
    """The last ``hours`` hours of hourly means, read from the rollups in one query."""
    now = now or timezone.now()
    end = now.replace(minute=0, second=0, microsecond=0)
    start = end - datetime.timedelta(hours=hours - 1)
    slots = [start + datetime.timedelta(hours=index) for index in range(hours)]
    position = {slot: index for index, slot in enumerate(slots)}
    means: dict[str, list[float | None]] = {name: [None] * hours for name in attributes}
    rollups = Rollup.objects.filter(
        entity=entity,
        period=RollupPeriod.HOUR,
        attribute__in=attributes,
        start__gte=start,
        start__lte=end,
    ).values_list("attribute", "start", "total", "count")
    for attribute, moment, total, count in rollups:
        index = position.get(moment)
        if index is not None and count:
            means[attribute][index] = round(total / count, 2)
    return HourlySeries(hours=slots, means=means)


def substation_map_features(rows: list[SubstationRow], *, urls: dict[int, str]) -> dict[str, Any]:
    """GeoJSON of the substations, each with its state (the map colours by it)."""
    features = []
    for row in rows:
        entity = row.entity
        if entity.latitude is None or entity.longitude is None:
            continue
        parts = [str(row.state_label)]
        if row.supply is not None and row.return_temperature is not None:
            parts.append(f"{row.supply:g} / {row.return_temperature:g} °C")
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [entity.longitude, entity.latitude]},
                "properties": {
                    "title": str(entity),
                    "url": urls.get(entity.pk, ""),
                    "description": " · ".join(parts),
                    "state": row.state,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
