"""The devices back office: who may use it, the list (search, type filter, paging), a device's
page (latest values with units, keys, alerts), registering, editing and retiring a device,
issuing a key (shown once) and revoking it (audited; the key is refused afterwards)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from digiplace.core.models import (
    AuditAction,
    AuditLogEntry,
    Department,
    Municipality,
    StaffMembership,
)
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.urbandata.errors import NgsiError
from digiplace.urbandata.models import DeviceKey, Entity
from digiplace.urbandata.services.keys import device_key_authenticate
from digiplace.urbandata.tests.factories import EntityFactory, device_key_make

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
BACKOFFICE = "/backoffice/urbandata/"
DEVICES = BACKOFFICE + "devices/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def urbandata_staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="date@botosani.example"),
        modules=["urbandata"],
    )


@pytest.fixture
def staff_client(urbandata_staff: StaffMembership, client: Client) -> Client:
    client.force_login(urbandata_staff.user)
    client.cookies["digiplace_language"] = "en"
    return client


@pytest.fixture
def container(botosani: Municipality) -> Entity:
    return EntityFactory.create(
        municipality=botosani,
        entity_id="urn:ngsi-ld:WasteContainer:botosani-piata-revolutiei",
        name="Piața Revoluției",
        attributes={
            "fillingLevel": {
                "type": "Property",
                "value": 0.62,
                "observedAt": "2026-11-30T10:00:00.000Z",
            },
            "temperature": {"type": "Property", "value": 21.5},
            "status": {"type": "Property", "value": "ok"},
        },
    )


# Who may use it


def test_staff_without_the_module_are_refused(
    botosani: Municipality, botosani_staff: StaffMembership, client: Client
) -> None:
    client.force_login(botosani_staff.user)
    for url in (BACKOFFICE, DEVICES, DEVICES + "new/", BACKOFFICE + "heating/"):
        assert client.get(url, HTTP_HOST=BOTOSANI).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(botosani: Municipality, client: Client) -> None:
    response = client.get(DEVICES, HTTP_HOST=BOTOSANI)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_another_citys_device_and_key_are_not_found_whatever_the_method(
    staff_client: Client, timisoara: Municipality
) -> None:
    other = EntityFactory.create(municipality=timisoara, name="Timișoara sensor")
    key, _secret = device_key_make(municipality=timisoara, entity=other)
    for url in (
        f"{DEVICES}{other.pk}/",
        f"{DEVICES}{other.pk}/edit/",
        f"{DEVICES}{other.pk}/retire/",
        f"{BACKOFFICE}keys/{key.pk}/revoke/",
    ):
        assert staff_client.get(url, HTTP_HOST=BOTOSANI).status_code == 404
        assert staff_client.post(url, HTTP_HOST=BOTOSANI).status_code == 404
    assert (
        staff_client.post(
            f"{DEVICES}{other.pk}/keys/", {"name": "x"}, HTTP_HOST=BOTOSANI
        ).status_code
        == 404
    )
    other.refresh_from_db()
    key.refresh_from_db()
    assert key.revoked_at is None
    assert DeviceKey.objects.filter(entity=other).count() == 1
    assert AuditLogEntry.objects.count() == 0


# The home page and the list


def test_the_home_counts_each_type(
    staff_client: Client, botosani: Municipality, timisoara: Municipality
) -> None:
    EntityFactory.create_batch(3, municipality=botosani)
    EntityFactory.create(municipality=botosani, type="HeatSubstation", attributes={})
    EntityFactory.create_batch(2, municipality=timisoara)
    response = staff_client.get(BACKOFFICE, HTTP_HOST=BOTOSANI)
    assert response.status_code == 200
    counts = {row.type_name: row.count for row in response.context["type_counts"]}
    assert counts["WasteContainer"] == 3
    assert counts["HeatSubstation"] == 1
    assert counts["AirQualityObserved"] == 0
    assert response.context["entity_total"] == 4
    assert b'href="/backoffice/urbandata/heating/"' in response.content


def test_the_list_searches_filters_by_type_and_pages(
    staff_client: Client, botosani: Municipality, timisoara: Municipality
) -> None:
    for number in range(55):
        EntityFactory.create(
            municipality=botosani,
            entity_id=f"urn:ngsi-ld:WasteContainer:botosani-c{number:03d}",
            name=f"Container {number}",
        )
    EntityFactory.create(
        municipality=botosani,
        type="HeatSubstation",
        entity_id="urn:ngsi-ld:HeatSubstation:botosani-pt-7",
        name="PT 7 Grivița",
        attributes={},
    )
    EntityFactory.create(municipality=timisoara, name="Container 1 Timișoara")

    first = staff_client.get(DEVICES, HTTP_HOST=BOTOSANI)
    assert first.status_code == 200
    assert first.context["page"].paginator.count == 56
    assert len(first.context["entities"]) == 50
    second = staff_client.get(DEVICES + "?page=2", HTTP_HOST=BOTOSANI)
    assert len(second.context["entities"]) == 6

    heating = staff_client.get(DEVICES + "?type=HeatSubstation", HTTP_HOST=BOTOSANI)
    assert [entity.name for entity in heating.context["entities"]] == ["PT 7 Grivița"]

    found = staff_client.get(DEVICES + "?q=c01", HTTP_HOST=BOTOSANI)
    assert sorted(entity.name for entity in found.context["entities"]) == [
        f"Container {number}" for number in range(10, 20)
    ]
    nothing = staff_client.get(DEVICES + "?q=Timișoara", HTTP_HOST=BOTOSANI)
    assert nothing.context["page"].paginator.count == 0
    assert b"No device matches." in nothing.content


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, HTTP_HOST=BOTOSANI).status_code == 200
    return len(captured)


def test_the_list_reads_in_a_fixed_number_of_queries(
    staff_client: Client, botosani: Municipality
) -> None:
    # Each measure on an address of its own, after another one warmed the caches up.
    EntityFactory.create_batch(3, municipality=botosani)
    _queries(staff_client, DEVICES + "?warm=1")
    few = _queries(staff_client, DEVICES + "?measure=1")
    department = Department.objects.create(municipality=botosani, name="Salubrizare")
    EntityFactory.create_batch(30, municipality=botosani, department=department)
    _queries(staff_client, DEVICES + "?warm=2")
    assert _queries(staff_client, DEVICES + "?measure=2") == few


# A device's page


def test_the_device_page_shows_values_with_units_and_keys(
    staff_client: Client, container: Entity
) -> None:
    key, _secret = device_key_make(
        municipality=container.municipality, name="Lid sensor", entity=container
    )
    response = staff_client.get(f"{DEVICES}{container.pk}/", HTTP_HOST=BOTOSANI)
    assert response.status_code == 200
    rows = {row.name: row for row in response.context["attribute_rows"]}
    assert rows["fillingLevel"].value == "0.62"
    assert rows["temperature"].value == "21.5"
    assert rows["temperature"].unit == "°C"
    assert rows["fillingLevel"].observed_at is not None
    assert response.context["keys"] == [key]
    text = response.content.decode()
    assert "21.5 °C" in text
    assert key.username in text
    assert f"/backoffice/urbandata/keys/{key.pk}/revoke/" in text


# Registering, editing, retiring


def test_staff_register_a_device_with_its_department_and_place(
    staff_client: Client, botosani: Municipality
) -> None:
    department = Department.objects.create(municipality=botosani, name="Termoficare")
    response = staff_client.post(
        DEVICES + "new/",
        {
            "type_name": "HeatSubstation",
            "name": "PT 12 Bucovina",
            "slug": "pt-12",
            "department": department.pk,
            "latitude": "47.7512",
            "longitude": "26.6601",
            "is_demo": "",
        },
        HTTP_HOST=BOTOSANI,
    )
    entity = Entity.objects.get(municipality=botosani)
    assert response.status_code == 302
    assert response["Location"] == f"{DEVICES}{entity.pk}/"
    assert entity.entity_id == "urn:ngsi-ld:HeatSubstation:botosani-pt-12"
    assert entity.type == "HeatSubstation"
    assert entity.name == "PT 12 Bucovina"
    assert entity.department == department
    assert (entity.latitude, entity.longitude) == (47.7512, 26.6601)
    assert (entity.registered_latitude, entity.registered_longitude) == (47.7512, 26.6601)
    assert entity.attributes["name"]["value"] == "PT 12 Bucovina"
    assert entity.attributes["location"]["value"]["coordinates"] == [26.6601, 47.7512]
    assert entity.is_demo is False
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.target_id) == (AuditAction.CREATE, str(entity.pk))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"type_name": "Spaceship"}, "type_name", "Select a valid choice"),
        ({"slug": "PT 12!"}, "slug", "letters, numbers, underscores or hyphens"),
        ({"name": ""}, "name", "This field is required."),
        ({"latitude": "45.75", "longitude": "21.22"}, "latitude", "outside the municipality"),
        ({"longitude": ""}, "latitude", "both the latitude and the longitude"),
    ],
)
def test_a_bad_registration_explains_itself_and_writes_nothing(
    staff_client: Client,
    botosani: Municipality,
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    data = {
        "type_name": "WasteContainer",
        "name": "Container Centru",
        "slug": "centru-1",
        "latitude": "47.7486",
        "longitude": "26.6694",
        **change,
    }
    response = staff_client.post(DEVICES + "new/", data, HTTP_HOST=BOTOSANI)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert Entity.objects.count() == 0
    assert AuditLogEntry.objects.count() == 0


def test_an_identifier_in_use_is_refused(staff_client: Client, botosani: Municipality) -> None:
    EntityFactory.create(
        municipality=botosani, entity_id="urn:ngsi-ld:WasteContainer:botosani-centru-1"
    )
    response = staff_client.post(
        DEVICES + "new/",
        {"type_name": "WasteContainer", "name": "Again", "slug": "centru-1"},
        HTTP_HOST=BOTOSANI,
    )
    assert response.status_code == 400
    assert "already a device" in " ".join(response.context["form"].errors["slug"])
    assert Entity.objects.count() == 1


def test_another_citys_department_is_refused(
    staff_client: Client, botosani: Municipality, timisoara: Municipality
) -> None:
    theirs = Department.objects.create(municipality=timisoara, name="Mediu")
    response = staff_client.post(
        DEVICES + "new/",
        {"type_name": "WasteContainer", "name": "C", "slug": "c-1", "department": theirs.pk},
        HTTP_HOST=BOTOSANI,
    )
    assert response.status_code == 400
    assert Entity.objects.count() == 0


def test_staff_edit_a_device_name_place_and_demo_mark(
    staff_client: Client, container: Entity
) -> None:
    response = staff_client.post(
        f"{DEVICES}{container.pk}/edit/",
        {
            "name": "Piața Revoluției 2",
            "latitude": "47.7500",
            "longitude": "26.6700",
            "is_demo": "on",
        },
        HTTP_HOST=BOTOSANI,
    )
    assert response.status_code == 302
    container.refresh_from_db()
    assert container.name == "Piața Revoluției 2"
    assert container.attributes["name"]["value"] == "Piața Revoluției 2"
    assert container.attributes["fillingLevel"]["value"] == 0.62
    assert (container.latitude, container.longitude) == (47.75, 26.67)
    assert (container.registered_latitude, container.registered_longitude) == (47.75, 26.67)
    assert container.is_demo is True
    entry = AuditLogEntry.objects.get()
    assert entry.action == AuditAction.UPDATE
    assert entry.after is not None and entry.after["is_demo"] is True


def test_retiring_revokes_the_keys_and_deletes_the_device(
    staff_client: Client, container: Entity
) -> None:
    _key, secret = device_key_make(municipality=container.municipality, entity=container)
    confirm = staff_client.get(f"{DEVICES}{container.pk}/retire/", HTTP_HOST=BOTOSANI)
    assert confirm.status_code == 200
    assert Entity.objects.filter(pk=container.pk).exists()
    response = staff_client.post(f"{DEVICES}{container.pk}/retire/", HTTP_HOST=BOTOSANI)
    assert response.status_code == 302
    assert not Entity.objects.filter(pk=container.pk).exists()
    with pytest.raises(NgsiError):
        device_key_authenticate(municipality=container.municipality, secret=secret)
    actions = sorted(AuditLogEntry.objects.values_list("action", flat=True))
    assert actions == [AuditAction.DELETE, AuditAction.UPDATE]


# Keys


def test_a_key_is_shown_once_with_its_mqtt_user_and_topic(
    staff_client: Client, container: Entity
) -> None:
    response = staff_client.post(
        f"{DEVICES}{container.pk}/keys/", {"name": "Gateway 1"}, HTTP_HOST=BOTOSANI
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    key = DeviceKey.objects.get()
    assert key.entity == container
    assert key.name == "Gateway 1"
    text = response.content.decode()
    assert secret in text
    assert key.username in text
    assert f"digiplace/botosani/entities/{key.username}" in text
    assert device_key_authenticate(municipality=container.municipality, secret=secret) == key
    # Never again: the device's page shows the prefix only.
    page = staff_client.get(f"{DEVICES}{container.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    assert secret not in page
    assert key.prefix in page
    entry = AuditLogEntry.objects.get()
    assert entry.action == AuditAction.CREATE
    assert secret not in str(entry.after)


def test_a_key_without_a_name_is_refused(staff_client: Client, container: Entity) -> None:
    response = staff_client.post(
        f"{DEVICES}{container.pk}/keys/", {"name": " "}, HTTP_HOST=BOTOSANI
    )
    assert response.status_code == 400
    assert DeviceKey.objects.count() == 0


def test_a_key_is_issued_by_post_only(staff_client: Client, container: Entity) -> None:
    assert staff_client.get(f"{DEVICES}{container.pk}/keys/", HTTP_HOST=BOTOSANI).status_code == 405
    assert DeviceKey.objects.count() == 0


def test_revoking_asks_then_refuses_the_key_and_audits(
    staff_client: Client, container: Entity, urbandata_staff: StaffMembership
) -> None:
    key, secret = device_key_make(municipality=container.municipality, entity=container)
    url = f"{BACKOFFICE}keys/{key.pk}/revoke/"
    confirm = staff_client.get(url, HTTP_HOST=BOTOSANI)
    assert confirm.status_code == 200
    assert key.prefix in confirm.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is None

    response = staff_client.post(url, HTTP_HOST=BOTOSANI)
    assert response.status_code == 302
    assert response["Location"] == f"{DEVICES}{container.pk}/"
    key.refresh_from_db()
    assert key.revoked_at is not None
    with pytest.raises(NgsiError) as refused:
        device_key_authenticate(municipality=container.municipality, secret=secret)
    assert refused.value.status == 401
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.actor) == (AuditAction.UPDATE, urbandata_staff.user)
    assert entry.after is not None and entry.after["revoked_at"]

    again = staff_client.post(url, HTTP_HOST=BOTOSANI, follow=True)
    assert "already revoked" in again.content.decode()
    assert AuditLogEntry.objects.count() == 1


def test_after_revoking_the_ngsi_ld_api_answers_401(
    staff_client: Client, container: Entity
) -> None:
    key, secret = device_key_make(municipality=container.municipality, entity=container)
    document: dict[str, Any] = {
        "id": container.entity_id,
        "type": "WasteContainer",
        "fillingLevel": {
            "type": "Property",
            "value": 0.7,
            "observedAt": "2026-11-30T11:00:00Z",
        },
    }
    api = Client()

    def upsert() -> int:
        return api.post(
            "/ngsi-ld/v1/entityOperations/upsert?options=update",
            [document],
            content_type="application/json",
            HTTP_HOST=BOTOSANI,
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        ).status_code

    assert upsert() == 204
    staff_client.post(f"{BACKOFFICE}keys/{key.pk}/revoke/", HTTP_HOST=BOTOSANI)
    document["fillingLevel"]["value"] = 0.9
    document["fillingLevel"]["observedAt"] = "2026-11-30T12:00:00Z"
    assert upsert() == 401
    container.refresh_from_db()
    assert container.attributes["fillingLevel"]["value"] == 0.7
