"""The plans back office: who may use it, status and progress changes recorded publicly and
in the audit log, KPI measurements refused with a clear message, interests, reports."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone, translation

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership, User
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.plans.models import (
    Activity,
    ChangeRecord,
    ExpressionOfInterest,
    Kpi,
    Measurement,
    MonitoringReport,
    Project,
)
from digiplace.plans.tests.factories import (
    ActivityFactory,
    ExpressionOfInterestFactory,
    KpiFactory,
    PlanFactory,
    ProjectFactory,
)

BOTOSANI = "botosani.localhost"


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    yield
    translation.deactivate()


@pytest.fixture
def plans_staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="plans@botosani.example"),
        modules=["plans"],
    )


@pytest.fixture
def staff_client(plans_staff: StaffMembership, client: Client) -> Client:
    client.force_login(plans_staff.user)
    client.cookies["digiplace_language"] = "en"
    return client


@pytest.fixture
def project(botosani: Municipality) -> Project:
    plan = PlanFactory.create(municipality=botosani, key="iap")
    return ProjectFactory.create(
        municipality=botosani,
        pillar__plan=plan,
        pillar__municipality=botosani,
        key="1.1",
        title_en="Energy retrofit of schools",
        status="planned",
    )


@pytest.fixture
def activity(project: Project) -> Activity:
    return ActivityFactory.create(
        municipality=project.municipality, project=project, number="1.1.1", title_en="Energy audit"
    )


@pytest.fixture
def kpi(project: Project) -> Kpi:
    return KpiFactory.create(
        municipality=project.municipality,
        plan=project.plan,
        project=project,
        name_en="Share of renovated schools",
        unit="%",
        baseline_date=datetime.date(2021, 1, 1),
    )


def _counts() -> tuple[int, int, int, int]:
    return (
        ChangeRecord.objects.count(),
        AuditLogEntry.objects.count(),
        Measurement.objects.count(),
        MonitoringReport.objects.count(),
    )


# Who may use it


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_log_in(project: Project, client: Client) -> None:
    response = client.get("/backoffice/plans/iap/", HTTP_HOST=BOTOSANI)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["resident", "staff_without_module", "other_city_admin"])
def test_people_without_the_plans_module_are_refused_and_change_nothing(
    who: str,
    resident: User,
    botosani_staff: StaffMembership,
    timisoara_admin: StaffMembership,
    activity: Activity,
    kpi: Kpi,
    client: Client,
) -> None:
    person = {
        "resident": resident,
        "staff_without_module": botosani_staff.user,
        "other_city_admin": timisoara_admin.user,
    }[who]
    interest = ExpressionOfInterestFactory.create(
        municipality=activity.municipality, project=activity.project
    )
    client.force_login(person)
    before = _counts()

    answers = [
        client.get("/backoffice/plans/", HTTP_HOST=BOTOSANI).status_code,
        client.get("/backoffice/plans/iap/", HTTP_HOST=BOTOSANI).status_code,
        client.get("/backoffice/plans/iap/interests/", HTTP_HOST=BOTOSANI).status_code,
        client.post(
            "/backoffice/plans/iap/projects/1.1/",
            {"status": "completed", "progress": "100"},
            HTTP_HOST=BOTOSANI,
        ).status_code,
        client.post(
            f"/backoffice/plans/iap/activities/{activity.pk}/",
            {"status": "completed"},
            HTTP_HOST=BOTOSANI,
        ).status_code,
        client.post(
            f"/backoffice/plans/iap/kpis/{kpi.pk}/measurements/new/",
            {"date": "2024-01-01", "value": "30"},
            HTTP_HOST=BOTOSANI,
        ).status_code,
        client.post(
            f"/backoffice/plans/iap/interests/{interest.pk}/decide/",
            {"decision": "accept"},
            HTTP_HOST=BOTOSANI,
        ).status_code,
        client.post(
            "/backoffice/plans/iap/reports/", {"year": "2024", "quarter": "1"}, HTTP_HOST=BOTOSANI
        ).status_code,
    ]

    assert answers == [403] * 8
    assert _counts() == before
    assert Project.objects.get(pk=activity.project_id).status == "planned"
    interest.refresh_from_db()
    assert interest.status == "pending"


@pytest.mark.django_db
def test_another_citys_plan_is_not_found(
    staff_client: Client, timisoara: Municipality, botosani: Municipality
) -> None:
    PlanFactory.create(municipality=timisoara, key="smart-tm", title_en="Timișoara strategy")
    PlanFactory.create(municipality=botosani, key="iap", title_en="Botoșani action plan")

    plan_list = staff_client.get("/backoffice/plans/", HTTP_HOST=BOTOSANI)
    foreign = staff_client.get("/backoffice/plans/smart-tm/", HTTP_HOST=BOTOSANI)

    assert plan_list.status_code == 200
    assert "Botoșani action plan" in plan_list.content.decode()
    assert "Timișoara strategy" not in plan_list.content.decode()
    assert foreign.status_code == 404


@pytest.mark.django_db
def test_another_citys_records_are_not_found_under_own_plan(
    staff_client: Client, project: Project, timisoara: Municipality
) -> None:
    foreign_activity = ActivityFactory.create(municipality=timisoara)
    foreign_kpi = KpiFactory.create(municipality=timisoara)
    foreign_interest = ExpressionOfInterestFactory.create(municipality=timisoara)

    answers = [
        staff_client.post(
            f"/backoffice/plans/iap/activities/{foreign_activity.pk}/",
            {"status": "completed"},
            HTTP_HOST=BOTOSANI,
        ).status_code,
        staff_client.post(
            f"/backoffice/plans/iap/kpis/{foreign_kpi.pk}/measurements/new/",
            {"date": "2024-01-01", "value": "30"},
            HTTP_HOST=BOTOSANI,
        ).status_code,
        staff_client.post(
            f"/backoffice/plans/iap/interests/{foreign_interest.pk}/decide/",
            {"decision": "accept"},
            HTTP_HOST=BOTOSANI,
        ).status_code,
    ]

    assert answers == [404, 404, 404]
    assert ChangeRecord.objects.count() == 0
    assert Measurement.objects.count() == 0


@pytest.mark.django_db
def test_plan_page_lists_projects_with_status_progress_and_links(
    staff_client: Client, activity: Activity, kpi: Kpi
) -> None:
    Activity.objects.filter(pk=activity.pk).update(progress=40)

    page = staff_client.get("/backoffice/plans/iap/", HTTP_HOST=BOTOSANI).content.decode()

    assert "Energy retrofit of schools" in page
    assert "/backoffice/plans/iap/projects/1.1/" in page
    assert "Planned" in page
    assert "40%" in page
    assert f"/backoffice/plans/iap/kpis/{kpi.pk}/measurements/new/" in page


# Status and progress


@pytest.mark.django_db
def test_project_status_change_is_public_and_audited(
    staff_client: Client, plans_staff: StaffMembership, project: Project
) -> None:
    response = staff_client.post(
        "/backoffice/plans/iap/projects/1.1/",
        {"status": "in_progress", "progress": "25"},
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.progress) == ("in_progress", 25)
    changes = {
        (change.field, change.old_value, change.new_value, change.changed_by_id)
        for change in project.changes.all()
    }
    assert changes == {
        ("status", "planned", "in_progress", plans_staff.user_id),
        ("progress", "", "25", plans_staff.user_id),
    }
    entry = AuditLogEntry.objects.get(target_type="plans.Project")
    assert entry.actor == plans_staff.user
    assert entry.before == {"progress": None, "status": "planned"}
    assert entry.after == {"progress": 25, "status": "in_progress"}
    page = staff_client.get(response["Location"], HTTP_HOST=BOTOSANI).content.decode()
    assert "Planned → In progress" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"status": "in_progress", "progress": "150"},
            "Progress is a percentage between 0 and 100.",
        ),
        (
            {"status": "in_progress", "progress": "-1"},
            "Progress is a percentage between 0 and 100.",
        ),
        (
            {"status": "in_progress", "progress": "half"},
            "Enter the progress as a whole number from 0 to 100.",
        ),
        ({"status": "finished", "progress": "10"}, "Select a valid choice."),
    ],
)
def test_project_bad_input_is_refused_with_a_message_and_writes_nothing(
    staff_client: Client, project: Project, data: dict[str, str], message: str
) -> None:
    before = _counts()

    response = staff_client.post("/backoffice/plans/iap/projects/1.1/", data, HTTP_HOST=BOTOSANI)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    project.refresh_from_db()
    assert (project.status, project.progress) == ("planned", None)
    assert _counts() == before


@pytest.mark.django_db
def test_activity_inline_form_with_htmx_completes_the_activity(
    staff_client: Client, plans_staff: StaffMembership, activity: Activity
) -> None:
    response = staff_client.post(
        f"/backoffice/plans/iap/activities/{activity.pk}/",
        {"status": "completed", "progress": ""},
        HTTP_HOST=BOTOSANI,
        HTTP_HX_REQUEST="true",
    )

    fragment = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in fragment
    assert f'id="activity-{activity.pk}"' in fragment
    assert "Saved; the change is public." in fragment
    activity.refresh_from_db()
    assert (activity.status, activity.progress) == ("completed", 100)
    assert sorted(
        activity.changes.values_list("field", "old_value", "new_value", "project_id")
    ) == [
        ("progress", "", "100", activity.project_id),
        ("status", "", "completed", activity.project_id),
    ]
    assert AuditLogEntry.objects.filter(
        target_type="plans.Activity", target_id=str(activity.pk), actor=plans_staff.user
    ).exists()


@pytest.mark.django_db
def test_activity_form_without_javascript_returns_to_the_project(
    staff_client: Client, activity: Activity
) -> None:
    response = staff_client.post(
        f"/backoffice/plans/iap/activities/{activity.pk}/",
        {"status": "in_progress", "progress": "60"},
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 302
    assert response["Location"] == "/backoffice/plans/iap/projects/1.1/"
    activity.refresh_from_db()
    assert (activity.status, activity.progress) == ("in_progress", 60)


@pytest.mark.django_db
def test_activity_bad_input_shows_the_error_in_the_fragment_and_writes_nothing(
    staff_client: Client, activity: Activity
) -> None:
    before = _counts()

    response = staff_client.post(
        f"/backoffice/plans/iap/activities/{activity.pk}/",
        {"status": "completed", "progress": "40"},
        HTTP_HOST=BOTOSANI,
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "A completed activity is fully done (100 per cent)." in response.content.decode()
    activity.refresh_from_db()
    assert (activity.status, activity.progress) == ("", None)
    assert _counts() == before


@pytest.mark.django_db
def test_completing_an_activity_with_its_old_progress_makes_it_100(
    staff_client: Client, activity: Activity
) -> None:
    activity.progress = 40
    activity.save()

    staff_client.post(
        f"/backoffice/plans/iap/activities/{activity.pk}/",
        {"status": "completed", "progress": "40"},
        HTTP_HOST=BOTOSANI,
        HTTP_HX_REQUEST="true",
    )

    activity.refresh_from_db()
    assert (activity.status, activity.progress) == ("completed", 100)


@pytest.mark.django_db
def test_project_page_has_one_inline_form_per_activity_with_distinct_ids(
    staff_client: Client, activity: Activity
) -> None:
    second = ActivityFactory.create(municipality=activity.municipality, project=activity.project)

    page = staff_client.get("/backoffice/plans/iap/projects/1.1/", HTTP_HOST=BOTOSANI)

    content = page.content.decode()
    assert f'hx-post="/backoffice/plans/iap/activities/{activity.pk}/"' in content
    assert f'hx-post="/backoffice/plans/iap/activities/{second.pk}/"' in content
    assert f'id="id_activity_{activity.pk}_status"' in content
    assert f'id="id_activity_{second.pk}_status"' in content


# KPI measurements


@pytest.mark.django_db
def test_measurement_is_saved_public_and_audited(
    staff_client: Client, plans_staff: StaffMembership, kpi: Kpi
) -> None:
    response = staff_client.post(
        f"/backoffice/plans/iap/kpis/{kpi.pk}/measurements/new/",
        {"date": "2024-06-30", "value": "32.5", "source": "School register", "note": ""},
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 302
    measurement = Measurement.objects.get(kpi=kpi)
    assert (measurement.date, measurement.value, measurement.source) == (
        datetime.date(2024, 6, 30),
        Decimal("32.5"),
        "School register",
    )
    assert measurement.entered_by == plans_staff.user
    change = ChangeRecord.objects.get(kpi=kpi)
    assert (change.field, change.old_value, change.new_value) == ("kpi_value", "", "32.5")
    assert (
        AuditLogEntry.objects.filter(target_type="plans.Measurement", action="create").count() == 1
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "future", "value": "30"}, "A measurement cannot be in the future."),
        (
            {"date": "2020-12-31", "value": "30"},
            "A measurement cannot be earlier than the baseline.",
        ),
        ({"date": "2024-06-30", "value": "thirty"}, "Enter a number, such as 12.5."),
        ({"date": "2024-06-30", "value": "NaN"}, "Enter a number, such as 12.5."),
        ({"date": "2024-06-30", "value": "101"}, "A percentage is between 0 and 100."),
        ({"date": "2024-06-30", "value": "-0.5"}, "A percentage is between 0 and 100."),
        ({"date": "30/06/2024x", "value": "30"}, "Enter a date such as 2025-03-31."),
        ({"date": "", "value": ""}, "This field is required."),
    ],
)
def test_measurement_bad_input_is_refused_with_a_message_and_writes_nothing(
    staff_client: Client, kpi: Kpi, data: dict[str, str], message: str
) -> None:
    if data["date"] == "future":
        data = {**data, "date": (timezone.localdate() + datetime.timedelta(days=7)).isoformat()}
    before = _counts()

    response = staff_client.post(
        f"/backoffice/plans/iap/kpis/{kpi.pk}/measurements/new/", data, HTTP_HOST=BOTOSANI
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert _counts() == before


# Expressions of interest


@pytest.mark.django_db
def test_staff_see_who_asked_to_join_and_accept_them(
    staff_client: Client, plans_staff: StaffMembership, project: Project
) -> None:
    interest = ExpressionOfInterestFactory.create(
        municipality=project.municipality,
        project=project,
        name="Ioana Ionescu",
        email="ioana@example.org",
        motivation="I teach physics.",
    )

    page = staff_client.get("/backoffice/plans/iap/interests/", HTTP_HOST=BOTOSANI)
    response = staff_client.post(
        f"/backoffice/plans/iap/interests/{interest.pk}/decide/",
        {"decision": "accept"},
        HTTP_HOST=BOTOSANI,
    )

    content = page.content.decode()
    assert "Ioana Ionescu" in content
    assert "ioana@example.org" in content
    assert "I teach physics." in content
    assert response.status_code == 302
    interest.refresh_from_db()
    assert (interest.status, interest.decided_by) == ("accepted", plans_staff.user)
    entry = AuditLogEntry.objects.get(target_type="plans.ExpressionOfInterest")
    assert entry.after is not None and entry.after["status"] == "accepted"


@pytest.mark.django_db
def test_declining_and_a_bad_decision(staff_client: Client, project: Project) -> None:
    interest = ExpressionOfInterestFactory.create(
        municipality=project.municipality, project=project
    )

    bad = staff_client.post(
        f"/backoffice/plans/iap/interests/{interest.pk}/decide/",
        {"decision": "maybe"},
        HTTP_HOST=BOTOSANI,
        follow=True,
    )
    interest.refresh_from_db()
    status_after_bad = interest.status
    staff_client.post(
        f"/backoffice/plans/iap/interests/{interest.pk}/decide/",
        {"decision": "decline"},
        HTTP_HOST=BOTOSANI,
    )

    assert "Choose to accept or decline." in bad.content.decode()
    assert status_after_bad == "pending"
    assert ExpressionOfInterest.objects.get(pk=interest.pk).status == "declined"


# Reports


@pytest.mark.django_db
def test_requesting_a_report_generates_it_in_the_page_language(
    staff_client: Client,
    plans_staff: StaffMembership,
    project: Project,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    settings,  # type: ignore[no-untyped-def]
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    settings.MEDIA_ROOT = tmp_path
    year = timezone.localdate().year
    staff_client.cookies["digiplace_language"] = "ro"

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/backoffice/plans/iap/reports/",
            {"year": str(year), "quarter": "1"},
            HTTP_HOST=BOTOSANI,
        )

    assert response.status_code == 302
    report = MonitoringReport.objects.get(plan=project.plan)
    assert (report.year, report.quarter, report.language, report.status) == (year, 1, "ro", "ready")
    assert report.requested_by == plans_staff.user
    assert report.pdf.read()[:5] == b"%PDF-"
    page = staff_client.get("/backoffice/plans/iap/reports/", HTTP_HOST=BOTOSANI).content.decode()
    assert f"/plans/iap/reports/{report.pk}.pdf" in page
    assert f"/plans/iap/reports/{report.pk}.html" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"year": "2099", "quarter": "1"},
            "Choose a year within the plan&#x27;s period, up to now.",
        ),
        ({"year": "2024", "quarter": "5"}, "Select a valid choice."),
        ({"year": "last", "quarter": "1"}, "Enter a year such as 2025."),
    ],
)
def test_bad_report_request_is_refused_and_writes_nothing(
    staff_client: Client, project: Project, data: dict[str, str], message: str
) -> None:
    response = staff_client.post("/backoffice/plans/iap/reports/", data, HTTP_HOST=BOTOSANI)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert MonitoringReport.objects.count() == 0
