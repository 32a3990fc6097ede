"""The fleet's staff pages: registering a bus makes its positions (written through urban
data's write path with its device key) accepted and tracked, where they were refused
before; out of the fleet they are refused again, back in accepted. A taken fleet number is
refused, in English and Romanian, writing nothing. Who may open the pages (no module 403,
another city's vehicle 404 for GET and POST), the audit, the edit of type and plate."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.mobility.models import PositionRecord, PositionReject, VehicleState
from digiplace.mobility.tests.factories_control import VehicleEntityFactory, VehicleStateFactory
from digiplace.mobility.tests.factories_net import CENTRE_LATITUDE, CENTRE_LONGITUDE
from digiplace.urbandata.models import DeviceKey, Entity
from digiplace.urbandata.services.ingest import EntityResult, WriteMode, entities_write
from digiplace.urbandata.services.keys import device_key_authenticate
from digiplace.urbandata.tests.factories import device_key_make

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]
BOTOSANI = "botosani.localhost"
LIST = reverse("mobility_backoffice:fleet_list")
ADD = reverse("mobility_backoffice:fleet_add")


def staff_client(
    membership: StaffMembership | None = None, host: str = BOTOSANI, language: str = "en"
) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if membership is not None:
        client.force_login(membership.user)
    return client


@pytest.fixture
def dispatcher(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="dispatcher@botosani.example"),
        modules=["mobility"],
    )


def report(
    municipality: Municipality,
    entity_id: str,
    key: DeviceKey,
    moment: datetime.datetime,
    capture: Capture,
) -> EntityResult:
    """A tracker's position, written as the NGSI-LD API and MQTT write it, the listener run."""
    observed = moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    with capture(execute=True):
        (result,) = entities_write(
            municipality=municipality,
            documents=[
                {
                    "id": entity_id,
                    "type": "Vehicle",
                    "location": {
                        "type": "GeoProperty",
                        "value": {
                            "type": "Point",
                            "coordinates": [CENTRE_LONGITUDE, CENTRE_LATITUDE],
                        },
                        "observedAt": observed,
                    },
                    "speed": {"type": "Property", "value": 18.0, "observedAt": observed},
                }
            ],
            mode=WriteMode.UPSERT_MERGE,
            key=key,
            now=moment,
        )
    return result


def audit(action: str, vehicle: VehicleState) -> list[AuditLogEntry]:
    return list(
        AuditLogEntry.objects.filter(
            action=action, target_type="mobility.VehicleState", target_id=str(vehicle.pk)
        ).order_by("created_at", "pk")
    )


def test_pages_need_a_login_and_the_module(
    botosani: Municipality, botosani_staff: StaffMembership
) -> None:
    vehicle = VehicleStateFactory.create(municipality=botosani, label="12")
    assert LIST == "/backoffice/mobility/fleet/"
    for page in [LIST, ADD, reverse("mobility_backoffice:fleet_edit", args=[vehicle.pk])]:
        anonymous = staff_client().get(page)
        assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
        assert staff_client(botosani_staff).get(page).status_code == 403
    for name in ("fleet_deactivate", "fleet_activate", "fleet_key"):
        page = reverse(f"mobility_backoffice:{name}", args=[vehicle.pk])
        assert staff_client(botosani_staff).post(page).status_code == 403
    assert staff_client(botosani_staff).post(ADD, {"label": "13"}).status_code == 403
    assert not VehicleState.objects.filter(label="13").exists()
    vehicle.refresh_from_db()
    assert vehicle.is_active and not DeviceKey.objects.exists()


def test_another_citys_vehicle_is_not_found(
    botosani: Municipality, timisoara: Municipality, dispatcher: StaffMembership
) -> None:
    theirs = VehicleStateFactory.create(municipality=timisoara, label="T7")
    client = staff_client(dispatcher)
    edit = reverse("mobility_backoffice:fleet_edit", args=[theirs.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"label": "X1", "vehicle_type": "tram"}).status_code == 404
    for name in ("fleet_deactivate", "fleet_activate", "fleet_key"):
        page = reverse(f"mobility_backoffice:{name}", args=[theirs.pk])
        assert client.post(page).status_code == 404
        # The lookup comes first: a GET of another city's id is 404 too, not 405.
        assert client.get(page).status_code == 404
    theirs.refresh_from_db()
    assert theirs.label == "T7" and theirs.is_active
    assert not DeviceKey.objects.exists() and not AuditLogEntry.objects.exists()
    # Nor is it listed here, nor offered as an unregistered vehicle.
    listing = client.get(LIST).content.decode()
    assert "T7" not in listing
    VehicleEntityFactory.create(municipality=timisoara, entity_id="urn:ngsi-ld:Vehicle:tm-free")
    assert "tm-free" not in client.get(ADD).content.decode()


def test_a_registered_bus_reports_positions_and_out_of_the_fleet_it_cannot(
    botosani: Municipality,
    dispatcher: StaffMembership,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    """The whole life of a bus: a tracker installed (an entity in urban data, a key bound to
    it) is refused until staff register the bus; then tracked; out of the fleet, refused."""
    client = staff_client(dispatcher)
    tracker = VehicleEntityFactory.create(
        municipality=botosani,
        entity_id="urn:ngsi-ld:Vehicle:botosani-tracker-7",
        name="Tracker 7",
        latitude=None,
        longitude=None,
    )
    key, _secret = device_key_make(municipality=botosani, entity=tracker)
    now = timezone.now().replace(microsecond=0)

    refused = report(
        botosani,
        tracker.entity_id,
        key,
        now - datetime.timedelta(seconds=60),
        django_capture_on_commit_callbacks,
    )
    assert refused.error is not None and refused.error.kind == "BadRequestData"
    assert "not a vehicle of this city's fleet" in refused.error.detail
    assert PositionReject.objects.filter(reason="unknown_vehicle").count() == 1
    tracker.refresh_from_db()
    assert tracker.latitude is None

    # The form offers the tracker among the vehicles not yet in the fleet.
    assert tracker.entity_id in client.get(ADD).content.decode()
    response = client.post(
        ADD,
        {"label": "BT-E07", "vehicle_type": "bus", "plate": "bt 07 ebs", "entity": tracker.pk},
    )
    assert response.status_code == 302 and response["Location"] == LIST
    vehicle = VehicleState.objects.get(municipality=botosani, label="BT-E07")
    assert vehicle.entity_id == tracker.pk and vehicle.is_active
    tracker.refresh_from_db()
    assert tracker.attributes["vehicleType"]["value"] == "bus"
    assert tracker.attributes["fleetVehicleId"]["value"] == "BT-E07"
    assert tracker.attributes["vehiclePlateIdentifier"]["value"] == "BT 07 EBS"

    accepted = report(
        botosani,
        tracker.entity_id,
        key,
        now - datetime.timedelta(seconds=30),
        django_capture_on_commit_callbacks,
    )
    assert accepted.error is None
    vehicle.refresh_from_db()
    assert vehicle.observed_at == now - datetime.timedelta(seconds=30)
    assert vehicle.latitude == pytest.approx(CENTRE_LATITUDE)
    assert vehicle.speed == pytest.approx(5.0)  # 18 km/h
    assert PositionRecord.objects.filter(vehicle=vehicle).count() == 1
    listing = client.get(LIST).content.decode()
    assert "BT-E07" in listing and "BT 07 EBS" in listing and "in service" in listing
    assert reverse("mobility_backoffice:control_replay", args=["BT-E07"]) in listing

    response = client.post(reverse("mobility_backoffice:fleet_deactivate", args=[vehicle.pk]))
    assert response.status_code == 302
    vehicle.refresh_from_db()
    assert not vehicle.is_active and vehicle.trip_id is None and vehicle.predictions == []
    again = report(
        botosani,
        tracker.entity_id,
        key,
        now - datetime.timedelta(seconds=15),
        django_capture_on_commit_callbacks,
    )
    assert again.error is not None and "not a vehicle of this city's fleet" in again.error.detail
    vehicle.refresh_from_db()
    assert vehicle.observed_at == now - datetime.timedelta(seconds=30)
    assert PositionRecord.objects.filter(vehicle=vehicle).count() == 1
    assert "out of the fleet" in client.get(LIST).content.decode()
    # Twice is refused, with a message, and changes nothing.
    client.post(reverse("mobility_backoffice:fleet_deactivate", args=[vehicle.pk]))
    assert len(audit("update", vehicle)) == 1

    client.post(reverse("mobility_backoffice:fleet_activate", args=[vehicle.pk]))
    vehicle.refresh_from_db()
    assert vehicle.is_active
    back = report(botosani, tracker.entity_id, key, now, django_capture_on_commit_callbacks)
    assert back.error is None
    vehicle.refresh_from_db()
    assert vehicle.observed_at == now
    assert PositionRecord.objects.filter(vehicle=vehicle).count() == 2

    # Audited: registered, taken out, taken back; by whom, with what changed.
    (created,) = audit("create", vehicle)
    assert created.actor == dispatcher.user and created.municipality == botosani
    assert created.after == {
        "label": "BT-E07",
        "entity": tracker.entity_id,
        "vehicle_type": "bus",
        "plate": "BT 07 EBS",
        "is_active": True,
    }
    out, into = audit("update", vehicle)
    assert (out.before, out.after) == ({"is_active": True}, {"is_active": False})
    assert (into.before, into.after) == ({"is_active": False}, {"is_active": True})


def test_registering_a_new_bus_with_its_key_at_once(
    botosani: Municipality,
    dispatcher: StaffMembership,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    client = staff_client(dispatcher)
    form = client.get(ADD)
    assert form.status_code == 200
    assert 'name="issue_key"' in form.content.decode()
    # The default id, spelled out (help texts are HTML: no <city> placeholders in them).
    assert "urn:ngsi-ld:Vehicle:botosani- followed by the fleet number" in form.content.decode()

    response = client.post(ADD, {"label": "BT-E12", "vehicle_type": "trolley", "issue_key": "on"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    entity = Entity.objects.get(
        municipality=botosani, entity_id="urn:ngsi-ld:Vehicle:botosani-BT-E12"
    )
    assert entity.type == "Vehicle" and entity.name == "BT-E12"
    assert entity.attributes["vehicleType"]["value"] == "trolley"
    assert "vehiclePlateIdentifier" not in entity.attributes
    vehicle = VehicleState.objects.get(entity=entity)
    assert vehicle.label == "BT-E12"
    # The key is bound to the bus's entity; its secret is on this page only.
    (key,) = DeviceKey.objects.filter(municipality=botosani)
    assert key.entity_id == entity.pk
    secret = page.split('id="fleet-secret"')[1].split('value="')[1].split('"')[0]
    assert secret.startswith("dpk_") and key.prefix in secret
    assert device_key_authenticate(municipality=botosani, secret=secret).pk == key.pk
    assert secret not in client.get(LIST).content.decode()

    result = report(
        botosani,
        entity.entity_id,
        key,
        timezone.now() - datetime.timedelta(seconds=5),
        django_capture_on_commit_callbacks,
    )
    assert result.error is None
    assert PositionRecord.objects.filter(vehicle=vehicle).count() == 1
    # The key writes this bus only.
    other = VehicleStateFactory.create(municipality=botosani, label="BT-E13")
    stolen = report(
        botosani, other.entity.entity_id, key, timezone.now(), django_capture_on_commit_callbacks
    )
    assert stolen.error is not None
    assert not PositionRecord.objects.filter(vehicle=other).exists()

    # Another key for the bus later, from the list (audited with the key's creation).
    response = client.post(reverse("mobility_backoffice:fleet_key", args=[vehicle.pk]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert DeviceKey.objects.filter(entity=entity).count() == 2
    assert (
        AuditLogEntry.objects.filter(target_type="urbandata.DeviceKey", action="create").count()
        == 2
    )


def test_a_taken_fleet_number_is_refused_and_nothing_is_written(
    botosani: Municipality, dispatcher: StaffMembership
) -> None:
    VehicleStateFactory.create(municipality=botosani, label="BT-E01")
    entities = Entity.objects.count()
    data = {"label": "BT-E01", "vehicle_type": "bus", "issue_key": "on"}

    response = staff_client(dispatcher).post(ADD, data)
    assert response.status_code == 400
    assert "The fleet already has a vehicle numbered BT-E01." in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    romanian = staff_client(dispatcher, language="ro").post(ADD, data)
    assert romanian.status_code == 400
    assert "Flota are deja un vehicul cu numărul BT-E01." in romanian.content.decode()

    assert VehicleState.objects.count() == 1 and Entity.objects.count() == entities
    assert not DeviceKey.objects.exists() and not AuditLogEntry.objects.exists()


def test_refusals_of_the_form_write_nothing(
    botosani: Municipality, timisoara: Municipality, dispatcher: StaffMembership
) -> None:
    client = staff_client(dispatcher)
    taken = VehicleStateFactory.create(municipality=botosani, label="9")
    VehicleEntityFactory.create(
        municipality=botosani, entity_id="urn:ngsi-ld:Vehicle:botosani-used"
    )
    theirs = VehicleEntityFactory.create(municipality=timisoara)
    entities = Entity.objects.count()
    cases = [
        ({"label": "BT 1", "vehicle_type": "bus"}, "Use letters, digits"),
        ({"label": "BT1", "vehicle_type": "spaceship"}, "Select a valid choice"),
        ({"label": "BT1", "vehicle_type": "bus", "plate": "BT/12"}, "Write the plate"),
        (
            {
                "label": "BT1",
                "vehicle_type": "bus",
                "entity_id": "urn:ngsi-ld:Vehicle:botosani-used",
            },
            "Urban data already has an entity",
        ),
        ({"label": "BT1", "vehicle_type": "bus", "entity_id": "not an id"}, "must be a URI"),
        (
            {"label": "BT1", "vehicle_type": "bus", "entity": taken.entity_id},
            "Select a valid choice",
        ),
        ({"label": "BT1", "vehicle_type": "bus", "entity": theirs.pk}, "Select a valid choice"),
    ]
    for data, message in cases:
        response = client.post(ADD, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert VehicleState.objects.count() == 1
    assert Entity.objects.count() == entities
    assert not AuditLogEntry.objects.exists()


def test_editing_the_number_type_and_plate(
    botosani: Municipality, dispatcher: StaffMembership
) -> None:
    client = staff_client(dispatcher)
    vehicle = VehicleStateFactory.create(municipality=botosani, label="7")
    VehicleStateFactory.create(municipality=botosani, label="8")
    edit = reverse("mobility_backoffice:fleet_edit", args=[vehicle.pk])
    assert client.get(edit).status_code == 200

    refused = client.post(edit, {"label": "8", "vehicle_type": "bus"})
    assert refused.status_code == 400
    assert "The fleet already has a vehicle numbered 8." in refused.content.decode()

    response = client.post(edit, {"label": "7A", "vehicle_type": "tram", "plate": "BT-07-TRM"})
    assert response.status_code == 302
    vehicle.refresh_from_db()
    entity = Entity.objects.get(pk=vehicle.entity_id)
    assert vehicle.label == "7A"
    assert entity.attributes["vehicleType"]["value"] == "tram"
    assert entity.attributes["fleetVehicleId"]["value"] == "7A"
    assert entity.attributes["vehiclePlateIdentifier"]["value"] == "BT-07-TRM"
    (entry,) = audit("update", vehicle)
    assert entry.before == {"label": "7", "plate": "", "vehicle_type": ""}
    assert entry.after == {"label": "7A", "plate": "BT-07-TRM", "vehicle_type": "tram"}

    # An empty plate removes it; saving unchanged details writes no audit entry.
    client.post(edit, {"label": "7A", "vehicle_type": "tram", "plate": ""})
    entity.refresh_from_db()
    assert "vehiclePlateIdentifier" not in entity.attributes
    client.post(edit, {"label": "7A", "vehicle_type": "tram", "plate": ""})
    assert len(audit("update", vehicle)) == 2
