"""Reads of verified voting: budgets open to the public, ballots and receipts, and the
staff's counts of census entries and voting codes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Q, QuerySet

from digiplace.core.models import Municipality
from digiplace.participation.models import (
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    BudgetProjectStatus,
    BudgetZone,
    CensusEntry,
    VotingCode,
)


def budget_public_queryset(*, municipality: Municipality) -> QuerySet[Budget]:
    """The city's budgets whose process is published (the only ones anyone may vote in)."""
    return (
        Budget.objects.for_municipality(municipality)
        .filter(process__is_published=True)
        .select_related("process", "municipality")
    )


def budget_staff_queryset(*, municipality: Municipality) -> QuerySet[Budget]:
    return Budget.objects.for_municipality(municipality).select_related("process", "municipality")


@dataclass(frozen=True)
class VotingZone:
    budget_zone: BudgetZone
    project_count: int


def voting_zone_list(*, budget: Budget) -> list[VotingZone]:
    """The budget's zones with how many eligible projects each ballot lists."""
    zones = (
        BudgetZone.objects.filter(budget=budget)
        .select_related("zone")
        .annotate(
            eligible=Count("projects", filter=Q(projects__status=BudgetProjectStatus.ELIGIBLE))
        )
    )
    return [VotingZone(budget_zone=zone, project_count=zone.eligible) for zone in zones]


def ballot_project_list(*, budget_zone: BudgetZone) -> list[BudgetProject]:
    """The projects on a zone's ballot: its eligible ones, by number."""
    return list(
        BudgetProject.objects.filter(
            budget_zone=budget_zone, status=BudgetProjectStatus.ELIGIBLE
        ).order_by("code", "pk")
    )


@dataclass(frozen=True)
class VoterBallot:
    ballot: Ballot
    project_ids: frozenset[int]


def voter_ballot(*, budget: Budget, voter_key: str) -> VoterBallot | None:
    ballot = (
        Ballot.objects.filter(budget=budget, voter_key=voter_key)
        .select_related("budget_zone__zone")
        .first()
    )
    if ballot is None:
        return None
    chosen = BallotChoice.objects.filter(ballot=ballot).values_list("project_id", flat=True)
    return VoterBallot(ballot=ballot, project_ids=frozenset(chosen))


@dataclass(frozen=True)
class ReceiptStatus:
    """What a receipt tells anyone: the zone, when the ballot last changed, how many
    projects it approves; never who cast it nor which projects."""

    zone_name: str
    updated_at: datetime.datetime
    project_count: int


def receipt_status(*, budget: Budget, receipt: str) -> ReceiptStatus | None:
    ballot = (
        Ballot.objects.filter(budget=budget, receipt=receipt)
        .select_related("budget_zone__zone")
        .annotate(project_count=Count("choices"))
        .first()
    )
    if ballot is None:
        return None
    return ReceiptStatus(
        zone_name=ballot.budget_zone.zone.name,
        updated_at=ballot.updated_at,
        project_count=ballot.project_count,
    )


# --- Staff counts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CensusZoneCount:
    zone_name: str | None
    entries: int


@dataclass(frozen=True)
class CensusSummary:
    total: int
    by_zone: list[CensusZoneCount]


def census_summary(*, budget: Budget) -> CensusSummary:
    rows = (
        CensusEntry.objects.filter(budget=budget)
        .values("budget_zone__zone__name")
        .annotate(entries=Count("pk"))
        .order_by("budget_zone__zone__position", "budget_zone__zone__name")
    )
    by_zone = [CensusZoneCount(row["budget_zone__zone__name"], row["entries"]) for row in rows]
    return CensusSummary(total=sum(row.entries for row in by_zone), by_zone=by_zone)


@dataclass(frozen=True)
class CodeBatchCount:
    batch: int
    zone_name: str | None
    issued: int
    used: int
    created_at: datetime.datetime


@dataclass(frozen=True)
class CodeSummary:
    issued: int
    used: int
    batches: list[CodeBatchCount]


def code_summary(*, budget: Budget) -> CodeSummary:
    rows = (
        VotingCode.objects.filter(budget=budget)
        .values("batch", "budget_zone__zone__name")
        .annotate(
            issued=Count("pk"),
            used=Count("pk", filter=Q(used_at__isnull=False)),
            created=Min("created_at"),
        )
        .order_by("batch", "budget_zone__zone__name")
    )
    batches = [
        CodeBatchCount(
            batch=row["batch"],
            zone_name=row["budget_zone__zone__name"],
            issued=row["issued"],
            used=row["used"],
            created_at=row["created"],
        )
        for row in rows
    ]
    return CodeSummary(
        issued=sum(row.issued for row in batches),
        used=sum(row.used for row in batches),
        batches=batches,
    )


@dataclass(frozen=True)
class BallotCount:
    zone_name: str
    ballots: int
    amount: Decimal
    currency: str


def ballot_count_by_zone(*, budget: Budget) -> list[BallotCount]:
    zones = (
        BudgetZone.objects.filter(budget=budget)
        .select_related("zone")
        .annotate(ballot_total=Count("ballots"))
    )
    return [
        BallotCount(
            zone_name=zone.zone.name,
            ballots=zone.ballot_total,
            amount=zone.amount,
            currency=zone.currency,
        )
        for zone in zones
    ]
