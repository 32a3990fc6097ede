"""Bad input to the plans module's forms answers 400 and writes nothing, on PostgreSQL too."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.plans.models import ExpressionOfInterest, Plan
from digiplace.plans.tests.factories import PillarFactory, PlanFactory, ProjectFactory

BOTOSANI = "botosani.localhost"
# Valid by the standard (at most 320 characters) but longer than the column (254).
LONG_EMAIL = "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "@" + "d" * 60 + ".example.org"


@pytest.fixture
def plan(botosani: Municipality) -> Plan:
    plan = PlanFactory.create(municipality=botosani, key="iap")
    pillar = PillarFactory.create(municipality=botosani, plan=plan, key="5.1")
    ProjectFactory.create(municipality=botosani, pillar=pillar, key="5.1-1")
    return plan


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", LONG_EMAIL, "Ensure this value has at most 254 characters"),
        ("name", "Elena\x00", "Null characters are not allowed."),
        ("motivation", "I ride\x00", "Null characters are not allowed."),
    ],
)
@pytest.mark.parametrize(
    "path", ["/plans/iap/projects/5.1-1/join/", "/plans/iap/pillars/5.1/join/"]
)
def test_joining_with_bad_text_is_400_and_writes_nothing(
    plan: Plan, path: str, field: str, value: str, message: str
) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = {
        "name": "Elena Vasile",
        "email": "elena@example.org",
        "motivation": "I ride the buses every day.",
        field: value,
    }
    response = client.post(path, data, HTTP_HOST=BOTOSANI)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ExpressionOfInterest.objects.count() == 0
