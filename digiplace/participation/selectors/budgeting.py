"""Reads of participatory budgeting: budgets, zones and projects as the public and staff see
them, a zone's ballots as an election the rules count, and a published result explained."""

from __future__ import annotations

import datetime
import enum
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from digiplace.core.models import Municipality
from digiplace.participation.budgeting.pabulib import Election, Project, Voter
from digiplace.participation.budgeting.rules import ApprovalElection
from digiplace.participation.models import (
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    BudgetProjectStatus,
    BudgetRule,
    BudgetZone,
    ZoneResult,
)

CENT = Decimal("0.01")


class BudgetStage(enum.StrEnum):
    """Where a budget stands, in the order the stages come."""

    BEFORE_SUBMISSION = "before_submission"
    SUBMISSION = "submission"
    REVIEW = "review"
    VOTING = "voting"
    COUNTING = "counting"
    RESULTS = "results"


def budget_stage(*, budget: Budget, now: datetime.datetime | None = None) -> BudgetStage:
    now = now or timezone.now()
    if budget.results_published_at is not None:
        return BudgetStage.RESULTS
    if budget.voting_closed(now):
        return BudgetStage.COUNTING
    if budget.voting_open(now):
        return BudgetStage.VOTING
    if budget.submission_open(now):
        return BudgetStage.SUBMISSION
    if now < budget.submission_opens_at:
        return BudgetStage.BEFORE_SUBMISSION
    return BudgetStage.REVIEW


def currency_label(code: str) -> str:
    """How an amount's currency is written after it: lei for RON, else the code."""
    return "lei" if code.upper() == "RON" else code.upper()


def money(value: Fraction | Decimal | int | str) -> Decimal:
    """An exact amount (a Fraction as "n/d" text too) rounded to cents for display."""
    if isinstance(value, str):
        value = Fraction(value)
    if isinstance(value, Fraction):
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Budgets, zones, projects ---------------------------------------------------------------


def budget_list_public(*, municipality: Municipality) -> QuerySet[Budget]:
    """The city's budgets of published processes, newest voting first."""
    return (
        Budget.objects.for_municipality(municipality)
        .filter(process__is_published=True)
        .select_related("process")
        .annotate(zone_count=Count("zones", distinct=True))
        .order_by("-voting_opens_at")
    )


def budget_get_public(*, municipality: Municipality, pk: int) -> Budget | None:
    return budget_list_public(municipality=municipality).filter(pk=pk).first()


def budget_zones(*, budget: Budget) -> QuerySet[BudgetZone]:
    """The budget's zones with how many projects each has, by status."""
    return (
        BudgetZone.objects.filter(budget=budget)
        .select_related("zone")
        .annotate(
            project_count=Count(
                "projects", filter=~Q(projects__status=BudgetProjectStatus.WITHDRAWN)
            ),
            eligible_count=Count(
                "projects", filter=Q(projects__status=BudgetProjectStatus.ELIGIBLE)
            ),
        )
        .order_by("zone__position", "zone__slug")
    )


def budget_zone_get(*, budget: Budget, slug: str) -> BudgetZone | None:
    return BudgetZone.objects.filter(budget=budget, zone__slug=slug).select_related("zone").first()


def budget_zone_projects(*, budget_zone: BudgetZone) -> QuerySet[BudgetProject]:
    """Every project of the zone the public sees (all but withdrawn ones), with its review."""
    return (
        BudgetProject.objects.filter(budget_zone=budget_zone)
        .exclude(status=BudgetProjectStatus.WITHDRAWN)
        .order_by("code")
    )


def budget_projects_to_review(*, budget: Budget) -> QuerySet[BudgetProject]:
    return (
        BudgetProject.objects.filter(
            budget_zone__budget=budget, status=BudgetProjectStatus.SUBMITTED
        )
        .select_related("budget_zone__zone")
        .order_by("created_at")
    )


# --- A zone's ballots -----------------------------------------------------------------------


def _code_sort_key(code: str) -> tuple[int, int | str]:
    return (0, int(code)) if code.isdigit() else (1, code)


def zone_ballots(*, budget_zone: BudgetZone) -> list[tuple[str, tuple[str, ...]]]:
    """Every ballot of the zone as (receipt, approved project codes), counting only eligible
    projects; ballots in receipt order (a ballot left with no project still counts)."""
    eligible = dict(
        BudgetProject.objects.filter(
            budget_zone=budget_zone, status=BudgetProjectStatus.ELIGIBLE
        ).values_list("pk", "code")
    )
    receipts = dict(
        Ballot.objects.filter(budget_zone=budget_zone).values_list("pk", "receipt").iterator()
    )
    choices: dict[int, list[str]] = defaultdict(list)
    for ballot_id, project_id in (
        BallotChoice.objects.filter(ballot__budget_zone=budget_zone)
        .values_list("ballot_id", "project_id")
        .iterator(chunk_size=20_000)
    ):
        code = eligible.get(project_id)
        if code is not None:
            choices[ballot_id].append(code)
    return sorted(
        (
            (receipt, tuple(sorted(choices.get(ballot_id, ()), key=_code_sort_key)))
            for ballot_id, receipt in receipts.items()
        ),
        key=lambda row: row[0],
    )


def zone_eligible_costs(*, budget_zone: BudgetZone) -> dict[str, int]:
    return {
        code: int(cost)
        for code, cost in BudgetProject.objects.filter(
            budget_zone=budget_zone, status=BudgetProjectStatus.ELIGIBLE
        ).values_list("code", "cost")
    }


def zone_election(*, budget_zone: BudgetZone) -> ApprovalElection:
    """The zone's election as the rules count it: its amount, eligible projects, ballots."""
    return ApprovalElection(
        budget=int(budget_zone.amount),
        costs=zone_eligible_costs(budget_zone=budget_zone),
        ballots=[vote for _, vote in zone_ballots(budget_zone=budget_zone)],
    )


def zone_pabulib(*, budget_zone: BudgetZone, rule: str) -> Election:
    """The zone's anonymised ballots in Pabulib form: voters by receipt only."""
    budget = budget_zone.budget
    ballots = zone_ballots(budget_zone=budget_zone)
    projects = BudgetProject.objects.filter(
        budget_zone=budget_zone, status=BudgetProjectStatus.ELIGIBLE
    ).order_by("code")
    selected: set[str] = set()
    result = ZoneResult.objects.filter(budget_zone=budget_zone).first()
    if result is not None:
        selected = set(result.selected)
    meta = {
        "description": f"{budget.title} — {budget_zone.zone.name}",
        "country": "Romania",
        "unit": budget.municipality.name,
        "subunit": budget_zone.zone.name,
        "instance": str(budget.voting_closes_at.year),
        "num_projects": str(len(projects)),
        "num_votes": str(len(ballots)),
        "budget": str(int(budget_zone.amount)),
        "currency": budget_zone.currency,
        "vote_type": "approval",
        "rule": "equalshares/add1" if rule == BudgetRule.MES else "greedy",
        "date_begin": timezone.localtime(budget.voting_opens_at).strftime("%d.%m.%Y"),
        "date_end": timezone.localtime(budget.voting_closes_at).strftime("%d.%m.%Y"),
        "min_length": str(budget.min_projects),
    }
    if budget.max_projects is not None:
        meta["max_length"] = str(budget.max_projects)
    project_rows = [
        Project(
            project_id=project.code,
            cost=int(project.cost),
            fields={
                "name": project.title,
                "category": project.category,
                "selected": "1" if project.code in selected else "0",
            },
        )
        for project in projects
    ]
    voters = [Voter(voter_id=receipt, vote=vote) for receipt, vote in ballots]
    return Election(
        meta=meta,
        projects=project_rows,
        voters=voters,
        project_columns=("name", "category", "selected"),
        voter_columns=(),
    )


# --- Published results, explained ------------------------------------------------------------


@dataclass(frozen=True)
class PaymentGroup:
    voters: int
    amount: Decimal


@dataclass(frozen=True)
class ResultProject:
    code: str
    title: str
    cost: int
    approvals: int
    project: BudgetProject | None
    round: int | None = None
    payments: tuple[PaymentGroup, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class ZoneResultView:
    result: ZoneResult
    rule: str
    budget: int
    currency: str
    voters: int
    total_cost: int
    winners: tuple[ResultProject, ...]
    losers: tuple[ResultProject, ...]
    voter_budget: Decimal | None
    increments: int

    @property
    def money_left(self) -> int:
        return self.budget - self.total_cost

    @property
    def spent_percent(self) -> float:
        return 100 * self.total_cost / self.budget if self.budget else 0.0


def money_text(value: Decimal) -> str:
    """An amount as the page's language writes it, with cents: "1,234.56" or "1.234,56"."""
    return number_format(value, decimal_pos=2, force_grouping=True)


def rejection_reason_text(*, reason: str, cost: Decimal, money_left: Decimal, unit: str) -> str:
    """Why a project lost under equal shares, in words (the engine's reason code)."""
    values = {"cost": money_text(cost), "left": money_text(money_left), "unit": unit}
    if reason == "no_supporters":
        return _("Nobody voted for it, so no voter's money could pay for it.")
    if reason == "zero_cost":
        return _(
            "It costs nothing, so under cost utilities it brings no benefit and is not counted."
        )
    if reason == "never_affordable":
        return (
            _(
                "Never affordable: all its supporters' money together (%(left)s %(unit)s) "
                "was less than its cost (%(cost)s %(unit)s) from the start."
            )
            % values
        )
    if reason == "supporters_ran_out":
        return (
            _(
                "Its supporters' money ran out: they spent it on other winners they voted "
                "for, and had %(left)s %(unit)s left against its cost of %(cost)s %(unit)s."
            )
            % values
        )
    return reason


def skipped_reason_text(*, cost: Decimal, money_left: Decimal, unit: str) -> str:
    return _(
        "Did not fit in the remaining budget: %(left)s %(unit)s were left at its turn, "
        "it costs %(cost)s %(unit)s."
    ) % {"cost": money_text(cost), "left": money_text(money_left), "unit": unit}


def zone_result_view(*, budget_zone: BudgetZone) -> ZoneResultView | None:
    """The zone's published result, with each winner's payments and each loser's reason
    (the numbers the engine stored at publication), or None before publication."""
    result = ZoneResult.objects.filter(budget_zone=budget_zone).first()
    if result is None or budget_zone.budget.results_published_at is None:
        return None
    details: dict[str, Any] = result.details
    projects = {
        project.code: project for project in BudgetProject.objects.filter(budget_zone=budget_zone)
    }
    unit = currency_label(details.get("currency", budget_zone.currency))
    titles: dict[str, str] = details.get("titles", {})
    approvals: dict[str, int] = details.get("approvals", {})
    costs: dict[str, int] = details.get("costs", {})

    def entry(code: str, **extra: Any) -> ResultProject:
        project = projects.get(code)
        return ResultProject(
            code=code,
            title=titles.get(code) or (project.title if project else code),
            cost=int(costs.get(code, project.cost if project else 0)),
            approvals=int(approvals.get(code, 0)),
            project=project,
            **extra,
        )

    winners: list[ResultProject] = []
    losers: list[ResultProject] = []
    if result.rule == BudgetRule.MES:
        for purchase in details.get("purchases", []):
            payments = tuple(
                PaymentGroup(voters=share["voters"], amount=money(share["amount"]))
                for share in purchase["payments"]
            )
            winners.append(entry(purchase["project"], round=purchase["round"], payments=payments))
        for rejection in details.get("rejections", []):
            reason = rejection_reason_text(
                reason=rejection["reason"],
                cost=money(rejection["cost"]),
                money_left=money(
                    rejection["money_at_start"]
                    if rejection["reason"] == "never_affordable"
                    else rejection["money_left"]
                ),
                unit=unit,
            )
            losers.append(entry(rejection["project"], reason=reason))
    else:
        for step in details.get("steps", []):
            if step["selected"]:
                winners.append(entry(step["project"], round=step["rank"]))
            else:
                reason = skipped_reason_text(
                    cost=money(step["cost"]), money_left=money(step["money_left_before"]), unit=unit
                )
                losers.append(entry(step["project"], round=step["rank"], reason=reason))
    voter_budget = details.get("voter_budget")
    return ZoneResultView(
        result=result,
        rule=result.rule,
        budget=int(details.get("budget", budget_zone.amount)),
        currency=unit,
        voters=result.voters,
        total_cost=int(details.get("total_cost", 0)),
        winners=tuple(winners),
        losers=tuple(losers),
        voter_budget=money(voter_budget) if voter_budget is not None else None,
        increments=int(details.get("increments", 0)),
    )
