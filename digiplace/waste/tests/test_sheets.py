"""Route sheets: a PDF with the city, day, fraction, truck, depot and the stops in order."""

from __future__ import annotations

import subprocess
import tempfile

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory

from .test_rounds import published_route

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return subprocess.run(
            ["pdftotext", "-layout", handle.name, "-"], check=True, capture_output=True, text=True
        ).stdout


def test_the_route_sheet_lists_the_stops_in_order(
    botosani: Municipality, timisoara: Municipality
) -> None:
    route = published_route(botosani)
    planner = StaffMembershipFactory.create(municipality=botosani, modules=["waste"])
    driver = StaffMembershipFactory.create(municipality=botosani, modules=["waste_rounds"])
    client = Client(HTTP_HOST="botosani.localhost")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(planner.user)

    response = client.get(reverse("waste_backoffice:route_sheet", args=[route.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Botoșani" in text and "Route 1" in text
    assert "BT-07" in text and "Depot Nord" in text and "plastic and metal" in text
    assert text.index("second-st") < text.index("first-st")
    assert "Street second-st" in text and "85 %" in text
    assert "2 stops" in text and "8.2 km" in text

    theirs = published_route(timisoara)
    assert client.get(reverse("waste_backoffice:route_sheet", args=[theirs.pk])).status_code == 404
    client.force_login(driver.user)
    assert client.get(reverse("waste_backoffice:route_sheet", args=[route.pk])).status_code == 403
