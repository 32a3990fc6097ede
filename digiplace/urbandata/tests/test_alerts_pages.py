"""Staff pages of alerts: who may open them (another city's 404, no module 403), the list's
filters, map places and live fragment, acknowledge and resolve, the rule form per kind."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership, StaffRole
from digiplace.core.tests.factories import DepartmentFactory, StaffMembershipFactory, UserFactory
from digiplace.urbandata.models import Alert, AlertRule, AlertRuleKind, AlertState
from digiplace.urbandata.services import alerts
from digiplace.urbandata.tests.factories import EntityFactory

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"


def staff_client(membership: StaffMembership | None = None, host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if membership is not None:
        client.force_login(membership.user)
    return client


@pytest.fixture
def operator(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="operator@botosani.example"),
        modules=["urbandata"],
    )


def fire(municipality: Municipality, **entity_fields: Any) -> Alert:
    rule = AlertRule.objects.filter(municipality=municipality, name="Fire").first()
    if rule is None:
        rule = AlertRule.objects.create(
            municipality=municipality,
            name="Fire",
            entity_type="WasteContainer",
            kind=AlertRuleKind.STATUS,
            attribute="status",
            status_values=["burning"],
        )
    entity_fields.setdefault("attributes", {"status": {"type": "Property", "value": "burning"}})
    entity = EntityFactory.create(municipality=municipality, **entity_fields)
    alert = alerts.rule_apply(rule=rule, entity=entity)
    assert alert is not None
    return alert


def test_pages_need_a_login_and_the_module(
    botosani: Municipality, botosani_staff: StaffMembership
) -> None:
    alert = fire(botosani)
    url = reverse("urbandata_backoffice:alert_list")
    assert url == "/backoffice/urbandata/alerts/"
    anonymous = staff_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]

    # A staff member without the urbandata module.
    without = staff_client(botosani_staff)
    for page in (
        url,
        reverse("urbandata_backoffice:alert_detail", args=[alert.pk]),
        reverse("urbandata_backoffice:alert_rule_list"),
        reverse("urbandata_backoffice:alert_rule_create"),
    ):
        assert without.get(page).status_code == 403
    response = without.post(reverse("urbandata_backoffice:alert_acknowledge", args=[alert.pk]))
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN


def test_another_citys_alert_and_rule_are_404_whatever_the_method(
    botosani: Municipality, timisoara: Municipality, timisoara_admin: StaffMembership
) -> None:
    alert = fire(botosani)
    client = staff_client(timisoara_admin, host=TIMISOARA)
    assert client.get(reverse("urbandata_backoffice:alert_list")).status_code == 200
    for name in ("alert_detail", "alert_acknowledge", "alert_resolve"):
        path = reverse(f"urbandata_backoffice:{name}", args=[alert.pk])
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404
    for name in ("alert_rule_edit", "alert_rule_activate"):
        path = reverse(f"urbandata_backoffice:{name}", args=[alert.rule.pk])
        assert client.post(path, {"active": "0", "name": "x"}).status_code == 404
    alert.refresh_from_db()
    alert.rule.refresh_from_db()
    assert alert.state == AlertState.OPEN and alert.rule.is_active and alert.rule.name == "Fire"
    # The list shows only the city's own.
    listed = client.get(reverse("urbandata_backoffice:alert_list"))
    assert "Fire" not in listed.content.decode()


def test_list_filters_map_and_live_fragment(
    botosani: Municipality, operator: StaffMembership
) -> None:
    burning = fire(botosani, name="Container Piața Revoluției", latitude=47.75, longitude=26.66)
    resolved = fire(botosani, name="Container Calea Națională")
    alerts.alert_resolve(alert=resolved, actor=operator.user)
    client = staff_client(operator)

    page = client.get(reverse("urbandata_backoffice:alert_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Container Piața Revoluției" in html and "Container Calea Națională" in html
    assert 'hx-trigger="every 15s"' in html
    assert "alerts.js" in html and 'id="alerts-map"' in html

    unresolved = client.get(reverse("urbandata_backoffice:alert_list"), {"state": "unresolved"})
    html = unresolved.content.decode()
    assert "Container Piața Revoluției" in html and "Container Calea Națională" not in html
    # The live fragment keeps the filters and carries the map's places.
    assert "live/?state=unresolved" in html

    live = client.get(reverse("urbandata_backoffice:alert_list_live"), {"state": "unresolved"})
    assert live.status_code == 200
    fragment = live.content.decode()
    assert "<html" not in fragment
    assert "1 open, 0 acknowledged" in fragment
    features = json.loads(
        fragment.split('id="alerts-live-features" type="application/json">')[1].split("</script>")[
            0
        ]
    )
    [feature] = [
        f for f in features["features"] if f["properties"]["url"].endswith(f"/{burning.pk}/")
    ]
    assert feature["geometry"]["coordinates"] == [26.66, 47.75]
    assert feature["properties"]["state"] == "open"

    by_type = client.get(reverse("urbandata_backoffice:alert_list"), {"type": "Streetlight"})
    assert "No alerts match." in by_type.content.decode()
    by_rule = client.get(reverse("urbandata_backoffice:alert_list"), {"rule": burning.rule_id})
    assert "Container Piața Revoluției" in by_rule.content.decode()

    bad = client.get(reverse("urbandata_backoffice:alert_list"), {"state": "sideways"})
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()


def test_acknowledge_and_resolve_through_the_page(
    botosani: Municipality, operator: StaffMembership
) -> None:
    alert = fire(botosani)
    client = staff_client(operator)
    detail = reverse("urbandata_backoffice:alert_detail", args=[alert.pk])
    html = client.get(detail).content.decode()
    assert "Acknowledge" in html and "Mark as resolved" in html

    assert (
        client.get(reverse("urbandata_backoffice:alert_acknowledge", args=[alert.pk])).status_code
        == 405
    )
    response = client.post(
        reverse("urbandata_backoffice:alert_acknowledge", args=[alert.pk]), follow=True
    )
    assert "The alert is acknowledged." in response.content.decode()
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.acknowledged_by == operator.user

    again = client.post(
        reverse("urbandata_backoffice:alert_acknowledge", args=[alert.pk]), follow=True
    )
    assert "This alert is already acknowledged." in again.content.decode()

    client.post(reverse("urbandata_backoffice:alert_resolve", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED and alert.resolved_by == operator.user
    html = client.get(detail).content.decode()
    assert "Mark as resolved" not in html
    assert "operator@botosani.example" in html or str(operator.user) in html
    assert (
        AuditLogEntry.objects.filter(target_type="urbandata.Alert", actor=operator.user).count()
        == 2
    )


def test_rule_form_checks_each_kind_and_writes_nothing_when_wrong(
    botosani: Municipality, operator: StaffMembership
) -> None:
    client = staff_client(operator)
    url = reverse("urbandata_backoffice:alert_rule_create")
    assert client.get(url).status_code == 200
    base = {"name": "Plin", "entity_type": "WasteContainer", "duration_minutes": "0"}
    cases = [
        ({"kind": "above", "attribute": "fillingLevel"}, "Give the threshold to compare with."),
        ({"kind": "status"}, "Give at least one status value"),
        ({"kind": "no_data"}, "Give the number of hours without data"),
        ({"kind": "moved"}, "Give the distance in metres"),
        ({"kind": "above", "attribute": "fillingLevel", "threshold": "abc"}, "Enter a number."),
        (
            {"kind": "status", "status_values": "burning", "entity_id": "urn:nope"},
            "This city has no entity",
        ),
        ({"kind": "moved", "distance_metres": "-5"}, "greater than or equal to 1"),
    ]
    for fields, message in cases:
        response = client.post(url, {**base, **fields})
        assert response.status_code == 400, fields
        assert message in response.content.decode(), fields
    assert AlertRule.objects.count() == 0

    department = DepartmentFactory.create(municipality=botosani, name="Salubritate")
    response = client.post(
        url,
        {
            **base,
            "kind": "status",
            "status_values": "burning, vandalized",
            "department": department.pk,
        },
    )
    assert response.status_code == 302
    rule = AlertRule.objects.get()
    assert rule.status_values == ["burning", "vandalized"] and rule.department == department
    assert rule.municipality == botosani

    edit = reverse("urbandata_backoffice:alert_rule_edit", args=[rule.pk])
    edit_page = client.get(edit).content.decode()
    assert "burning, vandalized" in edit_page
    assert f"/backoffice/urbandata/alerts/?rule={rule.pk}" in edit_page
    response = client.post(
        edit,
        {
            **base,
            "name": "Umplere",
            "kind": "above",
            "attribute": "fillingLevel",
            "threshold": "0.9",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.kind, rule.threshold, rule.status_values) == (
        "Umplere",
        "above",
        0.9,
        [],
    )

    client.post(
        reverse("urbandata_backoffice:alert_rule_activate", args=[rule.pk]), {"active": "0"}
    )
    rule.refresh_from_db()
    assert not rule.is_active
    listing = client.get(reverse("urbandata_backoffice:alert_rule_list")).content.decode()
    assert "Umplere" in listing and "Switch on" in listing


def test_another_citys_department_is_not_offered(
    botosani: Municipality, timisoara: Municipality, operator: StaffMembership
) -> None:
    foreign = DepartmentFactory.create(municipality=timisoara, name="Străin")
    client = staff_client(operator)
    response = client.post(
        reverse("urbandata_backoffice:alert_rule_create"),
        {
            "name": "X",
            "entity_type": "WasteContainer",
            "kind": "moved",
            "distance_metres": "30",
            "department": foreign.pk,
        },
    )
    assert response.status_code == 400
    assert AlertRule.objects.count() == 0


def test_an_administrator_uses_the_pages_without_the_module_listed(
    botosani: Municipality, botosani_admin: StaffMembership
) -> None:
    assert botosani_admin.role == StaffRole.ADMIN
    fire(botosani)
    response = staff_client(botosani_admin).get(reverse("urbandata_backoffice:alert_list"))
    assert response.status_code == 200
