"""Published results explained: the numbers on the results page are the engine's, payments
grouped by amount, each loser's reason in words; the .pb export and import round trips give
the same winners; the official Assen outcome through the whole pipeline."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from digiplace.core.tests.factories import UserFactory
from digiplace.participation.budgeting.pabulib import election_parse, election_read
from digiplace.participation.budgeting.rules import (
    ApprovalElection,
    approval_election_from_pabulib,
    equal_shares_select,
    greedy_select,
)
from digiplace.participation.models import BudgetProjectStatus, BudgetRule, ZoneResult
from digiplace.participation.selectors.budgeting import money, zone_result_view
from digiplace.participation.services.budgeting_results import (
    budget_results_publish,
    budget_zone_ballots_import,
)
from digiplace.participation.tests.factories import ZoneFactory
from digiplace.participation.tests.factories_budgeting import (
    BallotFactory,
    BudgetFactory,
    BudgetProjectFactory,
    BudgetZoneFactory,
)

BOTOSANI = "botosani.localhost"
DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "pabulib"


def url(name, *args):
    return reverse(f"participation:{name}", args=args)


@pytest.fixture
def actor(db):
    return UserFactory.create(email="counter@example.org")


def make_zone(municipality, *, rule=BudgetRule.MES, amount=100, slug="centru"):
    budget = BudgetFactory.create(municipality=municipality, closed=True, rule=rule)
    return BudgetZoneFactory.create(
        budget=budget,
        zone=ZoneFactory.create(
            municipality=municipality, slug=slug, name_ro="Centru", name_en="Centre"
        ),
        amount=Decimal(amount),
    )


def fill(zone, costs, ballots):
    """Projects by code with costs, and ballots as lists of codes (times count)."""
    projects = {
        code: BudgetProjectFactory.create(
            budget_zone=zone, code=code, title=f"Proiect {code}", cost=cost
        )
        for code, cost in costs.items()
    }
    for codes, count in ballots:
        for _ in range(count):
            BallotFactory.create(budget_zone=zone, choices=[projects[code] for code in codes])
    return projects


# A: 3 voters {P1}; B: 2 voters {P1, P2}; C: 1 voter {P3}; budget 120, so each voter has 20.
COSTS = {"P1": Decimal(60), "P2": Decimal(50), "P3": Decimal(30), "P4": Decimal(10)}
BALLOTS = [(["P1"], 3), (["P1", "P2"], 2), (["P3"], 1)]


def engine_election():
    return ApprovalElection(
        budget=120,
        costs={"P1": 60, "P2": 50, "P3": 30, "P4": 10},
        ballots=[{"P1"}] * 3 + [{"P1", "P2"}] * 2 + [{"P3"}],
    )


def test_equal_shares_results_page_shows_the_engines_payments_and_reasons(client, botosani, actor):
    zone = make_zone(botosani, amount=120)
    fill(zone, COSTS, BALLOTS)
    BudgetProjectFactory.create(
        budget_zone=zone,
        code="P5",
        cost=Decimal(5),
        status=BudgetProjectStatus.INELIGIBLE,
        review_reason="Nu",
    )

    budget_results_publish(actor=actor, budget=zone.budget)
    expected = equal_shares_select(engine_election(), completion="add1")
    view = zone_result_view(budget_zone=zone)
    assert view is not None
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url("budget_zone_results", zone.budget.pk, "centru"), HTTP_HOST=BOTOSANI)

    assert ZoneResult.objects.get().selected == list(expected.selected)
    assert [winner.code for winner in view.winners] == list(expected.selected)
    for winner, purchase in zip(view.winners, expected.purchases, strict=True):
        assert [(group.voters, group.amount) for group in winner.payments] == [
            (share.voters, money(share.amount)) for share in purchase.payments
        ]
        assert winner.approvals == purchase.supporters
    assert {loser.code for loser in view.losers} == {r.project_id for r in expected.rejections}
    assert "P5" not in {p.code for p in view.winners + view.losers}  # not eligible, not counted
    assert view.total_cost == expected.total_cost and view.voters == 6
    assert page.status_code == 200
    # Each voter started with 20 lei (+ add1); P1 is paid by its 5 supporters, 12 lei each.
    assert expected.selected[0] == "P1"
    assert "5 voters paid 12.00 lei each" in page.text
    assert "Nobody voted for it" in page.text  # P4
    reasons = {r.project_id: r.reason for r in expected.rejections}
    assert reasons["P4"] == "no_supporters"
    for loser in view.losers:
        assert loser.reason and loser.reason in page.text.replace("&#x27;", "'")
    assert f"{expected.total_cost} lei spent of 120 lei" in page.text


def test_a_loser_whose_supporters_money_ran_out_says_so(client, botosani, actor):
    # Two voters with 50 each: P1 (cost 60, both) is bought at 30 each; P2 (cost 50, only
    # the first) would need 50 but its supporter has 20 left.
    zone = make_zone(botosani, amount=100)
    fill(zone, {"P1": Decimal(60), "P2": Decimal(50)}, [(["P1", "P2"], 1), (["P1"], 1)])

    budget_results_publish(actor=actor, budget=zone.budget)
    view = zone_result_view(budget_zone=zone)
    assert view is not None

    assert [w.code for w in view.winners] == ["P1"]
    (loser,) = view.losers
    assert loser.code == "P2"
    assert loser.reason.startswith("Its supporters' money ran out")
    assert "against its cost of 50.00 lei" in loser.reason


def test_greedy_results_show_the_order_and_why_a_project_was_skipped(client, botosani, actor):
    zone = make_zone(botosani, rule=BudgetRule.GREEDY, amount=120)
    fill(zone, COSTS, BALLOTS)

    budget_results_publish(actor=actor, budget=zone.budget)
    expected = greedy_select(engine_election())
    view = zone_result_view(budget_zone=zone)
    assert view is not None
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url("budget_zone_results", zone.budget.pk, "centru"), HTTP_HOST=BOTOSANI)

    assert [w.code for w in view.winners] == list(expected.selected) == ["P1", "P2", "P4"]
    (skipped,) = view.losers
    assert skipped.code == "P3"
    assert skipped.reason == (
        "Did not fit in the remaining budget: 10.00 lei were left at its turn, it costs 30.00 lei."
    )
    assert "Did not fit in the remaining budget" in page.text
    assert "Counted greedily" in page.text
    assert "Turn 2 in the order of approvals" in page.text  # P2, after P1


def test_results_are_not_shown_before_publication(client, botosani):
    zone = make_zone(botosani)
    fill(zone, COSTS, BALLOTS)

    page = client.get(url("budget_zone_results", zone.budget.pk, "centru"), HTTP_HOST=BOTOSANI)
    export = client.get(url("budget_zone_pb", zone.budget.pk, "centru"), HTTP_HOST=BOTOSANI)

    assert page.status_code == 404
    assert export.status_code == 404


@pytest.mark.parametrize("rule", [BudgetRule.MES, BudgetRule.GREEDY])
def test_pb_export_round_trip_gives_the_same_winners(client, botosani, actor, rule):
    zone = make_zone(botosani, rule=rule, amount=120)
    fill(zone, COSTS, BALLOTS)
    budget_results_publish(actor=actor, budget=zone.budget)

    response = client.get(url("budget_zone_pb", zone.budget.pk, "centru"), HTTP_HOST=BOTOSANI)
    parsed = election_parse(response.content.decode())
    election = approval_election_from_pabulib(parsed)
    if rule == BudgetRule.MES:
        recount = equal_shares_select(election, completion="add1").selected
    else:
        recount = greedy_select(election).selected

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.pb"')
    assert list(recount) == ZoneResult.objects.get().selected
    assert parsed.meta["rule"] == ("equalshares/add1" if rule == BudgetRule.MES else "greedy")
    assert (parsed.meta["budget"], parsed.meta["currency"], parsed.meta["num_votes"]) == (
        "120",
        "RON",
        "6",
    )
    assert (parsed.meta["vote_type"], parsed.meta["min_length"]) == ("approval", "1")
    # Anonymised: voter ids are the ballots' receipts, nothing else about the voter.
    assert parsed.voter_columns == ()
    assert {voter.voter_id for voter in parsed.voters} == set(
        zone.ballots.values_list("receipt", flat=True)
    )
    assert {p.project_id for p in parsed.projects if p.fields["selected"] == "1"} == set(recount)


def test_assen_imported_gives_the_official_winners_on_the_page(client, botosani, actor):
    # The whole pipeline: the real file imported into a zone, published with equal shares,
    # shown on the page, exported again: the official outcome each time.
    parsed = election_read(DATA / "Netherlands_Assen_2024.pb")
    official = {p.project_id for p in parsed.projects if p.fields["selected"] == "1"}
    zone = make_zone(botosani, amount=parsed.budget)
    for project in parsed.projects:
        BudgetProjectFactory.create(
            budget_zone=zone,
            code=project.project_id,
            title=project.fields["name"],
            cost=Decimal(str(project.cost)),
        )
    text = (DATA / "Netherlands_Assen_2024.pb").read_text()

    ballots = budget_zone_ballots_import(actor=actor, budget_zone=zone, text=text)
    budget_results_publish(actor=actor, budget=zone.budget)
    page = client.get(url("budget_zone_results", zone.budget.pk, "centru"), HTTP_HOST=BOTOSANI)
    exported = client.get(url("budget_zone_pb", zone.budget.pk, "centru"), HTTP_HOST=BOTOSANI)
    recount = equal_shares_select(
        approval_election_from_pabulib(election_parse(exported.content.decode())),
        completion="add1",
    )

    assert len(ballots) == len(parsed.voters) == 84
    assert set(ZoneResult.objects.get().selected) == official
    assert set(recount.selected) == official
    for project in parsed.projects:
        if project.project_id in official:
            assert project.fields["name"] in page.text
