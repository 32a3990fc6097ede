"""Public budgeting pages: budgets, zones with every project and its review, a project,
a resident's submission (rules and errors), and cross-city isolation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from digiplace.core.tests.factories import UserFactory
from digiplace.participation.models import BudgetProject, BudgetProjectStatus
from digiplace.participation.services.budgeting import MAX_PROJECTS_PER_DAY
from digiplace.participation.tests.factories import ZoneFactory
from digiplace.participation.tests.factories_budgeting import (
    BudgetFactory,
    BudgetProjectFactory,
    BudgetZoneFactory,
)

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"


def url(name, *args):
    return reverse(f"participation:{name}", args=args)


@pytest.fixture
def budget(botosani):
    return BudgetFactory.create(municipality=botosani, title="Bugetare participativă 2026")


@pytest.fixture
def zone(budget):
    return BudgetZoneFactory.create(
        budget=budget,
        zone=ZoneFactory.create(
            municipality=budget.municipality, slug="centru", name_ro="Centru", name_en="Centre"
        ),
        amount=Decimal(500_000),
    )


def test_budget_list_and_detail_show_zones_amounts_and_where_voting_stands(client, budget, zone):
    listing = client.get(url("budget_list"), HTTP_HOST=BOTOSANI)
    detail = client.get(url("budget_detail", budget.pk), HTTP_HOST=BOTOSANI)

    assert listing.status_code == 200
    assert "Bugetare participativă 2026" in listing.text
    assert detail.status_code == 200
    assert "Centru" in detail.text
    assert "500.000 lei" in detail.text  # Romanian grouping, the currency in words
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url("budget_detail", budget.pk), HTTP_HOST=BOTOSANI)
    assert "Voting is open until" in english.text
    assert "500,000 lei" in english.text and "Centre" in english.text


def test_zone_page_shows_every_project_with_cost_status_and_review_reason(client, budget, zone):
    BudgetProjectFactory.create(
        budget_zone=zone, code="P1", title="Parc nou", cost=Decimal(120_000)
    )
    BudgetProjectFactory.create(
        budget_zone=zone,
        code="P2",
        title="Patinoar",
        status=BudgetProjectStatus.INELIGIBLE,
        review_reason="Terenul nu aparține municipiului.",
    )
    BudgetProjectFactory.create(
        budget_zone=zone, code="P3", title="Bănci", status=BudgetProjectStatus.SUBMITTED
    )
    BudgetProjectFactory.create(
        budget_zone=zone, code="P4", title="Retras", status=BudgetProjectStatus.WITHDRAWN
    )

    page = client.get(url("budget_zone_detail", budget.pk, "centru"), HTTP_HOST=BOTOSANI)

    assert page.status_code == 200
    for text in (
        "Parc nou",
        "120.000 lei",
        "Patinoar",
        "Terenul nu aparține municipiului.",
        "Bănci",
    ):
        assert text in page.text
    assert "Retras" not in page.text


def test_project_page(client, budget, zone):
    project = BudgetProjectFactory.create(budget_zone=zone, title="Parc nou", cost=Decimal(120_000))
    placed = BudgetProjectFactory.create(budget_zone=zone, latitude=47.7501, longitude=26.6601)

    page = client.get(url("budget_project_detail", budget.pk, project.pk), HTTP_HOST=BOTOSANI)
    with_map = client.get(url("budget_project_detail", budget.pk, placed.pk), HTTP_HOST=BOTOSANI)

    assert page.status_code == 200
    assert "Parc nou" in page.text and "120.000 lei" in page.text
    assert 'id="budget-project-map"' not in page.text
    assert 'id="budget-project-map"' in with_map.text and "26.6601" in with_map.text


def test_another_citys_budget_is_not_found_here(client, budget, zone, timisoara):
    project = BudgetProjectFactory.create(budget_zone=zone)
    for address in (
        url("budget_detail", budget.pk),
        url("budget_zone_detail", budget.pk, "centru"),
        url("budget_project_detail", budget.pk, project.pk),
        url("budget_zone_results", budget.pk, "centru"),
        url("budget_zone_pb", budget.pk, "centru"),
    ):
        assert client.get(address, HTTP_HOST=TIMISOARA).status_code == 404, address


def test_unpublished_process_hides_its_budget(client, budget, zone):
    budget.process.is_published = False
    budget.process.save()
    assert client.get(url("budget_detail", budget.pk), HTTP_HOST=BOTOSANI).status_code == 404


# --- Submission --------------------------------------------------------------------------


@pytest.fixture
def open_budget(botosani):
    return BudgetFactory.create(municipality=botosani, submission=True)


@pytest.fixture
def open_zone(open_budget):
    return BudgetZoneFactory.create(
        budget=open_budget,
        zone=ZoneFactory.create(
            municipality=open_budget.municipality, slug="nord", name_ro="Nord", name_en="North"
        ),
        amount=Decimal(500_000),
    )


def submit(client, budget, **data):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    values = {"title": "Loc de joacă", "description": "Pe strada Nouă.", "cost": "150000"}
    values.update(data)
    return client.post(url("budget_project_new", budget.pk, "nord"), values, HTTP_HOST=BOTOSANI)


def test_a_confirmed_resident_submits_a_project_that_waits_for_review(
    client, resident, open_budget, open_zone
):
    client.force_login(resident)

    response = submit(client, open_budget, category="Joacă", latitude="47.75", longitude="26.66")

    project = BudgetProject.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("budget_project_detail", open_budget.pk, project.pk)
    assert (project.code, project.title, project.cost) == ("P1", "Loc de joacă", Decimal(150_000))
    assert project.status == BudgetProjectStatus.SUBMITTED and project.author == resident
    assert (project.latitude, project.longitude) == (47.75, 26.66)
    assert project.budget_zone == open_zone


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cost": "0"}, "The cost must be more than zero."),
        ({"cost": "-5"}, "The cost must be more than zero."),
        ({"cost": "500001"}, "The cost cannot be more than the budget of the zone, 500,000 lei."),
        ({"latitude": "45.75", "longitude": "21.22"}, "The place is outside the city."),
        ({"latitude": "47.75"}, "Give both the latitude and the longitude, or neither."),
        ({"title": ""}, "This field is required."),
    ],
)
def test_bad_projects_are_refused_with_a_clear_message_and_nothing_written(
    client, resident, open_budget, open_zone, data, message
):
    client.force_login(resident)

    response = submit(client, open_budget, **data)

    assert response.status_code == 400
    assert message in response.text
    assert not BudgetProject.objects.exists()


def test_submission_needs_a_confirmed_email_and_open_dates(client, open_budget, open_zone):
    unconfirmed = UserFactory.create(email_confirmed_at=None)
    client.force_login(unconfirmed)
    refused = submit(client, open_budget)
    assert refused.status_code == 400
    assert "Confirm your email address before submitting a project." in refused.text

    confirmed = UserFactory.create()
    client.force_login(confirmed)
    open_budget.submission_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    open_budget.submission_opens_at = timezone.now() - datetime.timedelta(days=3)
    open_budget.save()
    closed = submit(client, open_budget)
    assert closed.status_code == 400
    assert "Project submission is closed for this budget." in closed.text
    assert not BudgetProject.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, open_budget, open_zone):
    response = submit(client, open_budget)
    assert response.status_code == 302 and "login" in response["Location"]
    assert not BudgetProject.objects.exists()


def test_submissions_are_rate_limited_per_resident(client, resident, open_budget, open_zone):
    client.force_login(resident)
    for number in range(MAX_PROJECTS_PER_DAY):
        assert submit(client, open_budget, title=f"Proiect {number}").status_code == 302

    refused = submit(client, open_budget, title="Încă unul")

    assert refused.status_code == 400
    assert f"You have submitted {MAX_PROJECTS_PER_DAY} projects today" in refused.text
    assert BudgetProject.objects.count() == MAX_PROJECTS_PER_DAY
    assert sorted(BudgetProject.objects.values_list("code", flat=True)) == [
        f"P{number}" for number in range(1, MAX_PROJECTS_PER_DAY + 1)
    ]
