"""Staff writes of the proposals component, each audited: the city's answer (evaluating,
accepted, rejected with a reason; the author is notified), hiding and showing proposals
and comments, the moderators' decisions on flags (proposals, comments, forum
questions), and turning an accepted proposal into a plan project (through the core link
registry) or into a budgeting project of a budget open for submission.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from digiplace.core import links
from digiplace.core.audit import audit_record, audited_change
from digiplace.core.models import AuditAction, Municipality, User
from digiplace.core.notifications import municipality_url, notification_send
from digiplace.core.ratelimit import serialise_on

from ..models import (
    BudgetProject,
    BudgetProjectStatus,
    BudgetZone,
    ContentFlag,
    FlagTarget,
    ForumQuestion,
    ForumQuestionStatus,
    Proposal,
    ProposalComment,
    ProposalStatus,
)

ANSWER_STATUSES = (ProposalStatus.EVALUATING, ProposalStatus.ACCEPTED, ProposalStatus.REJECTED)
MAX_ANSWER_LENGTH = 5000
PLAN_PROJECT_KIND = "plans.project"
PLAN_PILLAR_KIND = "plans.pillar"


def _error(
    message: str, *, field: str = NON_FIELD_ERRORS, code: str = "invalid"
) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def proposal_path(proposal: Proposal) -> str:
    return reverse("participation:proposal_detail", kwargs={"pk": proposal.pk})


def _is_converted(proposal: Proposal) -> bool:
    return bool(proposal.plan_project_ref) or proposal.budget_project_id is not None


# The city's answer


def _author_notify(proposal: Proposal) -> None:
    """Tell the author of the city's answer, in the author's language."""
    author = proposal.author
    if author is None or not author.is_active:
        return
    language = author.preferred_language or proposal.municipality.default_language
    with translation.override(language):
        status = ProposalStatus(proposal.status).label
        subject = _("Your proposal “%(title)s”: %(status)s") % {
            "title": proposal.title,
            "status": status,
        }
        body = _("The city answered your proposal “%(title)s”: it is now “%(status)s”.") % {
            "title": proposal.title,
            "status": status,
        }
        if proposal.answer:
            body += "\n\n" + _("The city's answer:") + "\n" + proposal.answer
    notification_send(
        recipient=author,
        kind="participation.proposal_answered",
        subject=subject,
        body=body,
        url=proposal_path(proposal),
        municipality=proposal.municipality,
        language=language,
    )


def proposal_answer(*, proposal: Proposal, actor: User, status: str, answer: str) -> Proposal:
    """Staff set the proposal's status with the city's answer (a reason is required to
    reject); the author is notified. A proposal that became a project stays accepted."""
    text = (answer or "").strip()
    if status not in ANSWER_STATUSES:
        raise _error(_("Choose evaluating, accepted or rejected."), field="status")
    if status == ProposalStatus.REJECTED and not text:
        raise _error(
            _("Give the reason for rejecting the proposal: its author and the public read it."),
            field="answer",
            code="required",
        )
    if len(text) > MAX_ANSWER_LENGTH:
        raise _error(
            _("Use at most %(limit)d characters.") % {"limit": MAX_ANSWER_LENGTH}, field="answer"
        )
    if _is_converted(proposal) and status != ProposalStatus.ACCEPTED:
        raise _error(
            _("This proposal became a project: it stays accepted."),
            field="status",
            code="converted",
        )
    if status == proposal.status and text == proposal.answer:
        raise _error(_("There is nothing to change."), code="unchanged")
    with audited_change(proposal, actor=actor) as change:
        locked = change.instance
        locked.status = status
        locked.answer = text
        locked.answered_by = actor
        locked.answered_at = timezone.now()
        locked.save(update_fields=["status", "answer", "answered_by", "answered_at", "updated_at"])
        _author_notify(locked)
    return change.instance


# Moderation


def proposal_visibility_set(*, proposal: Proposal, actor: User, hide: bool) -> Proposal:
    """Hide the proposal from the public (its open flags are settled) or show it again."""
    if proposal.is_hidden == hide:
        raise _error(
            _("The proposal is hidden already.") if hide else _("The proposal is public already."),
            code="unchanged",
        )
    with audited_change(proposal, actor=actor) as change:
        change.instance.is_hidden = hide
        change.instance.save(update_fields=["is_hidden", "updated_at"])
        if hide:
            _flags_settle(FlagTarget.PROPOSAL, proposal.pk)
    return change.instance


def comment_visibility_set(*, comment: ProposalComment, actor: User, hide: bool) -> ProposalComment:
    """Hide the comment (and so the replies under it) or show it again."""
    if comment.is_hidden == hide:
        raise _error(
            _("The comment is hidden already.") if hide else _("The comment is public already."),
            code="unchanged",
        )
    with audited_change(comment, actor=actor) as change:
        change.instance.is_hidden = hide
        change.instance.save(update_fields=["is_hidden"])
        if hide:
            _flags_settle(FlagTarget.COMMENT, comment.pk)
    return change.instance


def _flags_settle(target: str, target_id: int) -> None:
    ContentFlag.objects.filter(target=target, target_id=target_id, is_resolved=False).update(
        is_resolved=True
    )


def content_flag_decide(*, flag: ContentFlag, actor: User, hide: bool) -> ContentFlag:
    """The moderator keeps the flagged item (the flag is resolved) or hides it (every
    open flag of the item is resolved): a proposal or comment is hidden, a forum
    question gets the status "hidden"."""
    if flag.is_resolved:
        raise _error(_("This flag was dealt with already."), code="resolved")
    municipality = flag.municipality
    with transaction.atomic():
        if hide:
            if flag.target == FlagTarget.PROPOSAL:
                proposal = Proposal.objects.filter(
                    municipality=municipality, pk=flag.target_id
                ).first()
                if proposal is not None and not proposal.is_hidden:
                    proposal_visibility_set(proposal=proposal, actor=actor, hide=True)
            elif flag.target == FlagTarget.COMMENT:
                comment = ProposalComment.objects.filter(
                    municipality=municipality, pk=flag.target_id
                ).first()
                if comment is not None and not comment.is_hidden:
                    comment_visibility_set(comment=comment, actor=actor, hide=True)
            elif flag.target == FlagTarget.QUESTION:
                question = ForumQuestion.objects.filter(
                    municipality=municipality, pk=flag.target_id
                ).first()
                if question is not None and question.status != ForumQuestionStatus.HIDDEN:
                    with audited_change(question, actor=actor) as question_change:
                        question_change.instance.status = ForumQuestionStatus.HIDDEN
                        question_change.instance.save(update_fields=["status", "updated_at"])
            _flags_settle(flag.target, flag.target_id)
        with audited_change(flag, actor=actor) as change:
            change.instance.is_resolved = True
            change.instance.save(update_fields=["is_resolved"])
    return change.instance


# Conversions


def plan_pillar_choices(*, municipality: Municipality) -> list[links.LinkTarget]:
    """The plan pillars a new plan project may go under (none without the plans module)."""
    return links.target_choices(municipality=municipality, kind=PLAN_PILLAR_KIND)


def _convertible(proposal: Proposal) -> None:
    if proposal.status != ProposalStatus.ACCEPTED:
        raise _error(_("Only an accepted proposal can become a project."), code="not_accepted")
    if _is_converted(proposal):
        raise _error(_("This proposal became a project already."), code="converted")


def proposal_convert_to_plan_project(
    *, proposal: Proposal, actor: User, pillar_ref: str
) -> links.LinkTarget:
    """Make a new project of the city's plan, under the chosen pillar, from the accepted
    proposal (through the plans module's link kind), and keep the link."""
    _convertible(proposal)
    if links.kind_get(PLAN_PROJECT_KIND) is None:
        raise _error(_("Plan projects cannot be created here."), code="unavailable")
    municipality = proposal.municipality
    pillars = {target.ref for target in plan_pillar_choices(municipality=municipality)}
    if pillar_ref not in pillars:
        raise _error(
            _("Choose a pillar of the city's plan."), field="pillar", code="invalid_choice"
        )
    with audited_change(proposal, actor=actor) as change:
        locked = change.instance
        _convertible(locked)
        target = links.target_create(
            kind=PLAN_PROJECT_KIND,
            municipality=municipality,
            title=locked.title,
            description=locked.body,
            actor=actor,
            source_url=municipality_url(municipality, proposal_path(locked)),
            parent=pillar_ref,
        )
        locked.plan_project_ref = target.ref
        locked.save(update_fields=["plan_project_ref", "updated_at"])
    return target


_CODE_NUMBER = re.compile(r"^P(\d+)$")


def _next_code(budget_zone: BudgetZone) -> str:
    """The next free public number of the budget ("P13" after "P12")."""
    codes = BudgetProject.objects.filter(budget_zone__budget=budget_zone.budget_id).values_list(
        "code", flat=True
    )
    numbers = [int(match[1]) for code in codes if (match := _CODE_NUMBER.match(code))]
    return f"P{max(numbers, default=0) + 1}"


def proposal_convert_to_budget_project(
    *, proposal: Proposal, actor: User, budget_zone: BudgetZone, cost: Decimal
) -> BudgetProject:
    """Submit the accepted proposal as a project of a budget zone open for submission
    (status "submitted", to be reviewed as any other), and keep the link."""
    _convertible(proposal)
    municipality = proposal.municipality
    if budget_zone.municipality_id != municipality.pk:
        raise _error(_("Choose a zone of this city's budgets."), field="budget_zone")
    if not budget_zone.budget.submission_open():
        raise _error(
            _("This budget does not take projects now."), field="budget_zone", code="closed"
        )
    if cost is None or cost < 1 or cost != cost.to_integral_value():
        raise _error(_("Give the cost as a whole amount, at least 1."), field="cost")
    if cost > budget_zone.amount:
        raise _error(
            _("The cost is more than the zone's whole budget (%(amount)s %(currency)s).")
            % {"amount": budget_zone.amount, "currency": budget_zone.currency},
            field="cost",
        )
    with audited_change(proposal, actor=actor) as change:
        locked = change.instance
        _convertible(locked)
        serialise_on(f"participation:budget-codes:{budget_zone.budget_id}")
        project = BudgetProject.objects.create(
            municipality=municipality,
            budget_zone=budget_zone,
            code=_next_code(budget_zone),
            title=locked.title,
            description=locked.body,
            cost=cost,
            category=str(locked.category.name) if locked.category else "",
            latitude=locked.latitude,
            longitude=locked.longitude,
            author=locked.author,
            status=BudgetProjectStatus.SUBMITTED,
        )
        audit_record(
            actor=actor, municipality=municipality, action=AuditAction.CREATE, instance=project
        )
        locked.budget_project = project
        locked.save(update_fields=["budget_project", "updated_at"])
    return project
