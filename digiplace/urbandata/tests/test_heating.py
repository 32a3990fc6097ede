"""The district-heating dashboard's states: an open alert, values out of a rule's range
(above, below, heat loss as the alert rules read it), no data, normal; a device's page lists
its alerts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.urbandata.models import Alert, AlertRule, AlertRuleKind, AlertState, Entity
from digiplace.urbandata.selectors import heating
from digiplace.urbandata.tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def _substation(municipality: Municipality, number: int, **values: float) -> Entity:
    return EntityFactory.create(
        municipality=municipality,
        type="HeatSubstation",
        entity_id=f"urn:ngsi-ld:HeatSubstation:t-{number}",
        name=f"PT {number}",
        attributes={name: {"type": "Property", "value": value} for name, value in values.items()},
    )


def _rule(municipality: Municipality, kind: str, threshold: float, **extra: Any) -> AlertRule:
    return AlertRule.objects.create(
        municipality=municipality,
        name=f"{kind} {threshold}",
        entity_type="HeatSubstation",
        kind=kind,
        threshold=threshold,
        **extra,
    )


def test_each_substation_gets_its_state(botosani: Municipality, timisoara: Municipality) -> None:
    normal = _substation(botosani, 1, supplyTemperature=90, returnTemperature=62, pressure=5)
    hot = _substation(botosani, 2, supplyTemperature=121, returnTemperature=90, pressure=5)
    leaking = _substation(botosani, 3, supplyTemperature=90, returnTemperature=62, pressure=1.8)
    losing = _substation(botosani, 4, supplyTemperature=90, returnTemperature=45, pressure=5)
    silent = _substation(botosani, 5)
    alerted = _substation(botosani, 6, supplyTemperature=90, returnTemperature=62, pressure=5)
    _rule(botosani, AlertRuleKind.ABOVE, 115, attribute="supplyTemperature")
    _rule(botosani, AlertRuleKind.BELOW, 2.5, attribute="pressure")
    _rule(botosani, AlertRuleKind.HEAT_LOSS, 40)
    # Only for one substation; inactive; another city's: none of them counts for the others.
    _rule(botosani, AlertRuleKind.BELOW, 95, attribute="supplyTemperature", entity=hot)
    _rule(botosani, AlertRuleKind.BELOW, 99, attribute="supplyTemperature", is_active=False)
    _rule(timisoara, AlertRuleKind.BELOW, 99, attribute="supplyTemperature")
    rule = AlertRule.objects.get(kind=AlertRuleKind.HEAT_LOSS)
    Alert.objects.create(municipality=botosani, rule=rule, entity=alerted, message="Heat loss")
    Alert.objects.create(
        municipality=botosani,
        rule=rule,
        entity=normal,
        message="Old",
        state=AlertState.RESOLVED,
    )

    rows = {row.entity: row for row in heating.substation_rows(municipality=botosani)}

    assert rows[normal].state == heating.STATE_OK
    assert rows[hot].state == heating.STATE_OUT_OF_RANGE
    assert rows[hot].reasons == ["above 115: 121"]
    assert rows[leaking].state == heating.STATE_OUT_OF_RANGE
    assert rows[leaking].reasons == ["below 2.5: 1.8"]
    assert rows[losing].state == heating.STATE_OUT_OF_RANGE
    assert rows[losing].difference == 45
    assert rows[silent].state == heating.STATE_NO_DATA
    assert rows[alerted].state == heating.STATE_ALERT
    assert rows[alerted].open_alerts == 1


def test_the_dashboard_reads_in_a_fixed_number_of_queries(
    botosani: Municipality, django_assert_num_queries: Any
) -> None:
    for number in range(20):
        _substation(botosani, number, supplyTemperature=90, returnTemperature=62)
    _rule(botosani, AlertRuleKind.HEAT_LOSS, 40)
    with django_assert_num_queries(3):
        rows = heating.substation_rows(municipality=botosani)
    assert len(rows) == 20


def test_a_device_page_lists_its_alerts(botosani: Municipality, client: Client) -> None:
    staff = StaffMembershipFactory.create(
        municipality=botosani, user=UserFactory.create(), modules=["urbandata"]
    )
    client.force_login(staff.user)
    substation = _substation(botosani, 1, supplyTemperature=90, returnTemperature=45)
    rule = _rule(botosani, AlertRuleKind.HEAT_LOSS, 40)
    alert = Alert.objects.create(
        municipality=botosani, rule=rule, entity=substation, message="Heat loss at PT 1"
    )
    response = client.get(
        f"/backoffice/urbandata/devices/{substation.pk}/",
        HTTP_HOST="botosani.localhost",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.context["open_alerts"] == 1
    assert response.context["recent_alerts"] == [alert]
    text = response.content.decode()
    assert f'href="/backoffice/urbandata/alerts/{alert.pk}/"' in text
    assert 'href="/backoffice/urbandata/alerts/?type=HeatSubstation"' in text


def test_the_demo_anomalies_break_their_rules_in_every_season_and_only_they_do() -> None:
    """Outdoors from −15 °C to 35 °C: the heat-loss substation's supply–return difference is
    above the demo's 40 K rule and the leaking one's pressure below 2.5 bar, whatever the
    weather; the others stay inside every rule (the demo's anomalies must not come and go
    with the season)."""
    import random

    from digiplace.urbandata import simulation
    from digiplace.urbandata.demo import heating as heating_demo

    rules = heating_demo.default_rules()
    heat_loss = next(rule["threshold"] for rule in rules if rule["kind"] == AlertRuleKind.HEAT_LOSS)
    low_pressure = next(
        rule["threshold"]
        for rule in rules
        if rule["attribute"] == "pressure" and rule["kind"] == AlertRuleKind.BELOW
    )
    randomness = random.Random(12)
    for number in range(1, 19):
        profile = heating_demo.profile(number)
        for outdoor in range(-15, 36):
            values = simulation.heating_values(
                profile=profile, outdoor=float(outdoor), randomness=randomness
            )
            difference = values["supplyTemperature"] - values["returnTemperature"]
            if profile.anomaly == "heat_loss":
                assert difference > heat_loss, (number, outdoor, difference)
            else:
                assert difference < heat_loss, (number, outdoor, difference)
            if profile.anomaly == "low_pressure":
                assert values["pressure"] < low_pressure, (number, outdoor, values)
            else:
                assert low_pressure < values["pressure"] < 9.0, (number, outdoor, values)
            assert 55.0 < values["supplyTemperature"] < 115.0, (number, outdoor, values)
