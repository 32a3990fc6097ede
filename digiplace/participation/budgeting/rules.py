"""Participatory-budgeting rules for approval ballots: greedy and the Method of Equal Shares.

Both rules take plain data (a budget, each project's cost, the ballots as sets of project ids)
and return the selected projects with an explanation a results page can show. Arithmetic is
exact (integers and Fractions); no comparison involves a float. Outcomes equal those of the
reference implementation, pabutools:

- ``greedy_select`` is ``greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)``:
  projects by number of approvals (a project that costs nothing, or that nobody approves,
  counts as having none), ties broken by the project id as text (pabutools' default,
  lexicographic tie-breaking), each selected when its cost fits the money left.
- ``equal_shares_select`` is ``method_of_equal_shares(instance, profile, sat_class=Cost_Sat)``
  and, with ``completion="add1"``, the same with ``voter_budget_increment=1``. Every voter
  starts with budget / number of ballots (empty ballots count). In each round, among the
  projects whose supporters can still pay the cost, the one with the lowest price per unit of
  cost ``rho`` is bought (the smallest id as text on a tie); each supporter pays
  ``min(own money, rho * cost)``. A project that costs nothing brings no utility under cost
  utilities, so (as in pabutools) it is never selected. With no ballots nothing is selected.
  add1 reruns the method with every voter's starting money raised by 1, 2, 3… units
  while the outcome costs at most the budget: it stops at the first exhaustive outcome (no
  further supported project fits the money left) and returns it, or at the first outcome
  over the budget and returns the one before.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Literal

import numpy as np
import numpy.typing as npt

from digiplace.participation.budgeting.i18n import gettext
from digiplace.participation.budgeting.pabulib import Election, Number

Completion = Literal["none", "add1"]


class BudgetingError(ValueError):
    """Input the rules cannot count (a negative cost, a ballot naming an unknown project…)."""


@dataclass(frozen=True)
class ApprovalElection:
    """What the rules need: the budget, every project's cost by id, and the ballots."""

    budget: Number
    costs: Mapping[str, Number]
    ballots: Sequence[Collection[str]]


def approval_election_from_pabulib(election: Election) -> ApprovalElection:
    """The approval election in a parsed ``.pb`` file; BudgetingError for other vote types."""
    if not election.is_approval:
        raise BudgetingError(
            gettext("The election uses %(type)s ballots; the rules count approval ballots only.")
            % {"type": election.vote_type}
        )
    return ApprovalElection(
        budget=election.budget,
        costs={project.project_id: project.cost for project in election.projects},
        ballots=[voter.vote for voter in election.voters],
    )


def _election_check(election: ApprovalElection) -> None:
    if election.budget < 0:
        raise BudgetingError(gettext("The budget cannot be negative."))
    for project_id, cost in election.costs.items():
        if cost < 0:
            raise BudgetingError(
                gettext("Project %(id)s has a negative cost.") % {"id": project_id}
            )
    unknown = set().union(*election.ballots).difference(election.costs)
    if unknown:
        raise BudgetingError(
            gettext("A ballot names an unknown project: %(id)s.") % {"id": min(unknown)}
        )


def _approval_counts(election: ApprovalElection) -> dict[str, int]:
    counts = dict.fromkeys(election.costs, 0)
    for ballot in election.ballots:
        for project_id in set(ballot):
            counts[project_id] += 1
    return counts


# Greedy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GreedyStep:
    """One project's turn: its approvals, its cost, the money left before its turn, and
    whether it was selected (a project not selected did not fit that money)."""

    rank: int
    project_id: str
    approvals: int
    cost: Number
    money_left_before: Number
    is_selected: bool


@dataclass(frozen=True)
class GreedyOutcome:
    selected: tuple[str, ...]
    total_cost: Number
    steps: tuple[GreedyStep, ...]

    @property
    def rejected(self) -> tuple[GreedyStep, ...]:
        return tuple(step for step in self.steps if not step.is_selected)


def greedy_select(election: ApprovalElection) -> GreedyOutcome:
    """Greedy by approvals: highest first, each project selected when it still fits."""
    _election_check(election)
    approvals = _approval_counts(election)

    def ranking_key(project_id: str) -> tuple[int, str]:
        # As pabutools with cost satisfaction: approvals * cost / cost, and 0 for a free project.
        score = approvals[project_id] if election.costs[project_id] > 0 else 0
        return (-score, project_id)

    money_left: Number = election.budget
    steps = []
    selected = []
    for rank, project_id in enumerate(sorted(election.costs, key=ranking_key), start=1):
        cost = election.costs[project_id]
        fits = cost <= money_left
        steps.append(GreedyStep(rank, project_id, approvals[project_id], cost, money_left, fits))
        if fits:
            selected.append(project_id)
            money_left -= cost
    return GreedyOutcome(tuple(selected), election.budget - money_left, tuple(steps))


# Method of Equal Shares -----------------------------------------------------------------


@dataclass(frozen=True)
class PaymentShare:
    """``voters`` supporters each paid ``amount``."""

    voters: int
    amount: Fraction


@dataclass(frozen=True)
class Purchase:
    """How a winner was paid for: in which round, at which price per
    unit of cost ``rho`` (each supporter paid at most ``rho * cost``), by whom."""

    round: int
    project_id: str
    cost: Number
    supporters: int
    rho: Fraction
    payments: tuple[PaymentShare, ...]


class RejectionReason(StrEnum):
    NO_SUPPORTERS = "no_supporters"
    ZERO_COST = "zero_cost"
    NEVER_AFFORDABLE = "never_affordable"
    SUPPORTERS_RAN_OUT = "supporters_ran_out"


@dataclass(frozen=True)
class Rejection:
    """Why a project lost: nobody approved it; it costs nothing, so it brings no utility
    under cost utilities (``zero_cost``); its supporters' money together was below its
    cost from the start (``never_affordable``); or they had spent it on other winners and had
    only ``money_left`` against its ``cost`` when the method stopped."""

    project_id: str
    cost: Number
    supporters: int
    reason: RejectionReason
    money_at_start: Fraction
    money_left: Fraction


@dataclass(frozen=True)
class EqualSharesOutcome:
    """The selected projects in the order bought, with the explanation of the run that gave
    them. ``voter_budget`` is the money each voter started with in that run; ``increments``
    how many units add1 added to budget / voters to reach it."""

    selected: tuple[str, ...]
    total_cost: Number
    voter_budget: Fraction
    increments: int
    purchases: tuple[Purchase, ...]
    rejections: tuple[Rejection, ...]


@dataclass
class _Round:
    """The state after one run: the winners in order, how they were paid for, and each
    ballot group's money as ``class_money[budget_class[group]] / denominator``."""

    selected: list[int]
    purchases: list[Purchase]
    budget_class: npt.NDArray[np.int64]
    class_money: list[int]
    denominator: int


class _EqualSharesModel:
    """The election prepared once (ballots grouped, each project's supporting groups) and
    run as many times as add1 needs."""

    def __init__(self, election: ApprovalElection) -> None:
        self.election = election
        self.project_ids = list(election.costs)
        index = {project_id: i for i, project_id in enumerate(self.project_ids)}
        self.costs = [election.costs[project_id] for project_id in self.project_ids]
        # Count identical ballots first (cheap for tuples and frozensets), then merge those
        # that only differ in order or repetition.
        raw = Counter(
            ballot if isinstance(ballot, tuple | frozenset) else frozenset(ballot)
            for ballot in election.ballots
        )
        groups: dict[frozenset[int], int] = {}
        for ballot, count in raw.items():
            key = frozenset(index[project_id] for project_id in ballot)
            groups[key] = groups.get(key, 0) + count
        self.voter_count = len(election.ballots)
        self.group_sizes = np.fromiter(groups.values(), dtype=np.int64, count=len(groups))
        supporting: list[list[int]] = [[] for _ in self.project_ids]
        for group, approved in enumerate(groups):
            for project in approved:
                supporting[project].append(group)
        self.supporting_groups = [np.array(g, dtype=np.int64) for g in supporting]
        self.supporters = [int(self.group_sizes[g].sum()) for g in self.supporting_groups]
        # bincount's weights are floats; counts of voters stay exact far beyond any city.
        self.supporting_weights = [
            self.group_sizes[g].astype(np.float64) for g in self.supporting_groups
        ]
        self.candidates = [
            p for p, cost in enumerate(self.costs) if cost > 0 and self.supporters[p] > 0
        ]
        self.cost_denominator = math.lcm(*(Fraction(cost).denominator for cost in self.costs))

    def money_by_class(
        self, project: int, budget_class: npt.NDArray[np.int64], class_count: int
    ) -> list[tuple[int, int]]:
        """(class, voters) pairs of a project's supporters, for classes holding any, by
        increasing class number, which `run` keeps in the order of increasing money."""
        groups = self.supporting_groups[project]
        counts = np.bincount(
            budget_class[groups], weights=self.supporting_weights[project], minlength=class_count
        ).astype(np.int64)
        present = np.flatnonzero(counts)
        return list(zip(present.tolist(), counts[present].tolist(), strict=True))

    def run(self, voter_budget: Fraction) -> _Round:
        """One run of the method with every voter starting with ``voter_budget``.

        Money is held as integers over one common denominator, which grows when a price
        needs it, so that every sum and comparison is on integers."""
        denominator = math.lcm(voter_budget.denominator, self.cost_denominator)
        class_money = [int(voter_budget * denominator)]
        class_of_money = {class_money[0]: 0}
        budget_class = np.zeros(len(self.group_sizes), dtype=np.int64)
        purchases: list[Purchase] = []
        selected: list[int] = []
        # rho = price per unit of cost; it only rises, so the last known value is a lower
        # bound: a heap of them gives the projects that might be cheapest, in order.
        lower_bounds = [(Fraction(1, self.supporters[p]), p) for p in self.candidates]
        heapq.heapify(lower_bounds)
        round_number = 0
        while lower_bounds:
            shares: dict[int, tuple[int, int]] = {}  # each share as (numerator, payers)
            priced: list[tuple[Fraction, int]] = []
            best_rho: Fraction | None = None
            tied: list[int] = []
            while lower_bounds and (best_rho is None or lower_bounds[0][0] <= best_rho):
                _, project = heapq.heappop(lower_bounds)
                pairs = self.money_by_class(project, budget_class, len(class_money))
                scaled_cost = int(self.costs[project] * denominator)
                share = _share(scaled_cost, class_money, pairs)
                if share is None:  # its supporters can no longer pay it: out for good
                    continue
                rho = Fraction(share[0], share[1] * scaled_cost)
                priced.append((rho, project))
                shares[project] = share
                if best_rho is None or rho < best_rho:
                    best_rho, tied = rho, [project]
                elif rho == best_rho:
                    tied.append(project)
            if best_rho is None:
                break
            chosen = min(tied, key=lambda p: self.project_ids[p])
            for entry in priced:
                if entry[1] != chosen:
                    heapq.heappush(lower_bounds, entry)
            round_number += 1
            # Make the share an integer: scale every amount by what its fraction needs.
            remaining, payers = shares[chosen]
            factor = payers // math.gcd(remaining, payers)
            if factor > 1:
                denominator *= factor
                class_money = [money * factor for money in class_money]
                class_of_money = {money: c for c, money in enumerate(class_money)}
            cap = remaining * factor // payers
            pairs = self.money_by_class(chosen, budget_class, len(class_money))
            remap = np.arange(len(class_money) + len(pairs), dtype=np.int64)
            paid: dict[int, int] = {}
            for old_class, voters in pairs:
                money = class_money[old_class]
                amount = min(money, cap)
                paid[amount] = paid.get(amount, 0) + voters
                left = money - amount
                new_class = class_of_money.get(left)
                if new_class is None:
                    new_class = len(class_money)
                    class_money.append(left)
                    class_of_money[left] = new_class
                remap[old_class] = new_class
            groups = self.supporting_groups[chosen]
            budget_class[groups] = remap[budget_class[groups]]
            # Keep only the classes someone is in, numbered by increasing money.
            occupied = np.flatnonzero(np.bincount(budget_class, minlength=len(class_money)))
            live = sorted(occupied.tolist(), key=class_money.__getitem__)
            renumber = np.zeros(len(class_money), dtype=np.int64)
            renumber[live] = np.arange(len(live), dtype=np.int64)
            budget_class = renumber[budget_class]
            class_money = [class_money[c] for c in live]
            class_of_money = {money: c for c, money in enumerate(class_money)}
            payments = tuple(
                PaymentShare(voters, Fraction(amount, denominator))
                for amount, voters in sorted(paid.items(), reverse=True)
                if amount > 0
            )
            purchases.append(
                Purchase(
                    round_number,
                    self.project_ids[chosen],
                    self.costs[chosen],
                    self.supporters[chosen],
                    best_rho,
                    payments,
                )
            )
            selected.append(chosen)
        return _Round(selected, purchases, budget_class, class_money, denominator)

    def total_cost(self, selected: Iterable[int]) -> Number:
        return sum((self.costs[p] for p in selected), start=0)

    def is_exhaustive(self, selected: list[int]) -> bool:
        money_left = self.election.budget - self.total_cost(selected)
        chosen = set(selected)
        return all(self.costs[p] > money_left for p in self.candidates if p not in chosen)

    def outcome(
        self, result: _Round, voter_budget: Fraction, increments: int
    ) -> EqualSharesOutcome:
        chosen = set(result.selected)
        rejections = []
        for project, project_id in enumerate(self.project_ids):
            if project in chosen:
                continue
            cost = self.costs[project]
            supporters = self.supporters[project]
            start = voter_budget * supporters
            if supporters == 0:
                left, reason = Fraction(0), RejectionReason.NO_SUPPORTERS
            elif cost == 0:
                left, reason = Fraction(0), RejectionReason.ZERO_COST
            else:
                pairs = self.money_by_class(project, result.budget_class, len(result.class_money))
                left = Fraction(
                    sum(result.class_money[c] * n for c, n in pairs), result.denominator
                )
                reason = (
                    RejectionReason.NEVER_AFFORDABLE
                    if start < cost
                    else RejectionReason.SUPPORTERS_RAN_OUT
                )
            rejections.append(Rejection(project_id, cost, supporters, reason, start, left))
        return EqualSharesOutcome(
            selected=tuple(self.project_ids[p] for p in result.selected),
            total_cost=self.total_cost(result.selected),
            voter_budget=voter_budget,
            increments=increments,
            purchases=tuple(result.purchases),
            rejections=tuple(rejections),
        )


def _share(
    cost: int, class_money: list[int], pairs: list[tuple[int, int]]
) -> tuple[int, int] | None:
    """The smallest share x at which supporters in ``pairs`` ((class, voters), by increasing
    money) pay ``cost`` together, each paying min(own money, x), as (numerator, denominator);
    None when all their money is below the cost. All on integers.

    Walking up from the poorest, the first class that can pay the rest in equal shares gives
    x; when none can, the money together is below the cost (the richer ones would have)."""
    remaining = cost
    payers = sum(voters for _, voters in pairs)
    for budget_class, voters in pairs:
        amount = class_money[budget_class]
        if remaining <= amount * payers:
            return remaining, payers
        remaining -= amount * voters
        payers -= voters
    return None


def equal_shares_select(
    election: ApprovalElection, *, completion: Completion = "none"
) -> EqualSharesOutcome:
    """The Method of Equal Shares with cost utilities, without completion or with add1."""
    _election_check(election)
    if completion not in ("none", "add1"):
        raise BudgetingError(
            gettext("Unknown completion: %(completion)s.") % {"completion": completion}
        )
    model = _EqualSharesModel(election)
    if model.voter_count == 0:
        empty = _Round([], [], np.zeros(0, dtype=np.int64), [0], 1)
        return model.outcome(empty, Fraction(0), 0)
    voter_budget = Fraction(election.budget) / model.voter_count
    result = model.run(voter_budget)
    if completion == "none":
        return model.outcome(result, voter_budget, 0)
    increments = 0
    while not model.is_exhaustive(result.selected):
        candidate = model.run(voter_budget + increments + 1)
        if model.total_cost(candidate.selected) > election.budget:
            break
        increments += 1
        result = candidate
    return model.outcome(result, voter_budget + increments, increments)
