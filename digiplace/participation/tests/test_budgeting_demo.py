"""The budgeting demo: Timișoara's 8 zones of 500,000 lei counted with equal shares by the
real engine, Botoșani's budget open for voting; a second load changes nothing."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from digiplace.participation.budgeting.rules import equal_shares_select
from digiplace.participation.demo.budgeting import demo_load, demo_voting_codes
from digiplace.participation.models import (
    Ballot,
    Budget,
    BudgetProject,
    BudgetProjectStatus,
    BudgetZone,
    VotingCode,
    VotingMethod,
    ZoneResult,
)
from digiplace.participation.selectors.budgeting import zone_election
from digiplace.participation.services.voting import voter_verify_code


def test_demo_budgets(botosani, timisoara, client):
    lines = demo_load(botosani=botosani, timisoara=timisoara)
    counts = (Budget.objects.count(), BudgetProject.objects.count(), Ballot.objects.count())
    # A second load adds nothing; it prints Botoșani's demo voting codes again.
    again = demo_load(botosani=botosani, timisoara=timisoara)
    assert again == [lines[-1]]
    assert lines[-1].startswith("Botoșani: demo voting codes")
    assert (Budget.objects.count(), BudgetProject.objects.count(), Ballot.objects.count()) == counts

    timisoara_budget = Budget.objects.get(municipality=timisoara)
    zones = list(BudgetZone.objects.filter(budget=timisoara_budget))
    assert len(zones) == 8
    assert {zone.amount for zone in zones} == {Decimal(500_000)}
    assert timisoara_budget.results_published_at is not None
    assert timisoara_budget.rule == "mes"
    for zone in zones:
        assert 6 <= zone.projects.count() <= 10
        assert zone.ballots.count() >= 100
        result = ZoneResult.objects.get(budget_zone=zone)
        recount = equal_shares_select(zone_election(budget_zone=zone), completion="add1")
        assert result.selected == list(recount.selected) and result.selected
    ineligible = BudgetProject.objects.filter(
        budget_zone__budget=timisoara_budget, status=BudgetProjectStatus.INELIGIBLE
    )
    assert ineligible.count() >= 2
    assert all(project.review_reason for project in ineligible)

    botosani_budget = Budget.objects.get(municipality=botosani)
    assert botosani_budget.voting_open() and botosani_budget.results_published_at is None
    assert (
        BudgetProject.objects.filter(
            budget_zone__budget=botosani_budget, status=BudgetProjectStatus.ELIGIBLE
        ).count()
        == 15
    )
    assert len(lines) == 3
    # The printed codes are real codes of the open vote, each stored once as a digest.
    codes = demo_voting_codes()
    assert VotingCode.objects.filter(budget=botosani_budget).count() == len(codes) == 5
    assert all(code in lines[-1] for code in codes)
    voter = voter_verify_code(budget=botosani_budget, code=codes[0].lower())
    assert voter.method == VotingMethod.CODE

    page = client.get(
        reverse(
            "participation:budget_zone_results",
            args=[timisoara_budget.pk, zones[0].zone.slug],
        ),
        HTTP_HOST="timisoara.localhost",
    )
    assert page.status_code == 200
