"""Reads of the devices back office: the city's entities by type, one device with its latest
attributes (with units from ``types``), its keys and open alerts."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.dateparse import parse_datetime

from digiplace.core.models import Department

from ..models import Alert, AlertState, DeviceKey, Entity
from ..types import ENTITY_TYPES, UNIT_LABELS

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from digiplace.core.models import Municipality

OPEN_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)


@dataclass(frozen=True)
class EntityFilters:
    query: str = ""
    type_name: str = ""

    @classmethod
    def from_query(cls, data: Any) -> EntityFilters:
        """Filters from a query string; an unknown type filters nothing out."""
        type_name = str(data.get("type", "") or "")
        return cls(
            query=str(data.get("q", "") or "").strip()[:200],
            type_name=type_name if type_name in ENTITY_TYPES else "",
        )


@dataclass(frozen=True)
class TypeCount:
    type_name: str
    label: str | Promise
    count: int


@dataclass(frozen=True)
class AttributeRow:
    name: str
    label: str | Promise
    value: str
    unit: str
    observed_at: datetime.datetime | None


def entity_type_counts(*, municipality: Municipality) -> list[TypeCount]:
    """Every known type with how many entities the city has of it (zeros included)."""
    counts = dict(
        Entity.objects.filter(municipality=municipality)
        .values_list("type")
        .annotate(count=Count("pk"))
        .values_list("type", "count")
    )
    return [
        TypeCount(type_name=name, label=spec.label_plural, count=counts.get(name, 0))
        for name, spec in ENTITY_TYPES.items()
    ]


def entity_list(*, municipality: Municipality, filters: EntityFilters) -> QuerySet[Entity]:
    entities = Entity.objects.filter(municipality=municipality).select_related("department")
    if filters.type_name:
        entities = entities.filter(type=filters.type_name)
    if filters.query:
        entities = entities.filter(
            Q(entity_id__icontains=filters.query) | Q(name__icontains=filters.query)
        )
    return entities.annotate(
        open_alerts=Count("alerts", filter=Q(alerts__state__in=OPEN_STATES))
    ).order_by("type", "entity_id")


def entity_get(*, municipality: Municipality, pk: int) -> Entity | None:
    return (
        Entity.objects.filter(municipality=municipality, pk=pk).select_related("department").first()
    )


def entity_keys(*, entity: Entity) -> list[DeviceKey]:
    """The device's keys, active ones first, newest first."""
    return list(
        DeviceKey.objects.filter(entity=entity)
        .select_related("created_by")
        .order_by(F("revoked_at").desc(nulls_first=True), "-created_at")
    )


def key_get(*, municipality: Municipality, pk: int) -> DeviceKey | None:
    return (
        DeviceKey.objects.filter(municipality=municipality, pk=pk).select_related("entity").first()
    )


def entity_open_alert_count(*, entity: Entity) -> int:
    return Alert.objects.filter(entity=entity, state__in=OPEN_STATES).count()


def entity_recent_alerts(*, entity: Entity, limit: int = 10) -> list[Alert]:
    return list(
        Alert.objects.filter(entity=entity).select_related("rule").order_by("-opened_at")[:limit]
    )


def department_choices(*, municipality: Municipality) -> QuerySet[Department]:
    return Department.objects.filter(municipality=municipality).order_by("name")


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)[:200]
    return str(value)


def entity_attribute_rows(*, entity: Entity) -> list[AttributeRow]:
    """The latest value of each attribute (location aside: the page shows it on a map), with
    its label and unit as the type defines them, known attributes first."""
    spec = ENTITY_TYPES.get(entity.type)
    known = list(spec.attributes) if spec else []
    attributes = entity.attributes or {}
    names = [name for name in known if name in attributes] + sorted(
        name for name in attributes if name not in known and name != "location"
    )
    rows: list[AttributeRow] = []
    for name in names:
        attribute = attributes[name]
        if not isinstance(attribute, dict):
            attribute = {"value": attribute}
        attribute_spec = spec.attributes.get(name) if spec else None
        value = attribute.get("value", attribute.get("object", ""))
        unit_code = str(
            attribute.get("unitCode") or (attribute_spec.unit if attribute_spec else "")
        )
        observed = attribute.get("observedAt")
        rows.append(
            AttributeRow(
                name=name,
                label=attribute_spec.label if attribute_spec else name,
                value=_value_text(value),
                unit=UNIT_LABELS.get(unit_code, unit_code),
                observed_at=parse_datetime(observed) if isinstance(observed, str) else None,
            )
        )
    return rows
