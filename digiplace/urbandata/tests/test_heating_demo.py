"""The heating and waste demos: Botoșani's substations and containers inside the city, marked
as demo, with 14 days of heating history and rollups, the default rules; loaded once."""

from __future__ import annotations

import pytest
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.urbandata.demo import heating, waste
from digiplace.urbandata.models import AlertRule, AlertRuleKind, Entity, Reading, Rollup
from digiplace.urbandata.selectors import heating as heating_selectors

pytestmark = pytest.mark.django_db


def test_the_heating_demo_loads_once_with_history_rules_and_states(
    botosani: Municipality, timisoara: Municipality, client: Client
) -> None:
    lines = heating.demo_load(botosani=botosani, timisoara=timisoara)
    again = heating.demo_load(botosani=botosani, timisoara=timisoara)
    assert "18 demo heating substations" in lines[0]
    assert "already there" in again[0]
    substations = Entity.objects.filter(municipality=botosani, type="HeatSubstation")
    assert substations.count() == 18
    assert not Entity.objects.filter(municipality=timisoara).exists()
    for substation in substations:
        assert substation.is_demo
        assert substation.department is not None
        assert substation.department.name_ro == "Serviciul Termoficare"  # type: ignore[attr-defined]
        assert substation.latitude is not None and substation.longitude is not None
        assert botosani.contains_point(substation.latitude, substation.longitude)
        assert (
            substation.attributes["supplyTemperature"]["value"]
            > substation.attributes["returnTemperature"]["value"]
        )
    # 14 days, every 15 minutes, six attributes, plus the current values.
    assert Reading.objects.filter(entity__municipality=botosani).count() == 18 * 6 * (
        14 * 24 * 4 + 1
    )
    assert (
        Rollup.objects.filter(entity__municipality=botosani, period="hour").count()
        >= 18 * 6 * 14 * 24
    )
    assert Rollup.objects.filter(entity__municipality=botosani, period="day").count() >= 18 * 6 * 13
    kinds = sorted(AlertRule.objects.filter(municipality=botosani).values_list("kind", flat=True))
    assert kinds == sorted(
        [
            AlertRuleKind.ABOVE,
            AlertRuleKind.ABOVE,
            AlertRuleKind.BELOW,
            AlertRuleKind.BELOW,
            AlertRuleKind.HEAT_LOSS,
        ]
    )
    # The two anomalies are out of range, the others normal.
    rows = {
        row.entity.entity_id: row
        for row in heating_selectors.substation_rows(municipality=botosani)
    }
    states = {entity_id: row.state for entity_id, row in rows.items()}
    assert states.pop("urn:ngsi-ld:HeatSubstation:botosani-pt-05") == "out_of_range"
    assert states.pop("urn:ngsi-ld:HeatSubstation:botosani-pt-11") == "out_of_range"
    assert set(states.values()) == {"ok"}
    assert rows["urn:ngsi-ld:HeatSubstation:botosani-pt-05"].difference is not None
    assert rows["urn:ngsi-ld:HeatSubstation:botosani-pt-05"].difference > 40

    # The dashboard and a substation's charts.
    staff = StaffMembershipFactory.create(
        municipality=botosani, user=UserFactory.create(), modules=["urbandata"]
    )
    client.force_login(staff.user)
    client.cookies["digiplace_language"] = "en"
    dashboard = client.get("/backoffice/urbandata/heating/", HTTP_HOST="botosani.localhost")
    assert dashboard.status_code == 200
    text = dashboard.content.decode()
    assert "PT 5 Cișmea" in text
    assert "Demo data" in text
    features = dashboard.context["features"]["features"]
    assert len(features) == 18
    assert {feature["properties"]["state"] for feature in features} == {"ok", "out_of_range"}
    pt5 = substations.get(entity_id="urn:ngsi-ld:HeatSubstation:botosani-pt-05")
    page = client.get(f"/backoffice/urbandata/heating/{pt5.pk}/", HTTP_HOST="botosani.localhost")
    assert page.status_code == 200
    temperatures = page.context["temperatures"]
    assert len(temperatures["labels"]) == 72
    supply = temperatures["datasets"][0]["data"]
    assert sum(value is not None for value in supply) >= 71
    assert all(60 <= value <= 115 for value in supply if value is not None)


def test_another_citys_substation_is_not_found(
    botosani: Municipality, timisoara: Municipality, client: Client
) -> None:
    heating.botosani_network_load(municipality=botosani, count=2)
    staff = StaffMembershipFactory.create(
        municipality=timisoara, user=UserFactory.create(), modules=["urbandata"]
    )
    client.force_login(staff.user)
    theirs = Entity.objects.filter(municipality=botosani).first()
    assert theirs is not None
    response = client.get(
        f"/backoffice/urbandata/heating/{theirs.pk}/", HTTP_HOST="timisoara.localhost"
    )
    assert response.status_code == 404
    dashboard = client.get("/backoffice/urbandata/heating/", HTTP_HOST="timisoara.localhost")
    assert dashboard.context["rows"] == []


def test_the_waste_demo_loads_containers_once(botosani: Municipality) -> None:
    lines = waste.demo_load(botosani=botosani, timisoara=None)
    again = waste.demo_load(botosani=botosani, timisoara=None)
    assert "40 demo waste containers" in lines[0]
    assert "already there" in again[0]
    containers = Entity.objects.filter(municipality=botosani, type="WasteContainer")
    assert containers.count() == 40
    kinds = sorted({container.attributes["storedWasteKind"]["value"] for container in containers})
    assert kinds == ["glass", "other", "paper", "plastic"]
    for container in containers:
        assert container.is_demo
        assert container.latitude is not None and container.longitude is not None
        assert botosani.contains_point(container.latitude, container.longitude)
        assert 0 <= container.attributes["fillingLevel"]["value"] <= 1
        assert container.attributes["status"]["value"] == "ok"
        # Where it was installed: the movement rule measures from there.
        assert (container.registered_latitude, container.registered_longitude) == (
            container.latitude,
            container.longitude,
        )
