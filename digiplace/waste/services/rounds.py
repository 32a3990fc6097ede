"""The drivers' side of a published plan: a stop emptied, or why it could not be.

Marking a stop emptied records the collection through ``containers.collection_record``
(the entity's ``dateLastEmptying`` moves, its fill goes to 0, the public map follows) and
links it to the stop; marking it again changes nothing and records nothing. When every stop
of a plan is emptied or has a problem, the plan is done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core.audit import audited_change

from ..models import CollectionPlan, CollectionSource, PlanStatus, PlanStop, StopProblem
from .containers import collection_record

if TYPE_CHECKING:
    from digiplace.core.models import User

NOTE_LENGTH = 500
OPEN_STATUSES = (PlanStatus.PUBLISHED, PlanStatus.DONE)


def _check_open(stop: PlanStop) -> None:
    if stop.route.plan.status not in OPEN_STATUSES:
        raise ValidationError(_("This plan is not published to the drivers."))


def _plan_done_check(plan: CollectionPlan) -> None:
    remaining = PlanStop.objects.filter(
        route__plan=plan, emptied_at__isnull=True, problem=""
    ).exists()
    if not remaining and plan.status == PlanStatus.PUBLISHED:
        CollectionPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.DONE)


def stop_empty(*, stop: PlanStop, actor: User | None) -> PlanStop:
    """Record the stop's container emptied now (once: a second time returns the stop as it
    is); a problem reported on it before is cleared, since the bin was emptied after all."""
    _check_open(stop)
    plan = stop.route.plan
    with transaction.atomic():
        with audited_change(
            stop,
            actor=actor,
            municipality=plan.municipality,
            queryset=PlanStop.objects.select_related(
                "container__entity", "container__municipality"
            ),
            audit_if_unchanged=False,
        ) as change:
            locked = change.instance
            if locked.emptied_at is None:
                moment = timezone.now().replace(microsecond=0)
                collection_record(
                    container=locked.container,
                    collected_at=moment,
                    source=CollectionSource.DRIVER,
                    stop=locked,
                )
                locked.emptied_at = moment
                locked.done_by = actor
                locked.problem = ""
                locked.problem_note = ""
                locked.save(update_fields=["emptied_at", "done_by", "problem", "problem_note"])
        _plan_done_check(plan)
    return change.instance


def stop_problem_report(
    *, stop: PlanStop, actor: User | None, problem: str, note: str = ""
) -> PlanStop:
    """Why the stop could not be emptied (damaged, blocked access…), with a note; the planner
    sees it on the plan page."""
    _check_open(stop)
    errors: dict[str, list[str]] = {}
    if problem not in StopProblem.values:
        errors["problem"] = [_("Choose one of the listed problems.")]
    note = note.strip()
    if len(note) > NOTE_LENGTH:
        errors["note"] = [
            _("Keep the note to %(count)d characters or fewer.") % {"count": NOTE_LENGTH}
        ]
    if errors:
        raise ValidationError(errors)
    plan = stop.route.plan
    with transaction.atomic():
        with audited_change(stop, actor=actor, municipality=plan.municipality) as change:
            locked = change.instance
            if locked.emptied_at is not None:
                raise ValidationError(_("This container is already marked emptied."))
            locked.problem = problem
            locked.problem_note = note
            locked.done_by = actor
            locked.save(update_fields=["problem", "problem_note", "done_by"])
        _plan_done_check(plan)
    return change.instance
