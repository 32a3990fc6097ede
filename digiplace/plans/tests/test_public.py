"""The public portal of a plan: pages in both languages, filters, the join form, privacy."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from digiplace.core.models import Municipality, StaffMembership, User
from digiplace.plans import services
from digiplace.plans.models import ExpressionOfInterest, Plan, Project
from digiplace.plans.tests.factories import (
    ActivityFactory,
    ExpressionOfInterestFactory,
    GovernanceBodyFactory,
    GovernanceMemberFactory,
    KpiFactory,
    MeasurementFactory,
    ObjectiveFactory,
    PillarFactory,
    PlanFactory,
    ProjectFactory,
    RiskFactory,
    WorkingGroupFactory,
)

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
TIMISOARA_PLAN = "timisoara-smart-city-2022-2027"


def _get(client: Client, path: str, *, language: str = "en", host: str = BOTOSANI, **extra):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(path, HTTP_HOST=host, **extra)


def _page(client: Client, path: str, *, language: str = "en", host: str = BOTOSANI) -> str:
    response = _get(client, path, language=language, host=host)
    assert response.status_code == 200, path
    return response.content.decode()


@pytest.fixture
def plan(botosani: Municipality) -> Plan:
    return PlanFactory.create(
        municipality=botosani,
        key="iap",
        title_en="Integrated Action Plan",
        title_ro="Planul de acțiune integrat",
        vision_en="A digital city",
        vision_ro="Un oraș digital",
        mission_en="Serve every resident",
        motto_en="Together, online",
        source_title="IAP (URBACT)",
        pillar_label_en="Theme",
        pillar_label_ro="Temă",
    )


@pytest.fixture
def project(plan: Plan) -> Project:
    pillar = PillarFactory.create(
        municipality=plan.municipality,
        plan=plan,
        key="5.1",
        title_en="Digital mobility",
        title_ro="Mobilitate digitală",
        smart_city_dimensions=["mobility"],
        sdgs=[11],
    )
    objective = ObjectiveFactory.create(
        municipality=plan.municipality, pillar=pillar, key="O1", title_en="Clean transport"
    )
    return ProjectFactory.create(
        municipality=plan.municipality,
        pillar=pillar,
        objective=objective,
        key="5.1-1",
        title_en="Electric buses",
        title_ro="Autobuze electrice",
        description_en="Buying electric buses.",
        owner="Botoșani City Hall",
        stakeholders=["Eltrans"],
        funding_programmes=["ROP North-East", "PNRR"],
        digital_enablers=["GPS tracking"],
        local_actor_types=["public transport operator"],
        budget_amount=Decimal("20000000"),
        status="in_progress",
        start_date=datetime.date(2022, 1, 1),
        start_precision="year",
        end_date=datetime.date(2024, 12, 31),
        end_precision="year",
        latitude=47.745,
        longitude=26.665,
    )


# --- Pages in both languages ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ro"])
def test_every_page_of_the_loaded_timisoara_plan_answers_in_both_languages(
    botosani: Municipality, timisoara: Municipality, client: Client, language: str
) -> None:
    call_command("plans_load", verbosity=0)
    plan = Plan.objects.get(key=TIMISOARA_PLAN)
    pillar = plan.pillars.get(key="A1")
    objective = pillar.objectives.first()
    project = plan.projects.first()
    assert objective is not None and project is not None
    base = f"/plans/{plan.key}/"
    paths = [
        "/plans/",
        base,
        f"{base}pillars/A1/",
        f"{base}pillars/A1/objectives/{objective.key}/",
        f"{base}projects/",
        f"{base}projects/{project.key}/",
        f"{base}status/",
        f"{base}budget/",
        f"{base}kpis/",
    ]

    pages = {path: _page(client, path, language=language, host=TIMISOARA) for path in paths}

    # The plan's own content is shown in the page's language, never the other one.
    texts = {
        "en": {
            "motto": "Innovation Made Accessible to Everyone!",
            "ambition": "Every Citizen Has a Voice",
            "kpi": "Overall population",
            "population": "325,522 people",
        },
        "ro": {
            "motto": "Inovație accesibilă tuturor!",
            "ambition": "Fiecare cetățean are o voce",
            "kpi": "Populația totală",
            "population": "325.522 persoane",
        },
    }
    shown, other = texts[language], texts["ro" if language == "en" else "en"]
    assert all(f'<html lang="{language}">' in page for page in pages.values())
    assert shown["motto"] in pages[base]
    assert other["motto"] not in pages[base]
    assert shown["ambition"] in pages[base]
    assert other["ambition"] not in pages[base]
    assert ("Ambiție A1" if language == "ro" else "Ambition A1") in pages[base]
    assert shown["ambition"] in pages[f"{base}pillars/A1/"]
    assert shown["kpi"] in pages[f"{base}pillars/A1/"]
    assert other["kpi"] not in pages[f"{base}pillars/A1/"]
    project_page = pages[f"{base}projects/{project.key}/"]
    assert getattr(project, f"title_{language}") in project_page
    assert getattr(project, "title_ro" if language == "en" else "title_en") not in project_page
    # The strategy gives no project's status or progress: never a made-up "0%".
    for path in (base, f"{base}projects/", f"{base}projects/{project.key}/"):
        assert 'progress__value">0%' not in pages[path], path
        assert ("Nespecificat" if language == "ro" else "Not stated") in pages[path], path
    # The strategy's baseline is the KPI's first reading: the dashboard shows it as the latest,
    # and says the strategy sets no target rather than "no data".
    assert pages[f"{base}kpis/"].count(shown["population"]) >= 2
    no_target = "Nicio țintă stabilită" if language == "ro" else "No target set"
    assert no_target in pages[f"{base}kpis/"]


@pytest.mark.django_db
def test_plan_page_shows_vision_pillars_progress_and_links(
    project: Project, client: Client
) -> None:
    ActivityFactory.create(municipality=project.municipality, project=project, progress=40)
    project.progress = None
    project.save()

    page = _page(client, "/plans/iap/")

    assert "<h1>Integrated Action Plan</h1>" in page
    assert "A digital city" in page
    assert "Serve every resident" in page
    assert "Together, online" in page
    assert "IAP (URBACT)" in page
    assert "Theme 5.1" in page
    assert '<progress max="100" value="40"' in page
    assert "Smart mobility" in page
    assert "SDG 11" in page
    assert "/plans/iap/pillars/5.1/objectives/O1/" in page
    for url in (
        "/plans/iap/projects/",
        "/plans/iap/status/",
        "/plans/iap/budget/",
        "/plans/iap/kpis/",
        "/plans/iap/reports/",
        "/plans/iap/download.json",
        "/plans/iap/download/projects.csv",
        "/plans/iap/download/activities.csv",
        "/plans/iap/download/kpis.csv",
        "/plans/iap/download/measurements.csv",
    ):
        assert f'href="{url}"' in page


@pytest.mark.django_db
def test_plan_list_shows_published_plans_with_progress(plan: Plan, client: Client) -> None:
    PlanFactory.create(municipality=plan.municipality, title_en="Draft plan", is_published=False)

    page = _page(client, "/plans/")

    assert "Integrated Action Plan" in page
    assert "2022–2027" in page
    assert "Draft plan" not in page


@pytest.mark.django_db
def test_romanian_page_shows_romanian_content_and_number_format(
    project: Project, client: Client
) -> None:
    page = _page(client, "/plans/iap/projects/5.1-1/", language="ro")

    assert "Autobuze electrice" in page
    assert "Temă" in page
    assert "20.000.000 EUR" in page


@pytest.mark.django_db
def test_pillar_and_objective_pages_list_their_projects_and_kpis(
    project: Project, client: Client
) -> None:
    KpiFactory.create(
        municipality=project.municipality,
        plan=project.plan,
        pillar=project.pillar,
        name_en="Electric buses in service",
        unit="buses",
    )
    KpiFactory.create(
        municipality=project.municipality,
        plan=project.plan,
        objective=project.objective,
        name_en="Share of clean trips",
    )
    other = ProjectFactory.create(
        municipality=project.municipality, plan=project.plan, title_en="Unrelated project"
    )

    pillar_page = _page(client, "/plans/iap/pillars/5.1/")
    objective_page = _page(client, "/plans/iap/pillars/5.1/objectives/O1/")

    assert "Electric buses" in pillar_page
    assert other.title not in pillar_page
    assert "Electric buses in service" in pillar_page
    assert "Share of clean trips" in pillar_page
    assert "Clean transport" in objective_page
    assert "Electric buses" in objective_page
    assert "Share of clean trips" in objective_page
    assert "Electric buses in service" not in objective_page


# --- Project list: filters, search, HTMX, pagination --------------------------------


def _titles(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/plans/[^"]+">([^<]+)</a></th>', page)


@pytest.fixture
def listed(project: Project) -> Project:
    """A second project that differs from ``project`` in every filter."""
    other_pillar = PillarFactory.create(
        municipality=project.municipality, plan=project.plan, key="5.2", title_en="Engagement"
    )
    return ProjectFactory.create(
        municipality=project.municipality,
        pillar=other_pillar,
        key="5.2-1",
        kind="action",
        title_en="Annual public forum",
        title_ro="Forumul public anual",
        owner="Community Centre",
        status="planned",
        funding_programmes=["Local budget"],
        digital_enablers=[],
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2027, 12, 31),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Electric buses", "Annual public forum"]),
        ("status=in_progress", ["Electric buses"]),
        ("status=planned", ["Annual public forum"]),
        ("pillar=5.2", ["Annual public forum"]),
        ("funding_programme=PNRR", ["Electric buses"]),
        ("owner=Community+Centre", ["Annual public forum"]),
        ("year=2023", ["Electric buses"]),
        ("digital_enabler=GPS+tracking", ["Electric buses"]),
        ("kind=action", ["Annual public forum"]),
        ("q=forum", ["Annual public forum"]),
        ("q=autobuze", ["Electric buses"]),
        ("status=in_progress&q=forum", []),
        ("status=not-a-status", ["Electric buses", "Annual public forum"]),
    ],
)
def test_project_list_filters_and_searches(
    listed: Project, client: Client, query: str, expected: list[str]
) -> None:
    page = _page(client, f"/plans/iap/projects/?{query}")

    assert _titles(page) == expected
    count = "1 project found" if len(expected) == 1 else f"{len(expected)} projects found"
    assert count in page


@pytest.mark.django_db
def test_project_list_search_finds_romanian_titles_in_romanian(
    listed: Project, client: Client
) -> None:
    page = _page(client, "/plans/iap/projects/?q=Forumul", language="ro")

    assert _titles(page) == ["Forumul public anual"]


@pytest.mark.django_db
def test_project_list_rows_show_pillar_status_progress_budget_and_year_dates(
    project: Project, client: Client
) -> None:
    page = _page(client, "/plans/iap/projects/")

    assert "Digital mobility" in page
    assert "In progress" in page
    assert "20,000,000 EUR" in page
    assert "2022 – 2024" in page
    assert 'role="status" aria-live="polite"' in page
    assert 'hx-get="/plans/iap/projects/"' in page
    assert 'hx-push-url="true"' in page


@pytest.mark.django_db
def test_htmx_request_gets_only_the_results_fragment(listed: Project, client: Client) -> None:
    response = _get(client, "/plans/iap/projects/?status=planned", HTTP_HX_REQUEST="true")

    fragment = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in fragment
    assert _titles(fragment) == ["Annual public forum"]
    assert 'id="project-count" hx-swap-oob="innerHTML"' in fragment
    assert "1 project found" in fragment
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.django_db
def test_project_list_is_paginated_by_25(plan: Plan, client: Client) -> None:
    pillar = PillarFactory.create(municipality=plan.municipality, plan=plan)
    ProjectFactory.create_batch(30, municipality=plan.municipality, pillar=pillar)

    first = _page(client, "/plans/iap/projects/")
    second = _page(client, "/plans/iap/projects/?page=2")

    assert len(_titles(first)) == 25
    assert len(_titles(second)) == 5
    assert "30 projects found" in second
    assert "Page 2 of 2" in second


# --- Project page --------------------------------------------------------------------


@pytest.mark.django_db
def test_project_page_shows_details_activities_kpis_risks_and_map(
    project: Project, client: Client
) -> None:
    city = project.municipality
    ActivityFactory.create(
        municipality=city,
        project=project,
        number="1.1",
        title_en="Public consultation",
        start_date=datetime.date(2022, 3, 1),
        start_precision="month",
        end_date=datetime.date(2022, 6, 30),
        end_precision="month",
        outputs=["Consultation report"],
        status="completed",
        progress=100,
    )
    ActivityFactory.create(
        municipality=city,
        project=project,
        number="1.2",
        start_date=None,
        end_date=None,
        schedule_text="TBD, after 1.1",
    )
    kpi = KpiFactory.create(
        municipality=city,
        plan=project.plan,
        project=project,
        name_en="Electric buses in service",
        unit="buses",
        baseline_value=Decimal(0),
        baseline_date=datetime.date(2022, 1, 1),
        target_value=Decimal(40),
        target_date=datetime.date(2024, 1, 1),
    )
    MeasurementFactory.create(
        municipality=city, kpi=kpi, date=datetime.date(2023, 1, 1), value=Decimal(25)
    )
    RiskFactory.create(municipality=city, plan=project.plan, project=project)

    page = _page(client, "/plans/iap/projects/5.1-1/")

    assert "Buying electric buses." in page
    assert "Botoșani City Hall" in page
    assert "Eltrans" in page and "ROP North-East" in page and "PNRR" in page
    assert "GPS tracking" in page and "public transport operator" in page
    assert "20,000,000 EUR" in page
    assert "2022 – 2024" in page
    assert "March 2022 – June 2022" in page
    assert "TBD, after 1.1" in page
    assert "Consultation report" in page
    assert 'data-gantt-offset="0.00"' in page
    assert 'class="gantt__bar gantt__bar--completed"' in page
    assert "Electric buses in service" in page
    assert "On track" in page
    assert "25 buses" in page and "40 buses" in page
    chart_script = re.search(
        rf'<script id="kpi-chart-{kpi.pk}-data" type="application/json">(.+?)</script>', page
    )
    assert chart_script is not None
    chart = json.loads(chart_script.group(1))
    assert chart["type"] == "line"
    assert chart["datasets"][0]["data"] == [None, 25.0, None]
    assert chart["datasets"][1]["data"][0] == 0.0
    assert chart["datasets"][1]["data"][-1] == 40.0
    assert "Procurement delays" in page
    assert "Start procurement early" in page
    assert 'id="project-map"' in page
    assert "style=" not in page


@pytest.mark.django_db
def test_project_page_of_a_project_without_data_still_renders(plan: Plan, client: Client) -> None:
    ProjectFactory.create(
        municipality=plan.municipality,
        pillar=PillarFactory.create(municipality=plan.municipality, plan=plan),
        key="bare",
        status="",
        budget_amount=None,
        start_date=None,
        end_date=None,
        funding_programmes=[],
    )

    page = _page(client, "/plans/iap/projects/bare/")

    assert "No activities are listed for this project." in page
    assert "not stated" in page
    assert "No changes have been recorded yet." in page


@pytest.mark.django_db
def test_timeline_shows_changes_made_through_the_services(
    project: Project, botosani_staff: StaffMembership, client: Client
) -> None:
    staff = botosani_staff.user
    staff.full_name = "Mihai Staffer"
    staff.save()
    activity = ActivityFactory.create(
        municipality=project.municipality, project=project, number="1.1", status="in_progress"
    )
    services.project_update_status(actor=staff, project=project, status="completed", progress=90)
    services.activity_update_status(actor=staff, activity=activity, status="completed")
    kpi = KpiFactory.create(
        municipality=project.municipality, plan=project.plan, project=project, unit="buses"
    )
    services.measurement_create(
        actor=staff, kpi=kpi, date=datetime.date(2023, 1, 1), value=Decimal(12)
    )

    page = _page(client, "/plans/iap/projects/5.1-1/")
    history = page.split('id="history"')[1]

    assert re.search(r"Status</span>:\s*<span class=\"change__from\">In progress</span>", history)
    assert re.search(r"change__to\">Completed</span>", history)
    assert re.search(r"Progress</span>:\s*<span class=\"change__from\">—</span>", history)
    assert "90%" in history
    assert "Status of activity 1.1" in history
    assert "Progress of activity 1.1" in history
    assert "100%" in history
    assert "12 buses" in history
    assert "City staff" in history
    assert "Mihai Staffer" not in page
    assert staff.email not in page
    assert "in_progress" not in history


# --- Join form -----------------------------------------------------------------------

JOIN = "/plans/iap/projects/5.1-1/join/"
GOOD = {
    "name": "Elena Vasile",
    "organisation": "Asociația Vecinilor",
    "email": "Elena@Example.org",
    "motivation": "I ride the buses every day.",
}


@pytest.mark.django_db
def test_join_form_creates_an_interest_and_redirects_with_a_message(
    project: Project, client: Client
) -> None:
    WorkingGroupFactory.create(
        municipality=project.municipality,
        plan=project.plan,
        project=project,
        name_en="Mobility working group",
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the message is written in English

    response = client.post(JOIN, GOOD, HTTP_HOST=BOTOSANI)

    interest = ExpressionOfInterest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/plans/iap/projects/5.1-1/#working-group"
    assert (interest.project, interest.email, interest.user) == (project, "elena@example.org", None)
    page = _page(client, "/plans/iap/projects/5.1-1/")
    assert "Thank you. City staff will read your request" in page
    assert "Mobility working group" in page
    assert "1 person or organisation has asked to take part." in page
    assert "Elena" not in page
    assert "elena@example.org" not in page


@pytest.mark.django_db
def test_join_form_links_the_signed_in_person_and_prefills(
    project: Project, resident: User, client: Client
) -> None:
    client.force_login(resident)

    page = _page(client, "/plans/iap/projects/5.1-1/")
    client.post(JOIN, {**GOOD, "email": resident.email}, HTTP_HOST=BOTOSANI)

    assert 'value="Ana Popescu"' in page
    assert 'value="resident@example.org"' in page
    assert ExpressionOfInterest.objects.get().user == resident


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "bad", "message"),
    [
        ("en", {"email": ""}, "This field is required."),
        ("ro", {"email": ""}, "Acest câmp este obligatoriu."),
        ("en", {"email": "not-an-email"}, "Enter a valid email address."),
        ("ro", {"email": "not-an-email"}, "Introduceți o adresă de e-mail validă."),
        ("en", {"motivation": "x" * 2001}, "Ensure this value has at most 2000 characters"),
    ],
)
def test_join_form_refuses_bad_input_in_the_page_language_and_writes_nothing(
    project: Project, client: Client, language: str, bad: dict[str, str], message: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.post(JOIN, {**GOOD, **bad}, HTTP_HOST=BOTOSANI)

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'aria-invalid="true"' in page
    assert ExpressionOfInterest.objects.count() == 0


THROTTLED = "This form was sent too many times from your connection or for this address."


@pytest.mark.django_db
def test_join_forms_are_throttled_per_address_with_a_429_and_write_nothing(
    project: Project, client: Client
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    pillar_join = f"/plans/iap/pillars/{project.pillar.key}/join/"
    for index in range(5):  # the limit, over the project and the pillar forms together
        url = JOIN if index % 2 else pillar_join
        assert client.post(url, GOOD, HTTP_HOST=BOTOSANI).status_code == 302

    # The same address from another machine, in other letter cases.
    other = Client(REMOTE_ADDR="198.51.100.7")
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in (JOIN, pillar_join):
        response = other.post(url, {**GOOD, "email": "ELENA@example.org"}, HTTP_HOST=BOTOSANI)
        assert response.status_code == 429
        assert response["Retry-After"] == "3600"
        assert THROTTLED in response.content.decode()
    assert ExpressionOfInterest.objects.count() == 5

    # Another address from that machine is still welcome.
    response = other.post(JOIN, {**GOOD, "email": "ion@example.org"}, HTTP_HOST=BOTOSANI)
    assert response.status_code == 302


@pytest.mark.django_db
def test_join_forms_are_throttled_per_client_in_the_page_language(
    project: Project, client: Client
) -> None:
    for index in range(20):
        response = client.post(
            JOIN, {**GOOD, "email": f"person{index}@example.org"}, HTTP_HOST=BOTOSANI
        )
        assert response.status_code == 302
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(JOIN, {**GOOD, "email": "late@example.org"}, HTTP_HOST=BOTOSANI)

    assert response.status_code == 429
    assert THROTTLED in response.content.decode()
    assert ExpressionOfInterest.objects.count() == 20
    assert not ExpressionOfInterest.objects.filter(email="late@example.org").exists()


@pytest.mark.django_db
def test_join_form_accepts_only_post(project: Project, client: Client) -> None:
    assert _get(client, JOIN).status_code == 405


# --- Privacy, isolation ---------------------------------------------------------------


@pytest.mark.django_db
def test_public_pages_never_show_personal_data(
    project: Project, botosani_staff: StaffMembership, client: Client
) -> None:
    staff = botosani_staff.user
    staff.full_name = "Radu Operator"
    staff.save()
    ExpressionOfInterestFactory.create(
        municipality=project.municipality,
        project=project,
        name="Ioana Ionescu",
        email="ioana@example.org",
        motivation="Secret motivation",
    )
    kpi = KpiFactory.create(municipality=project.municipality, plan=project.plan, project=project)
    services.measurement_create(
        actor=staff, kpi=kpi, date=datetime.date(2023, 1, 1), value=Decimal(20)
    )
    services.project_update_status(actor=staff, project=project, status="completed")

    for path in (
        "/plans/",
        "/plans/iap/",
        "/plans/iap/projects/",
        "/plans/iap/projects/5.1-1/",
        "/plans/iap/status/",
        "/plans/iap/kpis/",
        "/plans/iap/budget/",
        "/plans/iap/pillars/5.1/",
    ):
        page = _page(client, path)
        for secret in ("Ioana", "ioana@example.org", "Secret motivation", "Radu", staff.email):
            assert secret not in page, (path, secret)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "suffix",
    [
        "",
        "pillars/5.1/",
        "pillars/5.1/objectives/O1/",
        "projects/",
        "projects/5.1-1/",
        "status/",
        "budget/",
        "kpis/",
    ],
)
def test_another_citys_plan_and_the_platform_host_answer_404(
    project: Project, timisoara: Municipality, client: Client, suffix: str
) -> None:
    assert _get(client, f"/plans/iap/{suffix}", host=TIMISOARA).status_code == 404
    assert _get(client, f"/plans/iap/{suffix}", host="testserver").status_code == 404
    assert _get(client, f"/plans/iap/{suffix}").status_code == 200


@pytest.mark.django_db
def test_joining_another_citys_project_is_404_and_writes_nothing(
    project: Project, timisoara: Municipality, client: Client
) -> None:
    response = client.post(JOIN, GOOD, HTTP_HOST=TIMISOARA)

    assert response.status_code == 404
    assert ExpressionOfInterest.objects.count() == 0


@pytest.mark.django_db
def test_unknown_keys_and_unpublished_plans_answer_404(plan: Plan, client: Client) -> None:
    PlanFactory.create(municipality=plan.municipality, key="draft", is_published=False)

    for path in (
        "/plans/draft/",
        "/plans/iap/pillars/nope/",
        "/plans/iap/projects/nope/",
        "/plans/nope/kpis/",
    ):
        assert _get(client, path).status_code == 404, path
    assert _get(client, "/plans/", host="testserver").status_code == 404


# --- Dashboards ----------------------------------------------------------------------


@pytest.mark.django_db
def test_status_overview_counts_changes_and_map(
    project: Project, listed: Project, client: Client
) -> None:
    services.project_update_status(actor=None, project=listed, status="in_preparation")

    page = _page(client, "/plans/iap/status/")

    assert "<h1>Status of strategic projects</h1>" in page
    assert re.search(r'\?status=in_progress">In progress</a></th><td class="numeric">1</td>', page)
    assert re.search(r'\?status=in_preparation">In preparation</a></th><td class="numeric">1', page)
    assert 'id="status-chart"' in page
    assert "Annual public forum" in page.split("Recent changes")[1]
    features_script = re.search(
        r'<script id="plan-map-features" type="application/json">(.+?)</script>', page
    )
    assert features_script is not None
    features = json.loads(features_script.group(1))
    assert [feature["properties"]["title"] for feature in features["features"]] == [
        "Electric buses"
    ]
    assert features["features"][0]["geometry"]["coordinates"] == [26.665, 47.745]


@pytest.mark.django_db
def test_budget_dashboard_sums_by_pillar_programme_and_status(
    project: Project, listed: Project, client: Client
) -> None:
    page = _page(client, "/plans/iap/budget/")

    assert "20,100,000 EUR" in page
    assert "counts in each of them" in page
    assert re.search(r"PNRR</th><td class=\"numeric\">20,000,000 EUR", page)
    assert re.search(r"Local budget</th><td class=\"numeric\">100,000 EUR", page)
    assert 'id="budget-pillar-chart"' in page
    assert 'id="budget-status-chart"' in page


@pytest.mark.django_db
def test_kpi_dashboard_shows_status_of_each_kpi_and_filters_by_pillar(
    project: Project, listed: Project, client: Client
) -> None:
    city = project.municipality
    on_track = KpiFactory.create(
        municipality=city, plan=project.plan, pillar=project.pillar, name_en="Buses", unit="buses"
    )
    MeasurementFactory.create(
        municipality=city, kpi=on_track, date=datetime.date(2024, 6, 30), value=Decimal(45)
    )
    off_track = KpiFactory.create(
        municipality=city, plan=project.plan, project=listed, name_en="Forum visitors"
    )
    MeasurementFactory.create(
        municipality=city, kpi=off_track, date=datetime.date(2024, 6, 30), value=Decimal(5)
    )

    page = _page(client, "/plans/iap/kpis/")
    filtered = _page(client, "/plans/iap/kpis/?pillar=5.1")

    assert "Buses" in page and "Forum visitors" in page
    assert "45 buses" in page
    assert "10%" in page
    assert '<li class="kpi-status kpi-status--on_track"><strong>1</strong> On track</li>' in page
    assert '<li class="kpi-status kpi-status--off_track"><strong>1</strong> Off track</li>' in page
    assert "Buses" in filtered
    assert "Forum visitors" not in filtered


# --- Query counts do not grow with rows --------------------------------------------------


def _fill(plan: Plan, count: int) -> None:
    city = plan.municipality
    pillar = PillarFactory.create(municipality=city, plan=plan, key=f"P{count}")
    objective = ObjectiveFactory.create(municipality=city, pillar=pillar)
    projects = ProjectFactory.create_batch(
        count, municipality=city, pillar=pillar, objective=objective
    )
    target = projects[0]
    target.key = f"target-{count}"
    target.save()
    ActivityFactory.create_batch(count, municipality=city, project=target)
    for number in range(count):
        kpi = KpiFactory.create(municipality=city, plan=plan, pillar=pillar, project=target)
        MeasurementFactory.create(municipality=city, kpi=kpi)
        services.project_update_status(
            actor=None, project=projects[number], status="in_progress", progress=number % 100
        )
    RiskFactory.create_batch(3, municipality=city, plan=plan, project=target)


PAGES_WITH_ROWS = (
    "",
    "projects/",
    "projects/target-{count}/",
    "pillars/P{count}/",
    "status/",
    "budget/",
    "kpis/",
)


def _queries(client: Client, path: str) -> int:
    _page(client, path)  # warm caches (municipality by host)
    with CaptureQueriesContext(connection) as captured:
        _page(client, path)
    return len(captured)


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_rows(botosani: Municipality, client: Client) -> None:
    small = PlanFactory.create(municipality=botosani, key="small")
    large = PlanFactory.create(municipality=botosani, key="large")
    _fill(small, 5)
    _fill(large, 50)

    for page in PAGES_WITH_ROWS:
        small_count = _queries(client, "/plans/small/" + page.format(count=5))
        large_count = _queries(client, "/plans/large/" + page.format(count=50))
        assert small_count == large_count, page


@pytest.mark.django_db
def test_joining_a_pillar_working_group(project: Project, client: Client) -> None:
    pillar = project.pillar
    WorkingGroupFactory.create(
        municipality=project.municipality,
        plan=project.plan,
        pillar=pillar,
        name_en="Action group 1",
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = f"/plans/iap/pillars/{pillar.key}/"

    response = client.post(url + "join/", GOOD, HTTP_HOST=BOTOSANI)

    interest = ExpressionOfInterest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url}#working-group"
    assert (interest.pillar, interest.project, interest.email) == (
        pillar,
        None,
        "elena@example.org",
    )
    page = _page(client, url)
    assert "Action group 1" in page
    assert "1 person or organisation has asked to take part." in page
    assert "elena@example.org" not in page


@pytest.mark.django_db
def test_joining_a_pillar_with_a_bad_email_writes_nothing(project: Project, client: Client) -> None:
    response = client.post(
        f"/plans/iap/pillars/{project.pillar.key}/join/",
        {**GOOD, "email": "not-an-email"},
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 400
    assert "Introduceți o adresă de e-mail validă." in response.content.decode()
    assert ExpressionOfInterest.objects.count() == 0


@pytest.mark.django_db
def test_plan_page_shows_governance_and_plan_risks(botosani: Municipality, client: Client) -> None:
    plan = PlanFactory.create(municipality=botosani, key="iap")
    body = GovernanceBodyFactory.create(
        municipality=botosani, plan=plan, name_en="SmarTM – Steering Group", role_en="Deliberative"
    )
    GovernanceMemberFactory.create(
        municipality=botosani, body=body, name="City Hall", is_coordinator=True
    )
    WorkingGroupFactory.create(
        municipality=botosani, plan=plan, body=body, name_en="Action group 1"
    )
    RiskFactory.create(municipality=botosani, plan=plan, description_en="Delays in procurement")

    page = _page(client, "/plans/iap/")

    assert "SmarTM – Steering Group" in page
    assert "Deliberative" in page
    assert "City Hall" in page
    assert "Action group 1" in page
    assert "Delays in procurement" in page
