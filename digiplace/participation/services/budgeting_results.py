"""Counting a budget: each zone's result by the budget's rule (the engine over the zone's
ballots and eligible projects), published once and then fixed; ballots imported from a
Pabulib file (audits, tests)."""

from __future__ import annotations

import hashlib
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change
from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.models import AuditAction, User
from digiplace.participation.budgeting.pabulib import (
    Election,
    PabulibError,
    election_parse,
)
from digiplace.participation.budgeting.rules import (
    ApprovalElection,
    equal_shares_select,
    greedy_select,
)
from digiplace.participation.models import (
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    BudgetProjectStatus,
    BudgetRule,
    BudgetZone,
    VotingMethod,
    ZoneResult,
)
from digiplace.participation.selectors.budgeting import zone_election

MODULE = "participation"
RECEIPT_LENGTH = 32


def _fraction_text(value: Fraction | int) -> str:
    value = Fraction(value)
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def zone_outcome_compute(*, budget_zone: BudgetZone, rule: str) -> dict[str, Any]:
    """The zone's outcome by ``rule`` as stored in ``ZoneResult``: ``selected`` (codes in
    the order chosen), ``voters`` and ``details`` (costs, approvals, titles and, for equal
    shares, each purchase's payments grouped by amount and each loser's reason; for greedy,
    each project's turn). Amounts are exact fractions written as text ("n/d")."""
    election = zone_election(budget_zone=budget_zone)
    return outcome_details(
        election=election,
        rule=rule,
        currency=budget_zone.currency,
        titles=dict(
            BudgetProject.objects.filter(
                budget_zone=budget_zone, status=BudgetProjectStatus.ELIGIBLE
            ).values_list("code", "title")
        ),
    )


def outcome_details(
    *, election: ApprovalElection, rule: str, currency: str, titles: dict[str, str]
) -> dict[str, Any]:
    approvals: Counter[str] = Counter()
    for ballot in election.ballots:
        approvals.update(set(ballot))
    details: dict[str, Any] = {
        "budget": _fraction_text(election.budget),
        "currency": currency,
        "costs": {code: _fraction_text(cost) for code, cost in election.costs.items()},
        "approvals": {code: approvals.get(code, 0) for code in election.costs},
        "titles": titles,
    }
    selected: tuple[str, ...]
    if rule == BudgetRule.MES:
        outcome = equal_shares_select(election, completion="add1")
        selected = outcome.selected
        details.update(
            completion="add1",
            total_cost=_fraction_text(outcome.total_cost),
            voter_budget=_fraction_text(outcome.voter_budget),
            increments=outcome.increments,
            purchases=[
                {
                    "project": purchase.project_id,
                    "round": purchase.round,
                    "cost": _fraction_text(purchase.cost),
                    "supporters": purchase.supporters,
                    "rho": _fraction_text(purchase.rho),
                    "payments": [
                        {"voters": share.voters, "amount": _fraction_text(share.amount)}
                        for share in purchase.payments
                    ],
                }
                for purchase in outcome.purchases
            ],
            rejections=[
                {
                    "project": rejection.project_id,
                    "cost": _fraction_text(rejection.cost),
                    "supporters": rejection.supporters,
                    "reason": str(rejection.reason),
                    "money_at_start": _fraction_text(rejection.money_at_start),
                    "money_left": _fraction_text(rejection.money_left),
                }
                for rejection in outcome.rejections
            ],
        )
    else:
        greedy = greedy_select(election)
        selected = greedy.selected
        details.update(
            total_cost=_fraction_text(greedy.total_cost),
            steps=[
                {
                    "rank": step.rank,
                    "project": step.project_id,
                    "approvals": step.approvals,
                    "cost": _fraction_text(step.cost),
                    "money_left_before": _fraction_text(step.money_left_before),
                    "selected": step.is_selected,
                }
                for step in greedy.steps
            ],
        )
    return {"selected": list(selected), "voters": len(election.ballots), "details": details}


def budget_results_publish(*, actor: User | None, budget: Budget) -> list[ZoneResult]:
    """Count every zone by the budget's rule and publish the results: stored once, never
    recomputed (a second call is refused). Voting must be closed. ``actor`` None: the
    system (the demo)."""
    with audited_change(budget, actor=actor) as change:
        locked = change.instance
        if locked.results_published_at is not None:
            raise ValidationError(
                _("The results were published on %(date)s; they are fixed and not counted again.")
                % {"date": timezone.localtime(locked.results_published_at).strftime("%d.%m.%Y")},
                code="published",
            )
        if not locked.voting_closed():
            raise ValidationError(
                _("Voting is still open: close it before counting the results."),
                code="voting_open",
            )
        zones = list(BudgetZone.objects.filter(budget=locked).select_related("zone"))
        if not zones:
            raise ValidationError(_("The budget has no zones to count."), code="no_zones")
        results = []
        now = timezone.now()
        for budget_zone in zones:
            computed = zone_outcome_compute(budget_zone=budget_zone, rule=locked.rule)
            ZoneResult.objects.filter(budget_zone=budget_zone).delete()
            result = ZoneResult.objects.create(
                municipality=locked.municipality,
                budget_zone=budget_zone,
                rule=locked.rule,
                voters=computed["voters"],
                selected=computed["selected"],
                details=computed["details"],
                computed_at=now,
            )
            audit_record(
                actor=actor,
                municipality=locked.municipality,
                action=AuditAction.CREATE,
                instance=result,
                after={"rule": result.rule, "voters": result.voters, "selected": result.selected},
            )
            results.append(result)
        locked.results_published_at = now
        locked.save(update_fields=["results_published_at"])
    budget.results_published_at = locked.results_published_at
    return results


# --- Import from a Pabulib file ---------------------------------------------------------------


def _import_voter_key(*, budget: Budget, voter_id: str) -> str:
    # Imported ballots have no census digest or code: a key of their own, one per voter id.
    return hashlib.sha256(f"import:{budget.pk}:{voter_id}".encode()).hexdigest()


def import_receipt(voter_id: str) -> str:
    """The receipt of an imported ballot: the file's voter id, or for an id longer than a
    receipt (32 characters) "h" and the start of its SHA-256, so it stays one per voter."""
    if len(voter_id) <= RECEIPT_LENGTH:
        return voter_id
    return "h" + hashlib.sha256(voter_id.encode()).hexdigest()[: RECEIPT_LENGTH - 1]


def _election_check(*, election: Election, budget_zone: BudgetZone) -> dict[str, BudgetProject]:
    errors: list[str] = []
    if election.vote_type != "approval":
        errors.append(
            _("The file holds %(type)s votes; only approval votes can be imported.")
            % {"type": election.vote_type}
        )
    if election.budget != int(budget_zone.amount):
        errors.append(
            _(
                "The file's budget is %(file)s, but the zone's budget is %(zone)s: "
                "this file is for another election."
            )
            % {"file": election.budget, "zone": int(budget_zone.amount)}
        )
    projects = {
        project.code: project
        for project in BudgetProject.objects.filter(budget_zone=budget_zone).exclude(
            status=BudgetProjectStatus.WITHDRAWN
        )
    }
    unknown = sorted(
        {project.project_id for project in election.projects}.difference(projects)
        | {code for voter in election.voters for code in voter.vote}.difference(projects)
    )
    if unknown:
        errors.append(
            _("These project numbers are not projects of the zone: %(codes)s.")
            % {"codes": ", ".join(unknown[:20])}
        )
    ineligible = sorted(
        {code for voter in election.voters for code in voter.vote}
        & {code for code, project in projects.items() if project.status != "eligible"}
    )
    if ineligible:
        errors.append(
            _("Votes name projects that are not eligible: %(codes)s.")
            % {"codes": ", ".join(ineligible[:20])}
        )
    for project in election.projects:
        known = projects.get(project.project_id)
        if known is not None and Decimal(str(project.cost)) != known.cost:
            errors.append(
                _("Project %(code)s costs %(file)s in the file but %(zone)s in the zone.")
                % {"code": project.project_id, "file": project.cost, "zone": int(known.cost)}
            )
    receipts = [import_receipt(voter.voter_id) for voter in election.voters]
    taken: list[str] = []
    for start in range(0, len(receipts), 500):
        taken += Ballot.objects.filter(receipt__in=receipts[start : start + 500]).values_list(
            "receipt", flat=True
        )
    taken = taken[:5]
    if taken:
        errors.append(
            _("These voter ids are already ballots here: %(ids)s.") % {"ids": ", ".join(taken)}
        )
    if errors:
        raise ValidationError(errors, code="pabulib_refused")
    return projects


def budget_zone_ballots_import(*, actor: User, budget_zone: BudgetZone, text: str) -> list[Ballot]:
    """Create the zone's ballots from a ``.pb`` file (``imported=True``): all or nothing.

    Project ids are the zone's project numbers; each voter id becomes the ballot's receipt
    (``import_receipt``: ids longer than a receipt are shortened to a digest).
    Refused with every reason at once: a file that cannot be read, other than approval
    votes, another budget, unknown or ineligible projects, costs that differ, voter ids
    already used; refused too once the results are published."""
    budget = budget_zone.budget
    if budget.results_published_at is not None:
        raise ValidationError(
            _("The results are published: no more ballots can be added."), code="published"
        )
    try:
        election = election_parse(text)
    except PabulibError as error:
        raise ValidationError(
            _("The file is not a readable Pabulib file: %(error)s") % {"error": error},
            code="pabulib_unreadable",
        ) from error
    projects = _election_check(election=election, budget_zone=budget_zone)
    now = timezone.now()
    with transaction.atomic():
        ballots = Ballot.objects.bulk_create(
            [
                Ballot(
                    municipality=budget.municipality,
                    budget=budget,
                    budget_zone=budget_zone,
                    voter_key=_import_voter_key(budget=budget, voter_id=voter.voter_id),
                    method=VotingMethod.CODE,
                    receipt=import_receipt(voter.voter_id),
                    cast_at=now,
                    updated_at=now,
                    imported=True,
                )
                for voter in election.voters
            ],
            batch_size=2_000,
        )
        BallotChoice.objects.bulk_create(
            [
                BallotChoice(
                    municipality=budget.municipality,
                    ballot_id=ballot.pk,
                    project=projects[code],
                )
                for ballot, voter in zip(ballots, election.voters, strict=True)
                for code in dict.fromkeys(voter.vote)
            ],
            batch_size=5_000,
        )
        audit_record(
            actor=actor,
            municipality=budget.municipality,
            action=AuditAction.CREATE,
            instance=budget_zone,
            after={"imported_ballots": len(ballots)},
        )
        cache_version_bump(budget.municipality_id, MODULE)
    return ballots
