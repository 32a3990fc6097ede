"""The smart bins' default alert rules: created once per city in its language, fire to the
dispatcher at once, the other dangers to the sanitation service, each firing on what a real
sensor sends through urban data's ingest."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from digiplace.core.models import AuditLogEntry, Municipality, Notification
from digiplace.core.tests.factories import DepartmentFactory, StaffMembershipFactory, UserFactory
from digiplace.urbandata.models import Alert, AlertRule, AlertRuleKind
from digiplace.urbandata.services import alerts as urbandata_alerts
from digiplace.urbandata.services.ingest import WriteMode, entities_write
from digiplace.waste.services.alerts import (
    FIRE_TEMPERATURE_C,
    alert_rules_ensure,
    default_rules,
    fire_rule_names,
)

pytestmark = pytest.mark.django_db

BIN = "urn:ngsi-ld:WasteContainer:botosani-p07-plastic"


def write(municipality: Municipality, capture: Any, **attributes: Any) -> None:
    moment = attributes.pop("moment", timezone.now())
    document: dict[str, Any] = {
        "id": BIN,
        "type": "WasteContainer",
        "location": {
            "type": "GeoProperty",
            "value": {
                "type": "Point",
                "coordinates": attributes.pop("coordinates", [26.6694, 47.7486]),
            },
        },
    }
    for name, value in attributes.items():
        document[name] = {"type": "Property", "value": value, "observedAt": moment.isoformat()}
    with capture(execute=True):
        [result] = entities_write(
            municipality=municipality, documents=[document], mode=WriteMode.UPSERT_MERGE, key=None
        )
    assert result.error is None, result.error


@pytest.fixture
def departments(botosani: Municipality) -> dict[str, Any]:
    police = DepartmentFactory.create(municipality=botosani, name="Poliția Locală – Dispecerat")
    sanitation = DepartmentFactory.create(municipality=botosani, name="Serviciul Salubrizare")
    dispatcher = StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="dispatcher@botosani.example"),
        department=police,
        modules=["urbandata", "waste"],
    )
    cleaner = StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="sanitation@botosani.example"),
        department=sanitation,
        modules=["urbandata", "waste"],
    )
    return {
        "police": police,
        "sanitation": sanitation,
        "dispatcher": dispatcher,
        "cleaner": cleaner,
    }


def test_rules_are_created_once_in_the_citys_language_with_their_departments(
    botosani: Municipality, departments: dict[str, Any]
) -> None:
    created = alert_rules_ensure(
        municipality=botosani,
        dispatcher=departments["police"],
        sanitation=departments["sanitation"],
    )
    assert len(created) == len(default_rules()) == 7
    again = alert_rules_ensure(
        municipality=botosani,
        dispatcher=departments["police"],
        sanitation=departments["sanitation"],
    )
    assert again == []
    rules = AlertRule.objects.filter(municipality=botosani)
    assert rules.count() == 7
    assert all(rule.entity_type == "WasteContainer" and rule.is_active for rule in rules)
    # Botoșani speaks Romanian: the rules carry Romanian names.
    fire_names = {rule.name for rule in rules if rule.department == departments["police"]}
    assert fire_names <= fire_rule_names() and len(fire_names) == 2
    assert all("Deșeuri" in name for name in fire_names)
    others = rules.exclude(department=departments["police"])
    assert {rule.department for rule in others} == {departments["sanitation"]}
    assert {rule.kind for rule in rules} == {
        AlertRuleKind.ABOVE,
        AlertRuleKind.STATUS,
        AlertRuleKind.MOVED,
        AlertRuleKind.NO_DATA,
    }
    assert AuditLogEntry.objects.filter(target_type="urbandata.AlertRule").count() == 7


def test_a_hot_bin_alerts_the_dispatcher_at_once_and_only_the_dispatcher(
    botosani: Municipality, departments: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    alert_rules_ensure(
        municipality=botosani,
        dispatcher=departments["police"],
        sanitation=departments["sanitation"],
    )
    write(botosani, django_capture_on_commit_callbacks, temperature=24.0, status="ok")
    assert not Alert.objects.exists()

    write(botosani, django_capture_on_commit_callbacks, temperature=FIRE_TEMPERATURE_C + 12)
    (alert,) = Alert.objects.all()
    assert alert.rule.department == departments["police"]
    assert alert.value == f"{FIRE_TEMPERATURE_C + 12:g}"
    recipients = {n.recipient.email for n in Notification.objects.select_related("recipient")}
    assert recipients == {"dispatcher@botosani.example"}

    write(botosani, django_capture_on_commit_callbacks, status="burning")
    assert Alert.objects.filter(rule__department=departments["police"]).count() == 2


@pytest.mark.parametrize(
    ("attributes", "value"),
    [
        ({"status": "dropped"}, "dropped"),
        ({"status": "vandalized"}, "vandalized"),
        # 0.001° of latitude is about 111 m from where it was registered.
        ({"coordinates": [26.6694, 47.7496]}, "111 m"),
    ],
)
def test_tilt_vandalism_and_movement_go_to_the_sanitation_service(
    botosani: Municipality,
    departments: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    attributes: dict[str, Any],
    value: str,
) -> None:
    alert_rules_ensure(
        municipality=botosani,
        dispatcher=departments["police"],
        sanitation=departments["sanitation"],
    )
    write(botosani, django_capture_on_commit_callbacks, status="ok", fillingLevel=0.3)
    write(botosani, django_capture_on_commit_callbacks, **attributes)
    (alert,) = Alert.objects.all()
    assert alert.value == value
    assert alert.rule.department == departments["sanitation"]
    recipients = {n.recipient.email for n in Notification.objects.select_related("recipient")}
    assert recipients == {"sanitation@botosani.example"}


def test_overflow_needs_an_hour_and_a_silent_sensor_half_a_day(
    botosani: Municipality, departments: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    alert_rules_ensure(
        municipality=botosani,
        dispatcher=departments["police"],
        sanitation=departments["sanitation"],
    )
    start = timezone.now()
    write(botosani, django_capture_on_commit_callbacks, fillingLevel=0.97, moment=start)
    # Full for a moment is not an overflow yet.
    assert not Alert.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        urbandata_alerts.conditions_check(now=start + datetime.timedelta(minutes=59))
    assert not Alert.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        urbandata_alerts.conditions_check(now=start + datetime.timedelta(minutes=61))
    (overflow,) = Alert.objects.all()
    assert overflow.value == "0.97"

    # Eleven hours without a reading are not yet silence; thirteen are.
    with django_capture_on_commit_callbacks(execute=True):
        urbandata_alerts.no_data_check(now=start + datetime.timedelta(hours=11))
    assert Alert.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        urbandata_alerts.no_data_check(now=start + datetime.timedelta(hours=13))
    silent = Alert.objects.exclude(pk=overflow.pk).get()
    assert silent.rule.kind == AlertRuleKind.NO_DATA
