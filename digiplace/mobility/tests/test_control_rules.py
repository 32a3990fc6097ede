"""The buses' default alert rules: created once in the city's language, routed to the
transport department when the city has one, and each opening an alert on a bus's entity
only once its condition has held for the rule's minutes."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from digiplace.core.models import AuditLogEntry, Municipality
from digiplace.core.tests.factories import DepartmentFactory
from digiplace.mobility.services.control import (
    BUNCHING_MINUTES,
    control_rules_ensure,
    default_rules,
)
from digiplace.mobility.tests.factories_control import VehicleEntityFactory
from digiplace.urbandata.models import AlertRule, AlertRuleKind
from digiplace.urbandata.services.alerts import rule_apply

pytestmark = pytest.mark.django_db


def test_rules_are_created_once_for_the_transport_department(botosani: Municipality) -> None:
    DepartmentFactory.create(municipality=botosani, name_ro="Poliția Locală", name_en="Police")
    transport = DepartmentFactory.create(
        municipality=botosani, name_ro="Serviciul Transport Public", name_en="Public transport"
    )
    created = control_rules_ensure(botosani)
    assert len(created) == 3
    rules = AlertRule.objects.filter(municipality=botosani, entity_type="Vehicle")
    assert {
        (rule.attribute, rule.kind, rule.threshold, rule.duration_minutes) for rule in rules
    } == {
        ("offRouteDistance", AlertRuleKind.ABOVE, 100.0, 2),
        ("headway", AlertRuleKind.BELOW, 120.0, 3),
        ("delay", AlertRuleKind.ABOVE, 600.0, 5),
    }
    assert {rule.department_id for rule in rules} == {transport.pk}
    # Named in the city's language (Romanian), whatever the language of the request.
    with translation.override("ro"):
        assert {rule.name for rule in rules} == {str(template.name) for template in default_rules()}
    assert AuditLogEntry.objects.filter(municipality=botosani).count() == 3
    # Idempotent: nothing new, nothing audited, also when run from an English request.
    with translation.override("en"):
        assert control_rules_ensure(botosani) == []
    assert rules.count() == 3
    assert AuditLogEntry.objects.filter(municipality=botosani).count() == 3


def test_without_a_transport_department_the_rules_have_none(
    botosani: Municipality, timisoara: Municipality
) -> None:
    DepartmentFactory.create(municipality=timisoara, name_ro="Transport", name_en="Transport")
    created = control_rules_ensure(botosani)
    assert [rule.department_id for rule in created] == [None, None, None]
    assert len(default_rules()) == 3


def test_bunching_opens_after_three_minutes_below_two_minutes(botosani: Municipality) -> None:
    [_off_route, bunching, _late] = control_rules_ensure(botosani)
    bus = VehicleEntityFactory.create(
        municipality=botosani,
        attributes={"headway": {"type": "Property", "value": 90}},
    )
    start = timezone.now()
    assert rule_apply(rule=bunching, entity=bus, now=start) is None
    assert (
        rule_apply(
            rule=bunching,
            entity=bus,
            now=start + datetime.timedelta(minutes=BUNCHING_MINUTES, seconds=-1),
        )
        is None
    )
    alert = rule_apply(
        rule=bunching, entity=bus, now=start + datetime.timedelta(minutes=BUNCHING_MINUTES)
    )
    assert alert is not None and alert.value == "90"
