"""The budgeting rules: hand-worked elections, random ones and real ones against pabutools.

Which real files are compared with pabutools where:
- here, every approval and choose-1 election in ``../shared/data/pabulib/`` except two, for
  greedy, equal shares without completion and equal shares with add1 (pabutools takes under
  15 s of CPU on the slowest of them, add1 on Poland_Warszawa_2018_Stare_Bielany.pb);
- ``Poland_Lodz_2022.pb`` (90,494 voters) and ``Netherlands_Amsterdam_621.pb``, on which
  pabutools takes minutes, in ``test_budgeting_pabutools_large.py`` (all three rules); here
  they are also checked for what holds whatever the reference says (within budget, add1 at
  least as costly as no completion, explanations that add up).
Cumulative and ordinal elections are not approval elections: the rules refuse them (tested).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from django.conf import settings
from gmpy2 import mpq
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pabutools.election import (
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    Instance,
    Project,
    parse_pabulib,
)
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

from digiplace.participation.budgeting.pabulib import election_parse, election_read
from digiplace.participation.budgeting.rules import (
    ApprovalElection,
    BudgetingError,
    PaymentShare,
    RejectionReason,
    approval_election_from_pabulib,
    equal_shares_select,
    greedy_select,
)

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "pabulib"
BENCHMARK_FILES = {"Poland_Lodz_2022.pb", "Netherlands_Amsterdam_621.pb"}
ALL_FILES = sorted(DATA.glob("*.pb"))
APPROVAL_FILES = [path for path in ALL_FILES if election_read(path).is_approval]
COMPARED_FILES = [path for path in APPROVAL_FILES if path.name not in BENCHMARK_FILES]


def test_the_data_holds_the_expected_elections():
    # Nothing may silently vanish from the comparison: 26 files, 10 approval + 5 choose-1.
    assert len(ALL_FILES) == 26
    assert len(APPROVAL_FILES) == 15
    assert len(COMPARED_FILES) == 13
    assert {path.name for path in APPROVAL_FILES} >= BENCHMARK_FILES


def pabutools_outcomes(instance, profile) -> tuple[set[str], set[str], set[str]]:
    greedy = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    plain = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    add1 = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    return (
        {p.name for p in greedy},
        {p.name for p in plain},
        {p.name for p in add1},
    )


@pytest.mark.parametrize("path", COMPARED_FILES, ids=lambda path: path.stem[:60])
def test_outcomes_equal_pabutools_on_real_elections(path):
    election = approval_election_from_pabulib(election_read(path))
    greedy, plain, add1 = pabutools_outcomes(*parse_pabulib(str(path)))

    assert set(greedy_select(election).selected) == greedy
    assert set(equal_shares_select(election).selected) == plain
    assert set(equal_shares_select(election, completion="add1").selected) == add1


@pytest.mark.parametrize("name", sorted(BENCHMARK_FILES))
def test_benchmark_elections_give_consistent_outcomes(name):
    election = approval_election_from_pabulib(election_read(DATA / name))

    greedy = greedy_select(election)
    plain = equal_shares_select(election)
    add1 = equal_shares_select(election, completion="add1")

    for outcome in (greedy, plain, add1):
        assert outcome.total_cost == sum(election.costs[p] for p in outcome.selected)
        assert outcome.total_cost <= election.budget
    assert add1.total_cost >= plain.total_cost
    assert add1.increments > 0
    for purchase in plain.purchases:
        paid = sum(share.voters * share.amount for share in purchase.payments)
        assert paid == purchase.cost
        assert max(share.amount for share in purchase.payments) == purchase.rho * purchase.cost


@pytest.mark.parametrize("name", ["Netherlands_Assen_2024.pb", "Poland_Swiecie_2023.pb"])
def test_equal_shares_with_add1_gives_the_official_winners(name):
    parsed = election_read(DATA / name)
    assert parsed.meta["rule"] == "equalshares/add1"
    official = {p.project_id for p in parsed.projects if p.fields["selected"] == "1"}

    outcome = equal_shares_select(approval_election_from_pabulib(parsed), completion="add1")

    assert set(outcome.selected) == official


def test_non_approval_elections_are_refused():
    ordinal = next(path for path in ALL_FILES if election_read(path).vote_type == "ordinal")
    with pytest.raises(BudgetingError, match="ordinal ballots"):
        approval_election_from_pabulib(election_read(ordinal))


# Random small elections against pabutools: many ties, free and unsupported projects.


def random_elections(unit: Fraction) -> st.SearchStrategy[ApprovalElection]:
    """Small elections (many ties, free and unsupported projects); amounts in ``unit``s."""
    return st.builds(
        lambda budget, costs, ballots: ApprovalElection(
            budget=budget * unit * 2,
            costs={str(i): cost * unit for i, cost in enumerate(costs)},
            ballots=[frozenset(str(i) for i in ballot if i < len(costs)) for ballot in ballots],
        ),
        st.integers(min_value=0, max_value=20),
        st.lists(st.integers(min_value=0, max_value=15), min_size=1, max_size=12),
        st.lists(st.sets(st.integers(min_value=0, max_value=11), max_size=5), max_size=9),
    )


def assert_outcomes_equal_pabutools(election: ApprovalElection) -> None:
    projects = {
        project_id: Project(project_id, mpq(cost.numerator, cost.denominator))
        for project_id, cost in election.costs.items()
    }
    budget = Fraction(election.budget)
    instance = Instance(projects.values(), budget_limit=mpq(budget.numerator, budget.denominator))
    profile = ApprovalProfile(
        [ApprovalBallot([projects[p] for p in ballot]) for ballot in election.ballots],
        instance=instance,
    )
    greedy, plain, add1 = pabutools_outcomes(instance, profile)

    assert set(greedy_select(election).selected) == greedy
    assert set(equal_shares_select(election).selected) == plain
    assert set(equal_shares_select(election, completion="add1").selected) == add1


@hypothesis_settings(max_examples=150, deadline=None)
@given(random_elections(Fraction(1)))
def test_outcomes_equal_pabutools_on_random_elections(election):
    assert_outcomes_equal_pabutools(election)


@hypothesis_settings(max_examples=60, deadline=None)
@given(random_elections(Fraction(1, 4)))
def test_outcomes_equal_pabutools_on_random_elections_with_decimal_costs(election):
    # Costs in quarters, the budget in halves: the add1 unit (1) is several cost units.
    assert_outcomes_equal_pabutools(election)


# Hand-worked elections.


def test_greedy_breaks_ties_by_id_as_text_and_explains_what_did_not_fit():
    # "10" and "9" both have 2 approvals; as text "10" comes first and takes the money.
    election = ApprovalElection(
        budget=10,
        costs={"9": 6, "10": 6, "c": 4},
        ballots=[{"9", "10"}, {"9", "10", "c"}],
    )

    outcome = greedy_select(election)

    assert outcome.selected == ("10", "c")
    assert outcome.total_cost == 10
    nine = outcome.rejected[0]
    assert (nine.project_id, nine.approvals, nine.cost, nine.money_left_before) == ("9", 2, 6, 4)
    assert [step.rank for step in outcome.steps] == [1, 2, 3]


def test_greedy_takes_a_project_costing_exactly_the_money_left():
    election = ApprovalElection(
        budget=10, costs={"a": 7, "b": 3}, ballots=[{"a"}, {"a"}, {"a", "b"}, {"b"}]
    )

    assert greedy_select(election).selected == ("a", "b")


def test_greedy_selects_unapproved_projects_last_when_they_fit_as_pabutools_does():
    election = ApprovalElection(budget=10, costs={"a": 5, "b": 4, "z": 6}, ballots=[{"a"}])

    outcome = greedy_select(election)

    assert outcome.selected == ("a", "b")
    assert outcome.steps[2].project_id == "z"
    assert outcome.steps[2].money_left_before == 1


def test_equal_shares_worked_example_with_payments_and_reasons():
    # Budget 12, four voters with 3 each. Round 1: A (6) is shared by three voters at 2 each,
    # rho 1/3. Round 2: B (4) costs its supporters 3 (voter 4) and 1 (voter 3, all they had
    # left), rho 3/4. Then C (3) has only voter 4, who has nothing left.
    election = ApprovalElection(
        budget=12,
        costs={"A": 6, "B": 4, "C": 3, "D": 1},
        ballots=[{"A"}, {"A"}, {"A", "B"}, {"B", "C"}],
    )

    outcome = equal_shares_select(election)

    assert outcome.selected == ("A", "B")
    assert outcome.voter_budget == 3
    first, second = outcome.purchases
    assert (first.round, first.rho, first.payments) == (
        1,
        Fraction(1, 3),
        (PaymentShare(3, Fraction(2)),),
    )
    assert (second.round, second.rho) == (2, Fraction(3, 4))
    assert second.payments == (PaymentShare(1, Fraction(3)), PaymentShare(1, Fraction(1)))
    reasons = {r.project_id: (r.reason, r.money_at_start, r.money_left) for r in outcome.rejections}
    assert reasons == {
        "C": (RejectionReason.SUPPORTERS_RAN_OUT, 3, 0),
        "D": (RejectionReason.NO_SUPPORTERS, 0, 0),
    }


def test_add1_stops_at_once_when_the_outcome_is_exhaustive():
    # The worked example leaves 2, and neither C (3) fits; D (1) has no supporter.
    election = ApprovalElection(
        budget=12,
        costs={"A": 6, "B": 4, "C": 3, "D": 1},
        ballots=[{"A"}, {"A"}, {"A", "B"}, {"B", "C"}],
    )

    outcome = equal_shares_select(election, completion="add1")

    assert (outcome.selected, outcome.increments) == (("A", "B"), 0)


def test_equal_shares_ties_go_to_the_smaller_id_at_its_own_price():
    # Both cost each voter everything (rho 1); "a" (8) goes first and its supporter pays 8.
    election = ApprovalElection(budget=20, costs={"b": 4, "a": 8}, ballots=[{"b"}, {"a"}])

    outcome = equal_shares_select(election)

    assert outcome.selected == ("a", "b")
    assert [p.payments for p in outcome.purchases] == [
        (PaymentShare(1, Fraction(8)),),
        (PaymentShare(1, Fraction(4)),),
    ]
    assert [p.rho for p in outcome.purchases] == [1, 1]


def test_equal_shares_tie_between_ids_10_and_9_goes_to_10():
    election = ApprovalElection(budget=10, costs={"9": 10, "10": 10}, ballots=[{"9", "10"}] * 2)

    outcome = equal_shares_select(election)

    assert outcome.selected == ("10",)
    assert outcome.rejections[0].reason == RejectionReason.SUPPORTERS_RAN_OUT


def test_equal_shares_buys_a_project_costing_exactly_its_supporters_money():
    election = ApprovalElection(budget=10, costs={"p": 10}, ballots=[{"p"}, {"p"}])

    outcome = equal_shares_select(election)

    assert outcome.selected == ("p",)
    assert outcome.purchases[0].payments == (PaymentShare(2, Fraction(5)),)


def test_add1_raises_the_budget_until_the_outcome_is_exhaustive():
    # Voter 1 has 5 against a cost of 8: never affordable, until add1 gives 5 + 3.
    election = ApprovalElection(budget=10, costs={"p": 8}, ballots=[{"p"}, set()])

    plain = equal_shares_select(election)
    add1 = equal_shares_select(election, completion="add1")

    assert plain.selected == ()
    (rejection,) = plain.rejections
    assert (rejection.reason, rejection.money_at_start, rejection.money_left) == (
        RejectionReason.NEVER_AFFORDABLE,
        5,
        5,
    )
    assert (add1.selected, add1.increments, add1.voter_budget) == (("p",), 3, 8)


def test_add1_keeps_the_last_outcome_within_the_budget():
    # With 5 each only R (3) is bought. With 6 each P and Q (6 each, rho 1 like R) are bought
    # first by id, 12 > 10: add1 keeps R.
    election = ApprovalElection(
        budget=10, costs={"P": 6, "Q": 6, "R": 3}, ballots=[{"P", "R"}, {"Q"}]
    )

    outcome = equal_shares_select(election, completion="add1")

    assert (outcome.selected, outcome.increments, outcome.voter_budget) == (("R",), 0, 5)


def test_zero_voters():
    election = ApprovalElection(budget=10, costs={"b": 4, "a": 4, "c": 3}, ballots=[])

    plain = equal_shares_select(election, completion="add1")

    assert plain.selected == ()
    assert {r.reason for r in plain.rejections} == {RejectionReason.NO_SUPPORTERS}
    # Greedy, as pabutools: no approvals anywhere, so by id while the money lasts.
    assert greedy_select(election).selected == ("a", "b")


def test_equal_shares_never_selects_a_free_project_as_pabutools_with_cost_utilities():
    election = ApprovalElection(budget=4, costs={"f": 0, "x": 4}, ballots=[{"f", "x"}, {"x"}])

    outcome = equal_shares_select(election, completion="add1")

    assert outcome.selected == ("x",)
    assert outcome.rejections[0].reason == RejectionReason.ZERO_COST
    # Greedy takes it: it always fits.
    assert set(greedy_select(election).selected) == {"f", "x"}


def test_ballot_lengths_in_the_meta_do_not_change_the_count():
    # Ballots of 1 and 3 projects break min_length and max_length 2; they count all the same.
    # Equal shares: 10/3 each; a and c tie at rho 1/2, a goes first (voters 1 and 2 pay 5/2
    # each); then c's supporters hold 5/6 + 10/3 < 5, and b (voter 2 alone) never could.
    lengths = "min_length;2\nmax_length;2\n"
    text = (
        "META\nkey;value\nbudget;10\nvote_type;approval\n%s"
        "PROJECTS\nproject_id;cost\na;5\nb;5\nc;5\n"
        "VOTES\nvoter_id;vote\n1;a\n2;a,b,c\n3;c\n"
    )
    with_lengths = approval_election_from_pabulib(election_parse(text % lengths))
    without = approval_election_from_pabulib(election_parse(text % ""))

    greedy = greedy_select(with_lengths)
    plain = equal_shares_select(with_lengths)

    assert greedy.selected == ("a", "c")
    assert (plain.selected, plain.voter_budget) == (("a",), Fraction(10, 3))
    assert plain.purchases[0].payments == (PaymentShare(2, Fraction(5, 2)),)
    left = {r.project_id: (r.reason, r.money_left) for r in plain.rejections}
    assert left == {
        "b": (RejectionReason.NEVER_AFFORDABLE, Fraction(5, 6)),
        "c": (RejectionReason.SUPPORTERS_RAN_OUT, Fraction(25, 6)),
    }
    assert greedy_select(without) == greedy
    assert equal_shares_select(without) == plain


@pytest.mark.parametrize(
    ("election", "message"),
    [
        (ApprovalElection(budget=-1, costs={}, ballots=[]), "budget cannot be negative"),
        (ApprovalElection(budget=1, costs={"a": -2}, ballots=[]), "negative cost"),
        (ApprovalElection(budget=1, costs={"a": 1}, ballots=[{"b"}]), "unknown project: b"),
    ],
)
def test_bad_input_is_refused(election, message):
    with pytest.raises(BudgetingError, match=message):
        greedy_select(election)
    with pytest.raises(BudgetingError, match=message):
        equal_shares_select(election)


def test_an_unknown_completion_is_refused():
    with pytest.raises(BudgetingError, match="Unknown completion"):
        equal_shares_select(ApprovalElection(budget=1, costs={}, ballots=[]), completion="x")  # type: ignore[arg-type]
