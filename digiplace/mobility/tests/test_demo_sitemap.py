"""The journey planner's page is in the city's /sitemap.xml (``register_plan``)."""

from __future__ import annotations

import pytest
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.core.tests.test_sitemap import every_page
from digiplace.mobility.register_plan import sitemaps

pytestmark = pytest.mark.django_db


def test_the_planner_is_in_the_sitemap(botosani: Municipality, client: Client) -> None:
    section = sitemaps(botosani)["mobility-planner"]
    assert [section.location(item) for item in section.items()] == ["/mobility/planner/"]
    pages = every_page(client)
    assert pages.count("http://botosani.localhost:8000/mobility/planner/") == 1
