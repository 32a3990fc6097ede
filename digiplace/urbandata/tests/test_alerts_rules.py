"""Alert rules: each kind opens and resolves its alert, durations, one alert at a time, the
staff transitions and the rule checks."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership
from digiplace.urbandata.models import (
    Alert,
    AlertRule,
    AlertRuleKind,
    AlertState,
    Entity,
    RuleCondition,
)
from digiplace.urbandata.services import alerts
from digiplace.urbandata.services.changes import EntityChange
from digiplace.urbandata.tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def rule_make(municipality: Municipality, **fields: Any) -> AlertRule:
    fields.setdefault("name", "Test rule")
    fields.setdefault("entity_type", "WasteContainer")
    return AlertRule.objects.create(municipality=municipality, **fields)


def attribute_set(entity: Entity, **values: Any) -> None:
    for name, value in values.items():
        entity.attributes[name] = {"type": "Property", "value": value}
    entity.save()


def change(entity: Entity) -> EntityChange:
    return EntityChange(
        municipality_id=entity.municipality_id,
        entity_pk=entity.pk,
        entity_id=entity.entity_id,
        type=entity.type,
        attributes=tuple(entity.attributes),
    )


def unresolved(rule: AlertRule) -> list[Alert]:
    return list(Alert.objects.filter(rule=rule).exclude(state=AlertState.RESOLVED))


def test_above_opens_once_and_resolves_when_the_value_falls(botosani: Municipality) -> None:
    entity = EntityFactory.create(municipality=botosani)
    rule = rule_make(botosani, kind=AlertRuleKind.ABOVE, attribute="fillingLevel", threshold=0.9)

    alerts.changes_evaluate([change(entity)])
    assert unresolved(rule) == []

    attribute_set(entity, fillingLevel=0.95)
    alerts.changes_evaluate([change(entity), change(entity)])
    (alert,) = unresolved(rule)
    assert alert.state == AlertState.OPEN
    assert alert.value == "0.95"
    assert alert.municipality == botosani

    # A second reading above the threshold opens no second alert.
    attribute_set(entity, fillingLevel=0.97)
    alerts.changes_evaluate([change(entity)])
    assert Alert.objects.filter(rule=rule).count() == 1

    attribute_set(entity, fillingLevel=0.2)
    alerts.changes_evaluate([change(entity)])
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED
    assert alert.resolved_at is not None
    assert alert.resolved_by is None

    # And it can fire again, as a new alert.
    attribute_set(entity, fillingLevel=0.99)
    alerts.changes_evaluate([change(entity)])
    assert Alert.objects.filter(rule=rule).count() == 2


def test_below_on_one_entity_leaves_the_others_alone(botosani: Municipality) -> None:
    watched = EntityFactory.create(municipality=botosani, type="HeatSubstation")
    other = EntityFactory.create(municipality=botosani, type="HeatSubstation")
    rule = rule_make(
        botosani,
        entity_type="HeatSubstation",
        entity=watched,
        kind=AlertRuleKind.BELOW,
        attribute="pressure",
        threshold=2,
    )
    attribute_set(watched, pressure=1.5)
    attribute_set(other, pressure=1.0)
    alerts.changes_evaluate([change(watched), change(other)])
    (alert,) = unresolved(rule)
    assert alert.entity == watched

    attribute_set(watched, pressure=3)
    alerts.changes_evaluate([change(watched)])
    assert unresolved(rule) == []


def test_status_fire_opens_and_clears(botosani: Municipality) -> None:
    entity = EntityFactory.create(municipality=botosani)
    rule = rule_make(
        botosani,
        kind=AlertRuleKind.STATUS,
        attribute="status",
        status_values=["burning", "vandalized"],
    )
    attribute_set(entity, status="ok")
    alerts.changes_evaluate([change(entity)])
    assert unresolved(rule) == []

    attribute_set(entity, status="burning")
    alerts.changes_evaluate([change(entity)])
    (alert,) = unresolved(rule)
    assert alert.value == "burning"
    assert "burning" in alert.message

    attribute_set(entity, status="ok")
    alerts.changes_evaluate([change(entity)])
    assert unresolved(rule) == []


def test_moved_measures_from_the_registered_place(botosani: Municipality) -> None:
    entity = EntityFactory.create(
        municipality=botosani,
        latitude=47.7486,
        longitude=26.6694,
        registered_latitude=47.7486,
        registered_longitude=26.6694,
    )
    rule = rule_make(botosani, kind=AlertRuleKind.MOVED, distance_metres=50)
    # About 33 m north: within the distance.
    entity.latitude = 47.7489
    entity.save()
    alerts.changes_evaluate([change(entity)])
    assert unresolved(rule) == []

    # About 111 m north.
    entity.latitude = 47.7496
    entity.save()
    alerts.changes_evaluate([change(entity)])
    (alert,) = unresolved(rule)
    assert alert.value == "111 m"

    entity.latitude = 47.7486
    entity.save()
    alerts.changes_evaluate([change(entity)])
    assert unresolved(rule) == []


def test_moved_without_a_registered_place_says_nothing(botosani: Municipality) -> None:
    entity = EntityFactory.create(municipality=botosani, latitude=48.0, longitude=27.0)
    rule = rule_make(botosani, kind=AlertRuleKind.MOVED, distance_metres=10)
    alerts.changes_evaluate([change(entity)])
    assert unresolved(rule) == []


def test_heat_loss_fires_when_supply_minus_return_exceeds_the_threshold(
    botosani: Municipality,
) -> None:
    entity = EntityFactory.create(municipality=botosani, type="HeatSubstation", attributes={})
    rule = rule_make(
        botosani, entity_type="HeatSubstation", kind=AlertRuleKind.HEAT_LOSS, threshold=30
    )
    attribute_set(entity, supplyTemperature=90, returnTemperature=65)
    alerts.changes_evaluate([change(entity)])
    assert unresolved(rule) == []

    attribute_set(entity, supplyTemperature=90, returnTemperature=50)
    alerts.changes_evaluate([change(entity)])
    (alert,) = unresolved(rule)
    assert alert.value == "40 °C"

    attribute_set(entity, returnTemperature=62)
    alerts.changes_evaluate([change(entity)])
    assert unresolved(rule) == []


def test_no_data_opens_by_the_clock_and_resolves_when_data_comes(botosani: Municipality) -> None:
    now = timezone.now()
    quiet = EntityFactory.create(
        municipality=botosani, last_observed_at=now - datetime.timedelta(hours=7)
    )
    lively = EntityFactory.create(
        municipality=botosani, last_observed_at=now - datetime.timedelta(hours=1)
    )
    rule = rule_make(botosani, kind=AlertRuleKind.NO_DATA, hours=6)

    assert alerts.no_data_check(now=now) == 1
    (alert,) = unresolved(rule)
    assert alert.entity == quiet
    # The next run opens nothing new.
    assert alerts.no_data_check(now=now + datetime.timedelta(minutes=5)) == 0
    assert lively.alerts.count() == 0

    quiet.last_observed_at = now + datetime.timedelta(minutes=6)
    quiet.save()
    alerts.changes_evaluate([change(quiet)])
    assert unresolved(rule) == []


def test_duration_opens_only_after_the_condition_held_that_long(botosani: Municipality) -> None:
    start = timezone.now()
    entity = EntityFactory.create(municipality=botosani)
    rule = rule_make(
        botosani,
        kind=AlertRuleKind.ABOVE,
        attribute="fillingLevel",
        threshold=0.9,
        duration_minutes=30,
    )
    attribute_set(entity, fillingLevel=0.95)
    assert alerts.entity_evaluate(entity=entity, now=start) == []
    condition = RuleCondition.objects.get(rule=rule, entity=entity)
    assert condition.since == start

    # Still above 10 minutes later: the condition keeps its start.
    assert alerts.entity_evaluate(entity=entity, now=start + datetime.timedelta(minutes=10)) == []
    assert RuleCondition.objects.get(rule=rule, entity=entity).since == start
    assert alerts.conditions_check(now=start + datetime.timedelta(minutes=29)) == 0

    # No new reading comes: the clock opens the alert once the 30 minutes have passed.
    assert alerts.conditions_check(now=start + datetime.timedelta(minutes=31)) == 1
    (alert,) = unresolved(rule)
    assert not RuleCondition.objects.filter(rule=rule).exists()
    assert alert.opened_at == start + datetime.timedelta(minutes=31)


def test_duration_condition_that_clears_starts_again(botosani: Municipality) -> None:
    start = timezone.now()
    entity = EntityFactory.create(municipality=botosani)
    rule = rule_make(
        botosani,
        kind=AlertRuleKind.ABOVE,
        attribute="fillingLevel",
        threshold=0.9,
        duration_minutes=30,
    )
    attribute_set(entity, fillingLevel=0.95)
    alerts.entity_evaluate(entity=entity, now=start)
    attribute_set(entity, fillingLevel=0.5)
    alerts.entity_evaluate(entity=entity, now=start + datetime.timedelta(minutes=20))
    assert not RuleCondition.objects.filter(rule=rule).exists()
    attribute_set(entity, fillingLevel=0.95)
    later = start + datetime.timedelta(minutes=40)
    assert alerts.entity_evaluate(entity=entity, now=later) == []
    assert alerts.conditions_check(now=later + datetime.timedelta(minutes=20)) == 0
    assert (
        len(alerts.entity_evaluate(entity=entity, now=later + datetime.timedelta(minutes=31))) == 1
    )


def test_rules_of_other_cities_types_and_inactive_rules_do_not_fire(
    botosani: Municipality, timisoara: Municipality
) -> None:
    entity = EntityFactory.create(municipality=botosani)
    attribute_set(entity, fillingLevel=0.99)
    rule_make(timisoara, kind=AlertRuleKind.ABOVE, attribute="fillingLevel", threshold=0.5)
    rule_make(
        botosani,
        entity_type="Streetlight",
        kind=AlertRuleKind.ABOVE,
        attribute="fillingLevel",
        threshold=0.5,
    )
    rule_make(
        botosani, kind=AlertRuleKind.ABOVE, attribute="fillingLevel", threshold=0.5, is_active=False
    )
    alerts.changes_evaluate([change(entity)])
    assert Alert.objects.count() == 0


def test_a_deleted_entity_in_the_batch_is_skipped(botosani: Municipality) -> None:
    entity = EntityFactory.create(municipality=botosani)
    gone = EntityChange(
        municipality_id=botosani.pk,
        entity_pk=entity.pk + 1000,
        entity_id="urn:ngsi-ld:WasteContainer:gone",
        type="WasteContainer",
        attributes=(),
        deleted=True,
    )
    rule_make(botosani, kind=AlertRuleKind.ABOVE, attribute="fillingLevel", threshold=0.1)
    alerts.changes_evaluate([gone, change(entity)])
    assert Alert.objects.count() == 1


def test_the_listener_is_registered() -> None:
    from digiplace.urbandata.services.changes import listeners

    assert listeners()["alerts"] is alerts.changes_evaluate


# Staff transitions


@pytest.fixture
def open_alert(botosani: Municipality) -> Alert:
    entity = EntityFactory.create(municipality=botosani)
    attribute_set(entity, status="burning")
    rule = rule_make(botosani, kind=AlertRuleKind.STATUS, status_values=["burning"])
    alert = alerts.rule_apply(rule=rule, entity=entity)
    assert alert is not None
    return alert


def test_acknowledge_then_resolve_with_who_and_when(
    open_alert: Alert, botosani_staff: StaffMembership
) -> None:
    user = botosani_staff.user
    alerts.alert_acknowledge(alert=open_alert, actor=user)
    open_alert.refresh_from_db()
    assert open_alert.state == AlertState.ACKNOWLEDGED
    assert open_alert.acknowledged_by == user
    assert open_alert.acknowledged_at is not None

    with pytest.raises(ValidationError, match="already acknowledged"):
        alerts.alert_acknowledge(alert=open_alert, actor=user)

    alerts.alert_resolve(alert=open_alert, actor=user)
    open_alert.refresh_from_db()
    assert open_alert.state == AlertState.RESOLVED
    assert open_alert.resolved_by == user

    with pytest.raises(ValidationError, match="already resolved"):
        alerts.alert_resolve(alert=open_alert, actor=user)
    with pytest.raises(ValidationError, match="already resolved"):
        alerts.alert_acknowledge(alert=open_alert, actor=user)

    entries = AuditLogEntry.objects.filter(
        target_type="urbandata.Alert", target_id=str(open_alert.pk)
    )
    assert [(entry.after or {})["state"] for entry in entries.order_by("pk")] == [
        "acknowledged",
        "resolved",
    ]
    assert all(entry.actor == user for entry in entries)


def test_an_acknowledged_alert_resolves_by_itself_when_the_condition_clears(
    open_alert: Alert, botosani_staff: StaffMembership
) -> None:
    alerts.alert_acknowledge(alert=open_alert, actor=botosani_staff.user)
    entity = open_alert.entity
    attribute_set(entity, status="ok")
    alerts.changes_evaluate([change(entity)])
    open_alert.refresh_from_db()
    assert open_alert.state == AlertState.RESOLVED
    assert open_alert.resolved_by is None
    assert open_alert.acknowledged_by == botosani_staff.user


# Rules: the checks per kind


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "above", "attribute": "fillingLevel"}, "threshold"),
        ({"kind": "below", "threshold": 1}, "attribute"),
        ({"kind": "above", "attribute": "status", "threshold": 1}, "attribute"),
        ({"kind": "status", "attribute": "status"}, "status_values"),
        ({"kind": "status", "status_values": ["melting"]}, "status_values"),
        ({"kind": "no_data"}, "hours"),
        ({"kind": "moved"}, "distance_metres"),
        ({"kind": "heat_loss"}, "threshold"),
        ({"kind": "heat_loss", "threshold": 30}, "entity_type"),
        (
            {"kind": "above", "attribute": "x", "threshold": 1, "entity_type": "Spaceship"},
            "entity_type",
        ),
        ({"kind": "sideways"}, "kind"),
    ],
)
def test_rule_checks_per_kind(botosani: Municipality, fields: dict[str, Any], field: str) -> None:
    fields = {"name": "R", "entity_type": "WasteContainer", **fields}
    with pytest.raises(ValidationError) as caught:
        alerts.alert_rule_create(municipality=botosani, actor=None, fields=fields)
    assert field in caught.value.error_dict
    assert AlertRule.objects.count() == 0


def test_rule_entity_of_another_city_is_refused(
    botosani: Municipality, timisoara: Municipality
) -> None:
    foreign = EntityFactory.create(municipality=timisoara)
    with pytest.raises(ValidationError) as caught:
        alerts.alert_rule_create(
            municipality=botosani,
            actor=None,
            fields={
                "name": "R",
                "entity_type": "WasteContainer",
                "kind": "moved",
                "distance_metres": 20,
                "entity": foreign,
            },
        )
    assert "entity" in caught.value.error_dict


def test_rule_create_keeps_only_what_its_kind_reads_and_is_audited(
    botosani: Municipality, botosani_admin: StaffMembership
) -> None:
    rule = alerts.alert_rule_create(
        municipality=botosani,
        actor=botosani_admin.user,
        fields={
            "name": "Fire",
            "entity_type": "WasteContainer",
            "kind": "status",
            "status_values": ["burning"],
            "threshold": 4,
            "hours": 3,
        },
    )
    assert rule.attribute == "status"
    assert rule.threshold is None and rule.hours is None
    assert AuditLogEntry.objects.filter(target_type="urbandata.AlertRule", action="create").exists()

    alerts.alert_rule_activate(rule=rule, actor=botosani_admin.user, is_active=False)
    rule.refresh_from_db()
    assert not rule.is_active


def test_the_database_keeps_one_unresolved_alert_even_past_the_check(
    botosani: Municipality, monkeypatch: pytest.MonkeyPatch
) -> None:
    entity = EntityFactory.create(municipality=botosani)
    attribute_set(entity, status="burning")
    rule = rule_make(botosani, kind=AlertRuleKind.STATUS, status_values=["burning"])
    assert alerts.rule_apply(rule=rule, entity=entity) is not None
    # Two workers that both found no alert: the second insert is refused by the constraint.
    monkeypatch.setattr(alerts, "unresolved_alert", lambda rule, entity: None)
    verdict = alerts.rule_verdict(rule, entity, now=timezone.now())
    assert alerts.alert_open(rule=rule, entity=entity, verdict=verdict) is None
    assert Alert.objects.filter(rule=rule).count() == 1


def test_a_large_batch_without_alerts_costs_a_few_queries(
    botosani: Municipality, django_assert_max_num_queries: Any
) -> None:
    entities = [EntityFactory.create(municipality=botosani) for _ in range(60)]
    rule_make(botosani, kind=AlertRuleKind.ABOVE, attribute="fillingLevel", threshold=0.9)
    rule_make(botosani, kind=AlertRuleKind.STATUS, status_values=["burning"])
    with django_assert_max_num_queries(5):
        alerts.changes_evaluate([change(entity) for entity in entities])
    assert Alert.objects.count() == 0


def test_periodic_jobs_register_in_the_core_scheduler(
    botosani: Municipality, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digiplace.core import periodic
    from digiplace.urbandata import tasks_alerts

    # The registry is the process's: the test leaves it as it found it.
    monkeypatch.setattr(periodic, "_jobs", dict(periodic._jobs))
    alerts.register_periodic()
    jobs = {job.name: job for job in periodic.periodic_jobs()}
    assert jobs["urbandata.alerts.no_data"].interval == datetime.timedelta(minutes=5)
    assert jobs["urbandata.alerts.no_data"].task is tasks_alerts.alerts_no_data_check
    assert jobs["urbandata.alerts.webhooks"].interval == datetime.timedelta(minutes=1)
    assert jobs["urbandata.alerts.conditions"].interval == datetime.timedelta(minutes=1)

    # The no-data job, run as the worker runs it, opens the alert.
    entity = EntityFactory.create(
        municipality=botosani, last_observed_at=timezone.now() - datetime.timedelta(hours=3)
    )
    rule_make(botosani, kind=AlertRuleKind.NO_DATA, hours=2)
    assert tasks_alerts.alerts_no_data_check.call() == 1
    assert entity.alerts.get().state == AlertState.OPEN
