"""Reads of the processes component: the public list of processes, one process with its
phases and what a person can do in it now, what is open across the city, zones, and the
staff lists."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from digiplace.core.models import Municipality

from ..models import Budget, Meeting, Phase, Process, ProcessScope, Survey, Zone

ProcessState = Literal["upcoming", "open", "finished"]
PROCESS_STATES: tuple[ProcessState, ...] = ("open", "upcoming", "finished")
UPCOMING_MEETINGS_SHOWN = 5


def _today() -> datetime.date:
    return timezone.localdate()


# --- The public list ----------------------------------------------------------------------


def process_queryset_public(*, municipality: Municipality) -> QuerySet[Process]:
    return Process.objects.filter(municipality=municipality, is_published=True)


def process_list_public(
    *,
    municipality: Municipality,
    state: ProcessState | Literal[""] = "",
    scope: str = "",
    today: datetime.date | None = None,
) -> QuerySet[Process]:
    """Published processes, newest first, with ``first_day`` and ``last_day`` of their
    phases. ``state``: "upcoming" (the first phase is still to come), "finished" (the last
    phase is over), "open" (the rest, and processes without phases). ``scope``: "city" or
    a zone's slug."""
    today = today or _today()
    processes = (
        process_queryset_public(municipality=municipality)
        .select_related("zone")
        .annotate(first_day=Min("phases__starts_on"), last_day=Max("phases__ends_on"))
        .order_by("-created_at", "-pk")
    )
    if state == "upcoming":
        processes = processes.filter(first_day__gt=today)
    elif state == "finished":
        processes = processes.filter(last_day__lt=today)
    elif state == "open":
        processes = processes.filter(
            Q(first_day__isnull=True) | Q(first_day__lte=today, last_day__gte=today)
        )
    if scope == ProcessScope.CITY:
        processes = processes.filter(scope=ProcessScope.CITY)
    elif scope:
        processes = processes.filter(scope=ProcessScope.ZONE, zone__slug=scope)
    return processes


def process_state(
    *, first_day: datetime.date | None, last_day: datetime.date | None, today: datetime.date
) -> ProcessState:
    if first_day is None or last_day is None:
        return "open"
    if today < first_day:
        return "upcoming"
    if today > last_day:
        return "finished"
    return "open"


def process_zones(*, municipality: Municipality) -> list[Zone]:
    """The zones that published processes are about (the scope filter's choices)."""
    return list(
        Zone.objects.filter(
            municipality=municipality,
            processes__is_published=True,
            processes__scope=ProcessScope.ZONE,
        ).distinct()
    )


def process_get_public(*, municipality: Municipality, slug: str) -> Process | None:
    return (
        process_queryset_public(municipality=municipality)
        .select_related("zone")
        .prefetch_related(Prefetch("phases", queryset=Phase.objects.order_by("position", "pk")))
        .filter(slug=slug)
        .first()
    )


# --- Phases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseRow:
    phase: Phase
    state: ProcessState  # "upcoming", "open" (the current phase), "finished"

    @property
    def is_current(self) -> bool:
        return self.state == "open"


def phase_rows(*, process: Process, today: datetime.date | None = None) -> list[PhaseRow]:
    """The phases in order, each marked past, current or to come."""
    today = today or _today()
    phases = sorted(process.phases.all(), key=lambda phase: (phase.position, phase.starts_on))
    return [
        PhaseRow(
            phase=phase,
            state=process_state(first_day=phase.starts_on, last_day=phase.ends_on, today=today),
        )
        for phase in phases
    ]


# --- What a person can do now -------------------------------------------------------------


@dataclass
class Openings:
    """What is open (or coming) in a process, or across the city."""

    surveys_open: list[Survey] = field(default_factory=list)
    surveys_upcoming: list[Survey] = field(default_factory=list)
    proposal_processes: list[Process] = field(default_factory=list)
    budgets_submission: list[Budget] = field(default_factory=list)
    budgets_voting: list[Budget] = field(default_factory=list)
    budgets_results: list[Budget] = field(default_factory=list)
    meetings_upcoming: list[Meeting] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(
            self.surveys_open
            or self.proposal_processes
            or self.budgets_submission
            or self.budgets_voting
            or self.meetings_upcoming
        )


def _openings(
    *,
    municipality: Municipality,
    process: Process | None,
    now: datetime.datetime,
    meetings_shown: int | None,
) -> Openings:
    in_scope = Q(process=process) if process is not None else Q(process__is_published=True)
    surveys = (
        Survey.objects.filter(in_scope, municipality=municipality, is_published=True)
        .filter(closes_at__gt=now)
        .select_related("process")
        .order_by("closes_at", "pk")
    )
    openings = Openings()
    for survey in surveys:
        if survey.opens_at <= now:
            openings.surveys_open.append(survey)
        else:
            openings.surveys_upcoming.append(survey)
    if process is not None:
        openings.proposal_processes = [process] if process.proposals_open(now) else []
    else:
        candidates = process_queryset_public(municipality=municipality).filter(
            proposals_enabled=True
        )
        openings.proposal_processes = [item for item in candidates if item.proposals_open(now)]
    budgets = Budget.objects.filter(in_scope, municipality=municipality).select_related("process")
    for budget in budgets.order_by("voting_closes_at", "pk"):
        if budget.submission_open(now):
            openings.budgets_submission.append(budget)
        if budget.voting_open(now):
            openings.budgets_voting.append(budget)
        if budget.results_published_at is not None:
            openings.budgets_results.append(budget)
    meetings = (
        Meeting.objects.filter(municipality=municipality, is_published=True, is_cancelled=False)
        .filter(ends_at__gte=now)
        .filter(Q(process=process) if process is not None else Q(process__isnull=True) | in_scope)
        .order_by("starts_at", "pk")
    )
    openings.meetings_upcoming = list(
        meetings[:meetings_shown] if meetings_shown is not None else meetings
    )
    return openings


def process_openings(*, process: Process, now: datetime.datetime | None = None) -> Openings:
    """What a person can do in the process now (and what is about to open)."""
    return _openings(
        municipality=process.municipality,
        process=process,
        now=now or timezone.now(),
        meetings_shown=None,
    )


def city_openings(*, municipality: Municipality, now: datetime.datetime | None = None) -> Openings:
    """What a person can do now across the city's published processes."""
    return _openings(
        municipality=municipality,
        process=None,
        now=now or timezone.now(),
        meetings_shown=UPCOMING_MEETINGS_SHOWN,
    )


# --- Staff --------------------------------------------------------------------------------


def process_list_staff(*, municipality: Municipality) -> QuerySet[Process]:
    return (
        Process.objects.filter(municipality=municipality)
        .select_related("zone")
        .annotate(first_day=Min("phases__starts_on"), last_day=Max("phases__ends_on"))
        .order_by("-created_at", "-pk")
    )


def process_get_staff(*, municipality: Municipality, pk: int) -> Process | None:
    return Process.objects.filter(municipality=municipality, pk=pk).first()


def zone_list_staff(*, municipality: Municipality) -> QuerySet[Zone]:
    return Zone.objects.filter(municipality=municipality).order_by("position", "slug")


def zone_get_staff(*, municipality: Municipality, pk: int) -> Zone | None:
    return Zone.objects.filter(municipality=municipality, pk=pk).first()
