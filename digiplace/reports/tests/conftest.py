"""Fixtures shared by the reports tests: an Open311-ready category and API key."""

from __future__ import annotations

import pytest

from digiplace.core.models import Municipality
from digiplace.reports.models import ApiKey, AttributeDatatype, Category
from digiplace.reports.tests.factories import (
    ApiKeyFactory,
    CategoryAttributeFactory,
    CategoryFactory,
)


@pytest.fixture
def pothole(botosani: Municipality) -> Category:
    category = CategoryFactory.create(
        municipality=botosani,
        service_code="pothole",
        name="Groapă în carosabil",
        name_ro="Groapă în carosabil",
        name_en="Pothole",
        description="Gropi în asfalt",
        group="Străzi",
        keywords="asfalt, groapă",
        sla_days=10,
        position=1,
    )
    CategoryAttributeFactory.create(
        municipality=botosani,
        category=category,
        code="depth",
        datatype=AttributeDatatype.NUMBER,
        required=True,
        description="Adâncime (cm)",
        order=0,
    )
    CategoryAttributeFactory.create(
        municipality=botosani,
        category=category,
        code="lane",
        datatype=AttributeDatatype.SINGLE,
        description="Banda",
        order=1,
        values=[{"key": "left", "name": "Stânga"}, {"key": "right", "name": "Dreapta"}],
    )
    CategoryAttributeFactory.create(
        municipality=botosani,
        category=category,
        code="hazards",
        datatype=AttributeDatatype.MULTI,
        description="Pericole",
        order=2,
        values=[{"key": "cars", "name": "Mașini"}, {"key": "bikes", "name": "Biciclete"}],
    )
    return category


@pytest.fixture
def api_key(botosani: Municipality) -> ApiKey:
    return ApiKeyFactory.create(municipality=botosani, key="botosani-demo-key")
