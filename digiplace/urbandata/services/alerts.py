"""Alert rules: evaluating entity changes and the clock, opening, notifying, resolving.

A rule watches entities of one type (or one entity). Its condition is checked:

- on every committed batch of entity changes (``changes_evaluate``, a ``services.changes``
  listener): ABOVE, BELOW, STATUS, MOVED and HEAT_LOSS read the entity's current state; a
  NO_DATA alert resolves as soon as data comes;
- by the clock (``register_periodic``): ``no_data_check`` every five minutes opens NO_DATA
  alerts, ``conditions_check`` opens the alerts of rules with a duration whose condition has
  held long enough; ``alert_webhooks.deliveries_retry`` every minute sends webhooks again.

A rule with ``duration_minutes`` opens its alert only once the condition has held that long
(``RuleCondition`` remembers since when). A condition that clears resolves the open or
acknowledged alert by itself (``resolved_by`` empty). At most one unresolved alert exists per
rule and entity (a database constraint).

HEAT_LOSS: ``threshold`` is the largest normal difference, in °C, between a substation's
supply and return temperatures; an alert opens when supply − return exceeds it (the heat is
being lost between the plant and the building or inside the substation).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.geo import distance_metres
from digiplace.core.models import (
    AuditAction,
    Municipality,
    StaffMembership,
    StaffRole,
    User,
)
from digiplace.core.notifications import notification_send

from ..models import Alert, AlertRule, AlertRuleKind, AlertState, Entity, RuleCondition
from ..types import ENTITY_TYPES
from . import changes

MODULE = "urbandata"
NOTIFICATION_KIND = "urbandata.alert"
# The attributes a heat-loss rule reads.
SUPPLY, RETURN = "supplyTemperature", "returnTemperature"
# How often the periodic jobs run, in seconds.
NO_DATA_EVERY = 5 * 60
CONDITIONS_EVERY = 60
WEBHOOKS_EVERY = 60


@dataclass(frozen=True)
class Verdict:
    """A rule's condition on one entity: ``holds`` None when it cannot be told (the
    attribute is missing, the entity has no registered place)."""

    holds: bool | None
    value: str = ""


# Reading the entity's state


def attribute_value(entity: Entity, name: str) -> Any:
    """The current value of ``name`` (normalized or concise form), or None."""
    attribute = (entity.attributes or {}).get(name)
    if isinstance(attribute, dict):
        if "value" in attribute:
            return attribute["value"]
        if "object" in attribute:
            return attribute["object"]
        return None
    return attribute


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _format(number: float) -> str:
    return f"{number:g}"


def _observed(entity: Entity) -> datetime.datetime:
    return entity.last_observed_at or entity.created_at


def rule_verdict(rule: AlertRule, entity: Entity, *, now: datetime.datetime) -> Verdict:
    """Whether ``rule``'s condition holds on ``entity`` now."""
    kind = rule.kind
    if kind in (AlertRuleKind.ABOVE, AlertRuleKind.BELOW):
        number = _number(attribute_value(entity, rule.attribute))
        if number is None or rule.threshold is None:
            return Verdict(None)
        holds = number > rule.threshold if kind == AlertRuleKind.ABOVE else number < rule.threshold
        return Verdict(holds, _format(number))
    if kind == AlertRuleKind.STATUS:
        value = attribute_value(entity, rule.attribute or "status")
        if value is None:
            return Verdict(None)
        return Verdict(str(value) in {str(item) for item in rule.status_values}, str(value)[:64])
    if kind == AlertRuleKind.MOVED:
        if None in (
            entity.latitude,
            entity.longitude,
            entity.registered_latitude,
            entity.registered_longitude,
        ):
            return Verdict(None)
        assert entity.latitude is not None and entity.longitude is not None
        assert entity.registered_latitude is not None and entity.registered_longitude is not None
        distance = distance_metres(
            entity.registered_latitude,
            entity.registered_longitude,
            entity.latitude,
            entity.longitude,
        )
        return Verdict(distance > (rule.distance_metres or 0), f"{distance:.0f} m")
    if kind == AlertRuleKind.HEAT_LOSS:
        supply = _number(attribute_value(entity, SUPPLY))
        back = _number(attribute_value(entity, RETURN))
        if supply is None or back is None or rule.threshold is None:
            return Verdict(None)
        difference = supply - back
        return Verdict(difference > rule.threshold, f"{_format(round(difference, 2))} °C")
    if kind == AlertRuleKind.NO_DATA:
        hours = rule.hours or 0
        last = _observed(entity)
        holds = last < now - datetime.timedelta(hours=hours)
        return Verdict(holds, timezone.localtime(last).strftime("%Y-%m-%d %H:%M"))
    return Verdict(None)


# Opening and resolving


def _message(rule: AlertRule, entity: Entity, verdict: Verdict) -> str:
    text = f"{rule.name}: {entity}"
    if verdict.value:
        text += f" ({verdict.value})"
    return text[:300]


def alert_url(alert: Alert) -> str:
    return reverse("urbandata_backoffice:alert_detail", kwargs={"pk": alert.pk})


def unresolved_alert(rule: AlertRule, entity: Entity) -> Alert | None:
    return (
        Alert.objects.filter(rule=rule, entity=entity)
        .exclude(state=AlertState.RESOLVED)
        .select_related("rule", "entity", "municipality")
        .first()
    )


def alert_open(
    *, rule: AlertRule, entity: Entity, verdict: Verdict, now: datetime.datetime | None = None
) -> Alert | None:
    """Open an alert of ``rule`` on ``entity``, notify and queue its webhook; None when one
    is already unresolved (the database keeps it at one, even between two workers)."""
    now = now or timezone.now()
    if unresolved_alert(rule, entity) is not None:
        return None
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                municipality_id=rule.municipality_id,
                rule=rule,
                entity=entity,
                state=AlertState.OPEN,
                message=_message(rule, entity, verdict),
                value=verdict.value[:64],
                opened_at=now,
            )
            RuleCondition.objects.filter(rule=rule, entity=entity).delete()
            _staff_notify(alert)
            _webhook_queue(alert, "opened")
    except IntegrityError:
        return None
    return alert


def _auto_resolve(rule: AlertRule, entity: Entity, *, now: datetime.datetime) -> Alert | None:
    """The condition cleared: resolve the unresolved alert, by nobody."""
    alert = unresolved_alert(rule, entity)
    if alert is None:
        return None
    before = alert.state
    with transaction.atomic():
        updated = (
            Alert.objects.filter(pk=alert.pk)
            .exclude(state=AlertState.RESOLVED)
            .update(state=AlertState.RESOLVED, resolved_at=now, resolved_by=None)
        )
        if not updated:
            return None
        alert.refresh_from_db()
        audit_record(
            actor=None,
            municipality=alert.municipality,
            action=AuditAction.UPDATE,
            instance=alert,
            before={"state": str(before)},
            after={"state": AlertState.RESOLVED.value},
        )
        _webhook_queue(alert, "resolved")
    return alert


def rule_apply(
    *,
    rule: AlertRule,
    entity: Entity,
    now: datetime.datetime | None = None,
    watched: set[tuple[int, int]] | None = None,
) -> Alert | None:
    """Check ``rule`` on ``entity`` and open, keep waiting, or resolve; returns the alert
    opened, if one was. ``watched``, when given, holds every (rule, entity) pair that has an
    unresolved alert or a waiting condition: a condition that does not hold on any other
    pair needs no query."""
    now = now or timezone.now()
    verdict = rule_verdict(rule, entity, now=now)
    if verdict.holds is None:
        return None
    if not verdict.holds:
        if watched is not None and (rule.pk, entity.pk) not in watched:
            return None
        RuleCondition.objects.filter(rule=rule, entity=entity).delete()
        _auto_resolve(rule, entity, now=now)
        return None
    if unresolved_alert(rule, entity) is not None:
        return None
    if rule.duration_minutes and rule.kind != AlertRuleKind.NO_DATA:
        condition, _created = RuleCondition.objects.get_or_create(
            rule=rule, entity=entity, defaults={"since": now}
        )
        if now - condition.since < datetime.timedelta(minutes=rule.duration_minutes):
            return None
    return alert_open(rule=rule, entity=entity, verdict=verdict, now=now)


def _active_rules(municipality_id: int, entity_type: str) -> list[AlertRule]:
    return list(
        AlertRule.objects.filter(
            municipality_id=municipality_id, entity_type=entity_type, is_active=True
        )
        .select_related("department", "municipality")
        .order_by("pk")
    )


def _watched(rule_ids: set[int], entity_pks: set[int]) -> set[tuple[int, int]]:
    """The (rule, entity) pairs among these with an unresolved alert or a waiting condition."""
    if not rule_ids or not entity_pks:
        return set()
    pairs: set[tuple[int, int]] = set()
    alerts = (
        Alert.objects.filter(rule_id__in=rule_ids, entity_id__in=entity_pks)
        .exclude(state=AlertState.RESOLVED)
        .values_list("rule_id", "entity_id")
    )
    conditions = RuleCondition.objects.filter(
        rule_id__in=rule_ids, entity_id__in=entity_pks
    ).values_list("rule_id", "entity_id")
    pairs.update(alerts)
    pairs.update(conditions)
    return pairs


def entities_evaluate(
    *, entities: Sequence[Entity], now: datetime.datetime | None = None
) -> list[Alert]:
    """Apply every active rule that watches each entity; the alerts opened. The rules are
    read once per city and type, and what is already going on in one query, so that a
    large batch without alerts costs a few queries."""
    now = now or timezone.now()
    rules_by_kind: dict[tuple[int, str], list[AlertRule]] = {}
    for entity in entities:
        key = (entity.municipality_id, entity.type)
        if key not in rules_by_kind:
            rules_by_kind[key] = _active_rules(*key)
    rule_ids = {rule.pk for rules in rules_by_kind.values() for rule in rules}
    watched = _watched(rule_ids, {entity.pk for entity in entities})
    opened = []
    for entity in entities:
        for rule in rules_by_kind[(entity.municipality_id, entity.type)]:
            if rule.entity_id not in (None, entity.pk):
                continue
            alert = rule_apply(rule=rule, entity=entity, now=now, watched=watched)
            if alert is not None:
                opened.append(alert)
    return opened


def entity_evaluate(*, entity: Entity, now: datetime.datetime | None = None) -> list[Alert]:
    """Apply every active rule of the entity's city that watches it; the alerts opened."""
    return entities_evaluate(entities=[entity], now=now)


def changes_evaluate(batch: Sequence[changes.EntityChange]) -> None:
    """The ``services.changes`` listener: each changed entity, once, against its rules."""
    pks = {change.entity_pk for change in batch if not change.deleted}
    if not pks:
        return
    entities = list(Entity.objects.filter(pk__in=pks).order_by("pk"))
    entities_evaluate(entities=entities)


def no_data_check(*, now: datetime.datetime | None = None) -> int:
    """Open the alerts of every active NO_DATA rule on the entities gone quiet, and resolve
    those whose entity spoke again; how many opened. Only the quiet entities and those with
    an unresolved alert are read."""
    now = now or timezone.now()
    opened = 0
    for rule in AlertRule.objects.filter(kind=AlertRuleKind.NO_DATA, is_active=True).select_related(
        "department", "municipality"
    ):
        cutoff = now - datetime.timedelta(hours=rule.hours or 0)
        entities = Entity.objects.filter(
            municipality_id=rule.municipality_id, type=rule.entity_type
        )
        if rule.entity_id is not None:
            entities = entities.filter(pk=rule.entity_id)
        quiet = Q(last_observed_at__lt=cutoff) | Q(
            last_observed_at__isnull=True, created_at__lt=cutoff
        )
        alerted = Q(
            pk__in=Alert.objects.filter(rule=rule)
            .exclude(state=AlertState.RESOLVED)
            .values("entity_id")
        )
        for entity in entities.filter(quiet | alerted).iterator():
            if rule_apply(rule=rule, entity=entity, now=now) is not None:
                opened += 1
    return opened


def conditions_check(*, now: datetime.datetime | None = None) -> int:
    """Open the alerts of duration rules whose condition has held long enough (no new
    reading needs to come for that); how many opened."""
    now = now or timezone.now()
    opened = 0
    for condition in RuleCondition.objects.select_related("rule", "entity").iterator():
        rule = condition.rule
        if not rule.is_active:
            condition.delete()
            continue
        if now - condition.since < datetime.timedelta(minutes=rule.duration_minutes):
            continue
        if rule_apply(rule=rule, entity=condition.entity, now=now) is not None:
            opened += 1
    return opened


# Staff actions


def _transition_error(alert: Alert, target: AlertState) -> ValidationError:
    if alert.state == AlertState.RESOLVED:
        return ValidationError(_("This alert is already resolved."), code="resolved")
    if target == AlertState.ACKNOWLEDGED:
        return ValidationError(_("This alert is already acknowledged."), code="acknowledged")
    return ValidationError(_("This alert cannot change that way."), code="invalid")


def alert_acknowledge(*, alert: Alert, actor: User, now: datetime.datetime | None = None) -> Alert:
    """Someone is looking into it: open → acknowledged."""
    now = now or timezone.now()
    with audited_change(alert, actor=actor) as change:
        locked = change.instance
        if locked.state != AlertState.OPEN:
            raise _transition_error(locked, AlertState.ACKNOWLEDGED)
        locked.state = AlertState.ACKNOWLEDGED
        locked.acknowledged_at = now
        locked.acknowledged_by = actor
        locked.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
        _webhook_queue(locked, "acknowledged")
    return change.instance


def alert_resolve(*, alert: Alert, actor: User, now: datetime.datetime | None = None) -> Alert:
    """The problem is dealt with: open or acknowledged → resolved, by ``actor``."""
    now = now or timezone.now()
    with audited_change(alert, actor=actor) as change:
        locked = change.instance
        if locked.state == AlertState.RESOLVED:
            raise _transition_error(locked, AlertState.RESOLVED)
        locked.state = AlertState.RESOLVED
        locked.resolved_at = now
        locked.resolved_by = actor
        locked.save(update_fields=["state", "resolved_at", "resolved_by"])
        RuleCondition.objects.filter(rule_id=locked.rule_id, entity_id=locked.entity_id).delete()
        _webhook_queue(locked, "resolved")
    return change.instance


# Rules


RULE_FIELDS = (
    "name",
    "entity_type",
    "entity",
    "kind",
    "attribute",
    "threshold",
    "duration_minutes",
    "status_values",
    "hours",
    "distance_metres",
    "department",
    "webhook_url",
)


def rule_errors(fields: dict[str, Any], *, municipality: Municipality) -> dict[str, list[str]]:
    """What is wrong with a rule's fields for its kind (empty when nothing)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    kind = fields.get("kind")
    entity_type = fields.get("entity_type") or ""
    spec = ENTITY_TYPES.get(entity_type)
    if spec is None:
        add("entity_type", _("Choose one of the entity types the platform knows."))
    if kind not in AlertRuleKind.values:
        add("kind", _("Choose a condition."))
    attribute = (fields.get("attribute") or "").strip()
    if kind in (AlertRuleKind.ABOVE, AlertRuleKind.BELOW):
        if not attribute:
            add("attribute", _("Name the attribute to compare, for example fillingLevel."))
        elif (
            spec is not None
            and attribute in spec.attributes
            and spec.attributes[attribute].kind not in ("number", "integer")
        ):
            add("attribute", _("This attribute is not a number."))
        if fields.get("threshold") is None:
            add("threshold", _("Give the threshold to compare with."))
    if kind == AlertRuleKind.STATUS:
        values = [str(value) for value in fields.get("status_values") or [] if str(value)]
        if not values:
            add("status_values", _("Give at least one status value, for example burning."))
        elif spec is not None:
            choices = spec.attributes.get(attribute or "status")
            if choices is not None and choices.choices:
                unknown = [value for value in values if value not in choices.choices]
                if unknown:
                    add(
                        "status_values",
                        _("Unknown values: %(unknown)s. Allowed: %(allowed)s.")
                        % {"unknown": ", ".join(unknown), "allowed": ", ".join(choices.choices)},
                    )
    if kind == AlertRuleKind.NO_DATA and not fields.get("hours"):
        add("hours", _("Give the number of hours without data (at least 1)."))
    if kind == AlertRuleKind.MOVED and not fields.get("distance_metres"):
        add("distance_metres", _("Give the distance in metres (at least 1)."))
    if kind == AlertRuleKind.HEAT_LOSS:
        if fields.get("threshold") is None:
            add("threshold", _("Give the largest normal supply–return difference in °C."))
        if entity_type and entity_type != "HeatSubstation":
            add("entity_type", _("Heat-loss rules watch heating substations."))
    entity = fields.get("entity")
    if entity is not None:
        if entity.municipality_id != municipality.pk:
            add("entity", _("This entity is not one of this city's."))
        elif entity.type != entity_type:
            add("entity", _("This entity is not of the rule's type."))
    department = fields.get("department")
    if department is not None and department.municipality_id != municipality.pk:
        add("department", _("This department is not one of this city's."))
    return errors


def _rule_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = {key: fields[key] for key in RULE_FIELDS if key in fields}
    kind = cleaned.get("kind")
    # Only what the kind reads is kept, so that a rule never carries a stale setting.
    if kind == AlertRuleKind.STATUS:
        cleaned["attribute"] = (cleaned.get("attribute") or "").strip() or "status"
    if kind not in (AlertRuleKind.ABOVE, AlertRuleKind.BELOW, AlertRuleKind.HEAT_LOSS):
        cleaned["threshold"] = None
    if kind != AlertRuleKind.STATUS:
        cleaned["status_values"] = []
    else:
        cleaned["status_values"] = [str(v).strip() for v in cleaned["status_values"] if str(v)]
    if kind != AlertRuleKind.NO_DATA:
        cleaned["hours"] = None
    else:
        cleaned["duration_minutes"] = 0
    if kind != AlertRuleKind.MOVED:
        cleaned["distance_metres"] = None
    if kind in (AlertRuleKind.NO_DATA, AlertRuleKind.MOVED, AlertRuleKind.HEAT_LOSS):
        cleaned["attribute"] = ""
    cleaned["duration_minutes"] = cleaned.get("duration_minutes") or 0
    cleaned["webhook_url"] = cleaned.get("webhook_url") or ""
    return cleaned


def alert_rule_create(
    *, municipality: Municipality, actor: User | None, fields: dict[str, Any]
) -> AlertRule:
    errors = rule_errors(fields, municipality=municipality)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rule = AlertRule.objects.create(municipality=municipality, **_rule_fields(fields))
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AuditAction.CREATE,
            instance=rule,
            after=model_snapshot(rule),
        )
    return rule


def alert_rule_update(*, rule: AlertRule, actor: User | None, fields: dict[str, Any]) -> AlertRule:
    errors = rule_errors(fields, municipality=rule.municipality)
    if errors:
        raise ValidationError(errors)
    with audited_change(rule, actor=actor) as change:
        for key, value in _rule_fields(fields).items():
            setattr(change.instance, key, value)
        change.instance.save()
        # The condition may mean something else now: waiting starts again.
        RuleCondition.objects.filter(rule=change.instance).delete()
    return change.instance


def alert_rule_activate(*, rule: AlertRule, actor: User | None, is_active: bool) -> AlertRule:
    """Switch a rule off (its conditions forgotten; its alerts stay) or on again."""
    with audited_change(rule, actor=actor, audit_if_unchanged=False) as change:
        change.instance.is_active = is_active
        change.instance.save(update_fields=["is_active"])
        if not is_active:
            RuleCondition.objects.filter(rule=change.instance).delete()
    return change.instance


# Notifying


def alert_recipients(rule: AlertRule) -> list[User]:
    """Who hears of the rule's alerts: the active staff of its department who may use urban
    data; without a department, the city's administrators."""
    memberships = StaffMembership.objects.filter(
        municipality_id=rule.municipality_id, is_active=True, user__is_active=True
    ).select_related("user")
    if rule.department_id is not None:
        memberships = memberships.filter(department_id=rule.department_id)
    else:
        memberships = memberships.filter(role=StaffRole.ADMIN)
    users: dict[int, User] = {}
    for membership in memberships:
        if membership.can_use_module(MODULE):
            users[membership.user.pk] = membership.user
    return list(users.values())


def _staff_notify(alert: Alert) -> None:
    rule, entity, municipality = alert.rule, alert.entity, alert.municipality
    url = alert_url(alert)
    for user in alert_recipients(rule):
        language = user.preferred_language or municipality.default_language
        with translation.override(language):
            subject = _("Alert: %(rule)s") % {"rule": rule.name}
            body = _(
                "The rule “%(rule)s” fired on %(entity)s (%(type)s): %(condition)s. "
                "Value: %(value)s. Opened at %(opened)s. Open the alert to acknowledge it."
            ) % {
                "rule": rule.name,
                "entity": str(entity),
                "type": _type_label(entity.type),
                "condition": rule.get_kind_display(),
                "value": alert.value or "—",
                "opened": timezone.localtime(alert.opened_at).strftime("%Y-%m-%d %H:%M"),
            }
            notification_send(
                recipient=user,
                kind=NOTIFICATION_KIND,
                subject=subject,
                body=body,
                url=url,
                municipality=municipality,
                language=translation.get_language() or language,
            )


def _type_label(entity_type: str) -> str:
    spec = ENTITY_TYPES.get(entity_type)
    return str(spec.label) if spec is not None else entity_type


def _webhook_queue(alert: Alert, event: str) -> None:
    from .alert_webhooks import delivery_queue

    delivery_queue(alert=alert, event=event)


# Wiring


def register() -> None:
    """Listen to entity changes (``services.changes``)."""
    changes.listener_register("alerts", changes_evaluate)


def register_periodic() -> None:
    """Register the alerts' periodic jobs in core's scheduler (the lead calls this once):
    the no-data check every five minutes, duration conditions and webhook retries every
    minute."""
    from digiplace.core.periodic import periodic_register

    from ..tasks_alerts import alert_webhooks_retry, alerts_conditions_check, alerts_no_data_check

    periodic_register(
        name="urbandata.alerts.no_data",
        interval=datetime.timedelta(seconds=NO_DATA_EVERY),
        task=alerts_no_data_check,
    )
    periodic_register(
        name="urbandata.alerts.conditions",
        interval=datetime.timedelta(seconds=CONDITIONS_EVERY),
        task=alerts_conditions_check,
    )
    periodic_register(
        name="urbandata.alerts.webhooks",
        interval=datetime.timedelta(seconds=WEBHOOKS_EVERY),
        task=alert_webhooks_retry,
    )
