"""Reading alerts and alert rules, always within one municipality."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from digiplace.core.models import Municipality

from ..models import Alert, AlertRule, AlertState, Entity
from ..types import ENTITY_TYPES

LIST_LIMIT = 200


def alert_list(
    *,
    municipality: Municipality,
    state: str = "",
    rule_id: int | None = None,
    entity_type: str = "",
    unresolved_only: bool = False,
) -> QuerySet[Alert]:
    """The city's alerts, latest first, filtered; ``state`` "unresolved" means open or
    acknowledged."""
    alerts = Alert.objects.filter(municipality=municipality).select_related(
        "rule", "entity", "acknowledged_by", "resolved_by"
    )
    if state == "unresolved" or unresolved_only:
        alerts = alerts.exclude(state=AlertState.RESOLVED)
    elif state:
        alerts = alerts.filter(state=state)
    if rule_id is not None:
        alerts = alerts.filter(rule_id=rule_id)
    if entity_type:
        alerts = alerts.filter(entity__type=entity_type)
    return alerts.order_by("-opened_at", "-pk")


def alert_get(*, municipality: Municipality, pk: int) -> Alert | None:
    return (
        Alert.objects.filter(municipality=municipality, pk=pk)
        .select_related("rule", "rule__department", "entity", "acknowledged_by", "resolved_by")
        .first()
    )


def alert_counts(*, municipality: Municipality) -> dict[str, int]:
    """How many alerts are in each state."""
    counts = {state.value: 0 for state in AlertState}
    for state in (
        Alert.objects.filter(municipality=municipality).values_list("state", flat=True).iterator()
    ):
        counts[state] = counts.get(state, 0) + 1
    return counts


def alert_features(alerts: Any) -> dict[str, Any]:
    """The alerts with a place, as GeoJSON for the map (links to each alert's page)."""
    features = []
    for alert in alerts:
        entity = alert.entity
        if entity.latitude is None or entity.longitude is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [entity.longitude, entity.latitude]},
                "properties": {
                    "title": alert.message,
                    "description": str(alert.get_state_display()),
                    "url": reverse("urbandata_backoffice:alert_detail", kwargs={"pk": alert.pk}),
                    "state": alert.state,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def rule_list(*, municipality: Municipality) -> QuerySet[AlertRule]:
    return (
        AlertRule.objects.filter(municipality=municipality)
        .select_related("department", "entity")
        .order_by("-is_active", "name", "pk")
    )


def rule_get(*, municipality: Municipality, pk: int) -> AlertRule | None:
    return (
        AlertRule.objects.filter(municipality=municipality, pk=pk)
        .select_related("department", "entity", "municipality")
        .first()
    )


def entity_find(*, municipality: Municipality, entity_id: str) -> Entity | None:
    return Entity.objects.filter(municipality=municipality, entity_id=entity_id).first()


def entity_type_choices() -> list[tuple[str, str]]:
    return [(name, str(spec.label)) for name, spec in ENTITY_TYPES.items()]


def entity_type_label(entity_type: str) -> str:
    spec = ENTITY_TYPES.get(entity_type)
    return str(spec.label) if spec is not None else entity_type
