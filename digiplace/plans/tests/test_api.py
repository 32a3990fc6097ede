"""The plans API: public reads scoped to the host's municipality, and KPI measurements
posted by staff with the plans module using a token."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.test import APIClient

from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership, User
from digiplace.core.tests.factories import PASSWORD, StaffMembershipFactory, UserFactory
from digiplace.plans.models import ChangeRecord, Kpi, Measurement, Plan, Project
from digiplace.plans.tests.factories import (
    ActivityFactory,
    ExpressionOfInterestFactory,
    KpiFactory,
    MeasurementFactory,
    ObjectiveFactory,
    PillarFactory,
    PlanFactory,
    ProjectFactory,
)

BOTOSANI = "botosani.localhost"
MEASUREMENTS = "/api/v1/plans/iap/kpis/K-air/measurements/"


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    yield
    translation.deactivate()


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.cookies["digiplace_language"] = "en"
    return client


@pytest.fixture
def plan(botosani: Municipality) -> Plan:
    plan = PlanFactory.create(municipality=botosani, key="iap", title_en="Action plan")
    pillar = PillarFactory.create(municipality=botosani, plan=plan, key="T1", title_en="Energy")
    objective = ObjectiveFactory.create(municipality=botosani, pillar=pillar, key="O1")
    first = ProjectFactory.create(
        municipality=botosani,
        pillar=pillar,
        objective=objective,
        key="1.1",
        title_en="Schools",
        status="in_progress",
        latitude=47.75,
        longitude=26.66,
    )
    ProjectFactory.create(
        municipality=botosani, pillar=pillar, key="1.2", title_en="Lighting", status="planned"
    )
    ActivityFactory.create(municipality=botosani, project=first, number="1.1.1", progress=40)
    ExpressionOfInterestFactory.create(
        municipality=botosani, project=first, name="Private Person", email="private@example.org"
    )
    KpiFactory.create(
        municipality=botosani,
        plan=plan,
        key="K-air",
        unit="%",
        baseline_value=Decimal("10"),
        baseline_date=datetime.date(2021, 1, 1),
    )
    return plan


@pytest.fixture
def plans_staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="sensor@botosani.example"),
        modules=["plans"],
    )


def _token(api: APIClient, user: User) -> str:
    response = api.post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


# Public reads


@pytest.mark.django_db
def test_plan_list_and_detail_with_pillars_and_progress(
    plan: Plan, timisoara: Municipality, api: APIClient
) -> None:
    PlanFactory.create(municipality=timisoara, key="smart", title_en="Timișoara")
    PlanFactory.create(municipality=plan.municipality, key="draft", is_published=False)

    plans = api.get("/api/v1/plans/", HTTP_HOST=BOTOSANI).json()
    detail = api.get("/api/v1/plans/iap/", HTTP_HOST=BOTOSANI).json()

    assert [item["key"] for item in plans["results"]] == ["iap"]
    assert detail["title"] == "Action plan"
    assert detail["progress"] == 20  # 40% and 0%, equal weights
    assert [(p["key"], p["title"], p["progress"]) for p in detail["pillars"]] == [
        ("T1", "Energy", 20)
    ]
    assert [(o["key"], o["progress"]) for o in detail["pillars"][0]["objectives"]] == [("O1", 40)]
    assert api.get("/api/v1/plans/draft/", HTTP_HOST=BOTOSANI).status_code == 404
    assert api.get("/api/v1/plans/smart/", HTTP_HOST=BOTOSANI).status_code == 404


@pytest.mark.django_db
def test_project_list_filters_and_paginates(plan: Plan, api: APIClient) -> None:
    everything = api.get("/api/v1/plans/iap/projects/", HTTP_HOST=BOTOSANI).json()
    in_progress = api.get(
        "/api/v1/plans/iap/projects/?status=in_progress", HTTP_HOST=BOTOSANI
    ).json()
    other_pillar = api.get("/api/v1/plans/iap/projects/?pillar=T9", HTTP_HOST=BOTOSANI).json()
    bad = api.get("/api/v1/plans/iap/projects/?status=done", HTTP_HOST=BOTOSANI)

    assert everything["count"] == 2
    assert {"next", "previous", "results"} <= set(everything)
    assert [p["key"] for p in in_progress["results"]] == ["1.1"]
    first = in_progress["results"][0]
    assert first["progress"] == 40
    assert first["location"] == {"latitude": 47.75, "longitude": 26.66}
    assert first["budget"] == {"amount": "100000.00", "currency": "EUR"}
    assert other_pillar["count"] == 0
    assert bad.status_code == 400
    assert "status" in bad.json()


@pytest.mark.django_db
def test_project_detail_has_activities_and_no_personal_data(plan: Plan, api: APIClient) -> None:
    response = api.get("/api/v1/plans/iap/projects/1.1/", HTTP_HOST=BOTOSANI)

    assert response.status_code == 200
    data = response.json()
    assert [(a["number"], a["progress"]) for a in data["activities"]] == [("1.1.1", 40)]
    assert "Private Person" not in response.content.decode()
    assert "private@example.org" not in response.content.decode()
    assert api.get("/api/v1/plans/iap/projects/9.9/", HTTP_HOST=BOTOSANI).status_code == 404


@pytest.mark.django_db
def test_kpis_with_latest_reading_and_status(plan: Plan, api: APIClient) -> None:
    kpi = Kpi.objects.get(key="K-air")
    MeasurementFactory.create(municipality=plan.municipality, kpi=kpi, value=Decimal("5"))

    [item] = api.get("/api/v1/plans/iap/kpis/", HTTP_HOST=BOTOSANI).json()

    assert item["key"] == "K-air"
    assert item["latest"] == {"value": "5.0000", "date": "2023-06-30"}
    assert item["baseline"]["value"] == "10.0000"
    assert item["status"] == "off_track"


@pytest.mark.django_db
def test_measurement_list_is_public_newest_first(plan: Plan, api: APIClient) -> None:
    kpi = Kpi.objects.get(key="K-air")
    staff = UserFactory.create(full_name="Hidden Staff")
    MeasurementFactory.create(municipality=plan.municipality, kpi=kpi, entered_by=staff)
    MeasurementFactory.create(
        municipality=plan.municipality, kpi=kpi, date=datetime.date(2024, 1, 1), value=Decimal("30")
    )

    response = api.get(MEASUREMENTS, HTTP_HOST=BOTOSANI)

    assert [(m["date"], m["value"]) for m in response.json()["results"]] == [
        ("2024-01-01", "30.0000"),
        ("2023-06-30", "20.0000"),
    ]
    assert "Hidden Staff" not in response.content.decode()


@pytest.mark.django_db
def test_plans_need_a_municipality_host(plan: Plan, api: APIClient) -> None:
    assert api.get("/api/v1/plans/", HTTP_HOST="testserver").status_code == 404


# Posting measurements


@pytest.mark.django_db
def test_staff_post_a_measurement_with_a_token(
    plan: Plan, plans_staff: StaffMembership, api: APIClient
) -> None:
    token = _token(api, plans_staff.user)
    sensor = APIClient()
    sensor.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = sensor.post(
        MEASUREMENTS,
        {"date": "2024-03-31", "value": "12.5", "source": "Air sensor 7"},
        format="json",
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 201, response.content
    assert response.json()["value"] == "12.5000"
    measurement = Measurement.objects.get()
    assert (measurement.value, measurement.entered_by) == (Decimal("12.5"), plans_staff.user)
    change = ChangeRecord.objects.get(field="kpi_value")
    assert (change.old_value, change.new_value) == ("", "12.5")
    assert AuditLogEntry.objects.filter(
        target_type="plans.Measurement", actor=plans_staff.user
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"date": "2024-03-31", "value": "many"}, "value", "Enter a number, such as 12.5."),
        ({"date": "2024-03-31", "value": "NaN"}, "value", "Enter a number, such as 12.5."),
        ({"date": "2024-03-31", "value": "150"}, "value", "A percentage is between 0 and 100."),
        ({"date": "yesterday", "value": "5"}, "date", "Enter a date such as 2025-03-31."),
        (
            {"date": "2020-01-01", "value": "5"},
            "date",
            "A measurement cannot be earlier than the baseline.",
        ),
        ({"date": "future", "value": "5"}, "date", "A measurement cannot be in the future."),
        ({"value": "5"}, "date", "This field is required."),
    ],
)
def test_bad_measurements_answer_400_by_field_and_write_nothing(
    plan: Plan,
    plans_staff: StaffMembership,
    api: APIClient,
    payload: dict[str, str],
    field: str,
    message: str,
) -> None:
    if payload.get("date") == "future":
        payload = {
            **payload,
            "date": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
        }
    api.credentials(HTTP_AUTHORIZATION=f"Token {_token(api, plans_staff.user)}")
    audit_before = AuditLogEntry.objects.count()

    response = api.post(MEASUREMENTS, payload, format="json", HTTP_HOST=BOTOSANI)

    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert Measurement.objects.count() == 0
    assert ChangeRecord.objects.count() == 0
    assert AuditLogEntry.objects.count() == audit_before


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "resident", "staff_without_module", "other_city"])
def test_only_plans_staff_of_this_city_may_post(
    who: str,
    plan: Plan,
    resident: User,
    botosani_staff: StaffMembership,
    timisoara_admin: StaffMembership,
    api: APIClient,
) -> None:
    person = {
        "anonymous": None,
        "resident": resident,
        "staff_without_module": botosani_staff.user,
        "other_city": timisoara_admin.user,
    }[who]
    if person is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Token {_token(api, person)}")

    response = api.post(
        MEASUREMENTS, {"date": "2024-03-31", "value": "5"}, format="json", HTTP_HOST=BOTOSANI
    )

    assert response.status_code in (401, 403)
    assert "detail" in response.json()
    assert Measurement.objects.count() == 0


@pytest.mark.django_db
def test_posting_to_another_citys_kpi_is_not_found(
    plan: Plan, plans_staff: StaffMembership, timisoara: Municipality, api: APIClient
) -> None:
    foreign_plan = PlanFactory.create(municipality=timisoara, key="smart")
    KpiFactory.create(municipality=timisoara, plan=foreign_plan, key="K-air")
    api.credentials(HTTP_AUTHORIZATION=f"Token {_token(api, plans_staff.user)}")

    foreign = api.post(
        "/api/v1/plans/smart/kpis/K-air/measurements/",
        {"date": "2024-03-31", "value": "5"},
        format="json",
        HTTP_HOST=BOTOSANI,
    )
    unknown = api.post(
        "/api/v1/plans/iap/kpis/K-none/measurements/",
        {"date": "2024-03-31", "value": "5"},
        format="json",
        HTTP_HOST=BOTOSANI,
    )

    assert (foreign.status_code, unknown.status_code) == (404, 404)
    assert Measurement.objects.count() == 0


@pytest.mark.django_db
def test_project_list_queries_do_not_grow_with_rows(plan: Plan, api: APIClient) -> None:
    def count() -> int:
        # A rendered answer, not one from the page cache (core.page_cache).
        cache_version_bump(plan.municipality_id, "plans")
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/plans/iap/projects/", HTTP_HOST=BOTOSANI).status_code == 200
        return len(queries)

    count()
    small = count()
    pillar = Project.objects.first().pillar  # type: ignore[union-attr]
    for _ in range(10):
        ProjectFactory.create(municipality=plan.municipality, pillar=pillar)

    assert count() == small
