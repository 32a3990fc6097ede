"""The module's two index pages: the public one (sections, alerts in force, lines) and the
staff one (sections with today's figures)."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.mobility.models import PositionReject
from digiplace.mobility.tests.factories_control import VehicleStateFactory
from digiplace.mobility.tests.factories_net import build_line
from digiplace.mobility.tests.factories_people import ServiceAlertFactory

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_public_index_lists_the_lines_and_the_alerts_in_force(
    botosani: Municipality, timisoara: Municipality, client: Client
) -> None:
    line = build_line(botosani, stops=3)
    ServiceAlertFactory.create(municipality=botosani, header_en="Detour on Calea Națională")
    ServiceAlertFactory.create(
        municipality=botosani,
        header_en="Not yet in force",
        active_from=timezone.now() + datetime.timedelta(days=2),
    )
    ServiceAlertFactory.create(municipality=timisoara, header_en="Elsewhere")

    page = english(client).get("/mobility/", HTTP_HOST=BOTOSANI).content.decode()

    assert "Detour on Calea Națională" in page
    assert "Not yet in force" not in page and "Elsewhere" not in page
    assert line.route.long_name in page
    for url in ("/mobility/stops/", "/mobility/planner/", "/mobility/ridership/"):
        assert f'href="{url}"' in page


def test_the_public_index_of_a_city_without_a_network(
    botosani: Municipality, client: Client
) -> None:
    page = english(client).get("/mobility/", HTTP_HOST=BOTOSANI).content.decode()
    assert "has not published its network yet" in page
    assert "No alert" in page


def test_the_staff_index_counts_the_fleet_and_the_refusals(
    botosani: Municipality, timisoara: Municipality, client: Client
) -> None:
    line = build_line(botosani, stops=3)
    now = timezone.now()
    VehicleStateFactory.create(municipality=botosani, trip=line.trips[0], observed_at=now)
    VehicleStateFactory.create(municipality=botosani, trip=None, observed_at=now)
    VehicleStateFactory.create(municipality=timisoara, observed_at=now)
    PositionReject.objects.create(municipality=botosani, reason="unknown", message="x")
    user = UserFactory.create()
    StaffMembershipFactory.create(user=user, municipality=botosani, modules=["mobility"])
    client.force_login(user)

    page = english(client).get("/backoffice/mobility/", HTTP_HOST=BOTOSANI).content.decode()

    assert "2 vehicles reporting their position, 1 on a trip" in page
    assert "Refused today: 1 positions, 0 validations" in page


def test_the_staff_index_needs_the_module(botosani: Municipality, client: Client) -> None:
    user = UserFactory.create()
    StaffMembershipFactory.create(user=user, municipality=botosani, modules=["waste"])
    client.force_login(user)
    assert client.get("/backoffice/mobility/", HTTP_HOST=BOTOSANI).status_code == 403
