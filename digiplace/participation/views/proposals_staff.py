"""Staff pages of the proposals component: the queue, one proposal with the answer,
moderation and conversion forms, and the moderators' queue of flags (proposals, comments,
forum questions). Every record is read in the request's municipality (another city's id
is 404 whatever the method); every write goes through ``services.proposals_staff``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from digiplace.core import links
from digiplace.core.permissions import staff_required
from digiplace.core.views.helpers import (
    error_messages_add,
    form_errors_add,
    request_actor,
    request_municipality,
)

from ..forms.proposals import (
    AnswerForm,
    BudgetProjectForm,
    FlagDecisionForm,
    PlanProjectForm,
    StaffProposalFilterForm,
    VisibilityForm,
)
from ..models import (
    ContentFlag,
    FlagTarget,
    ForumQuestion,
    Proposal,
    ProposalComment,
    ProposalStatus,
)
from ..selectors import proposals as selectors
from ..services import proposals_staff as services

MODULE = "participation"
PROPOSALS_PER_PAGE = 30

ProposalAction = Callable[[HttpRequest, Proposal], HttpResponse]


def _proposal(request: HttpRequest, proposal_id: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.select_related("process", "category", "author", "budget_project"),
        pk=proposal_id,
        municipality=request_municipality(request),
    )


@staff_required(module=MODULE)
@require_GET
def proposal_staff_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = StaffProposalFilterForm(
        request.GET or None,
        processes=selectors.proposal_processes(municipality=municipality),
        categories=selectors.proposal_categories(municipality=municipality),
    )
    is_valid = not form.is_bound or form.is_valid()
    page = Paginator(
        selectors.proposal_search(municipality=municipality, filters=form.search_filters()),
        PROPOSALS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    open_flags = set(
        ContentFlag.objects.filter(
            municipality=municipality,
            target=FlagTarget.PROPOSAL,
            target_id__in=[proposal.pk for proposal in page.object_list],
            is_resolved=False,
        ).values_list("target_id", flat=True)
    )
    context = {"form": form, "page": page, "open_flags": open_flags}
    return render(
        request,
        "participation/proposals/staff/proposal_list.html",
        context,
        status=200 if is_valid else 400,
    )


def _detail_page(
    request: HttpRequest, proposal: Proposal, bound: dict[str, Form] | None = None
) -> HttpResponse:
    municipality = request_municipality(request)
    forms: dict[str, Form] = {
        "answer_form": AnswerForm(
            initial={"status": proposal.status, "answer": proposal.answer},
            auto_id="id_answer_%s",
        ),
        "plan_form": PlanProjectForm(
            pillars=services.plan_pillar_choices(municipality=municipality), auto_id="id_plan_%s"
        ),
        "budget_form": BudgetProjectForm(
            zones=selectors.budget_zones_open(municipality=municipality), auto_id="id_budget_%s"
        ),
    }
    forms.update(bound or {})
    comments = list(
        ProposalComment.objects.filter(proposal=proposal)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    flags = list(
        ContentFlag.objects.filter(
            municipality=municipality,
            is_resolved=False,
            target=FlagTarget.PROPOSAL,
            target_id=proposal.pk,
        )
    ) + list(
        ContentFlag.objects.filter(
            municipality=municipality,
            is_resolved=False,
            target=FlagTarget.COMMENT,
            target_id__in=[comment.pk for comment in comments],
        )
    )
    plan_project = (
        links.target_resolve(municipality=municipality, ref=proposal.plan_project_ref)
        if proposal.plan_project_ref
        else None
    )
    is_converted = bool(proposal.plan_project_ref or proposal.budget_project_id)
    can_convert = proposal.status == ProposalStatus.ACCEPTED and not is_converted
    context: dict[str, Any] = {
        "proposal": proposal,
        "comments": comments,
        "flags": flags,
        "plan_project": plan_project,
        "plans_available": links.kind_get(services.PLAN_PROJECT_KIND) is not None,
        "is_converted": is_converted,
        # The conversion forms: offered for an accepted proposal, shown with their errors.
        "show_plan_form": can_convert or "plan_form" in (bound or {}),
        "show_budget_form": can_convert or "budget_form" in (bound or {}),
        **forms,
    }
    status = 400 if bound else 200
    return render(
        request, "participation/proposals/staff/proposal_detail.html", context, status=status
    )


@staff_required(module=MODULE)
@require_GET
def proposal_staff_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return _detail_page(request, _proposal(request, proposal_id))


def proposal_action(view: ProposalAction) -> Callable[..., HttpResponse]:
    """An action on one proposal: staff with the module, the proposal looked up in this
    city first, then POST only; a GET shows the proposal's page."""

    @staff_required(module=MODULE)
    @wraps(view)
    def wrapped(request: HttpRequest, proposal_id: int) -> HttpResponse:
        proposal = _proposal(request, proposal_id)
        if request.method == "GET":
            return redirect("participation_backoffice:proposal_staff_detail", proposal.pk)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, proposal)

    return wrapped


def _done(proposal: Proposal, request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("participation_backoffice:proposal_staff_detail", proposal.pk)


@proposal_action
def proposal_staff_answer(request: HttpRequest, proposal: Proposal) -> HttpResponse:
    form = AnswerForm(request.POST, auto_id="id_answer_%s")
    if form.is_valid():
        try:
            updated = services.proposal_answer(
                proposal=proposal,
                actor=request_actor(request),
                status=form.cleaned_data["status"],
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return _done(
                proposal,
                request,
                _("The proposal is now “%(status)s”; its author was told.")
                % {"status": updated.get_status_display()},
            )
    return _detail_page(request, proposal, {"answer_form": form})


@proposal_action
def proposal_staff_visibility(request: HttpRequest, proposal: Proposal) -> HttpResponse:
    form = VisibilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to hide or to show the proposal."))
        return redirect("participation_backoffice:proposal_staff_detail", proposal.pk)
    hide = form.cleaned_data["hide"]
    try:
        services.proposal_visibility_set(proposal=proposal, actor=request_actor(request), hide=hide)
    except ValidationError as error:
        error_messages_add(request, error)
        return redirect("participation_backoffice:proposal_staff_detail", proposal.pk)
    return _done(
        proposal,
        request,
        _("The proposal is hidden from the public.")
        if hide
        else _("The proposal is public again."),
    )


@staff_required(module=MODULE)
def proposal_staff_comment_visibility(
    request: HttpRequest, proposal_id: int, comment_id: int
) -> HttpResponse:
    proposal = _proposal(request, proposal_id)
    comment = get_object_or_404(ProposalComment, pk=comment_id, proposal=proposal)
    if request.method == "GET":
        return redirect("participation_backoffice:proposal_staff_detail", proposal.pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = VisibilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to hide or to show the comment."))
        return redirect("participation_backoffice:proposal_staff_detail", proposal.pk)
    hide = form.cleaned_data["hide"]
    try:
        services.comment_visibility_set(comment=comment, actor=request_actor(request), hide=hide)
    except ValidationError as error:
        error_messages_add(request, error)
        return redirect("participation_backoffice:proposal_staff_detail", proposal.pk)
    return _done(
        proposal,
        request,
        _("The comment is hidden from the public.") if hide else _("The comment is public again."),
    )


@proposal_action
def proposal_staff_plan_project(request: HttpRequest, proposal: Proposal) -> HttpResponse:
    municipality = request_municipality(request)
    form = PlanProjectForm(
        request.POST,
        pillars=services.plan_pillar_choices(municipality=municipality),
        auto_id="id_plan_%s",
    )
    if form.is_valid():
        try:
            target = services.proposal_convert_to_plan_project(
                proposal=proposal,
                actor=request_actor(request),
                pillar_ref=form.cleaned_data["pillar"],
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return _done(
                proposal,
                request,
                _("The proposal became the plan project “%(title)s”.") % {"title": target.title},
            )
    return _detail_page(request, proposal, {"plan_form": form})


@proposal_action
def proposal_staff_budget_project(request: HttpRequest, proposal: Proposal) -> HttpResponse:
    municipality = request_municipality(request)
    form = BudgetProjectForm(
        request.POST,
        zones=selectors.budget_zones_open(municipality=municipality),
        auto_id="id_budget_%s",
    )
    if form.is_valid():
        zone = form.chosen_zone()
        assert zone is not None  # the choices are the zones
        try:
            project = services.proposal_convert_to_budget_project(
                proposal=proposal,
                actor=request_actor(request),
                budget_zone=zone,
                cost=form.cleaned_data["cost"],
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return _done(
                proposal,
                request,
                _("The proposal was submitted as the budgeting project %(code)s.")
                % {"code": project.code},
            )
    return _detail_page(request, proposal, {"budget_form": form})


# The moderators' queue


def _flag_item(flag: ContentFlag, record: Any) -> dict[str, Any]:
    labels = dict(FlagTarget.choices)
    item: dict[str, Any] = {
        "flag": flag,
        "kind": labels.get(flag.target, flag.target),
        "text": "",
        "url": "",
        "is_hidden": False,
        "exists": record is not None,
    }
    if isinstance(record, Proposal):
        item.update(
            text=record.title,
            url=reverse("participation_backoffice:proposal_staff_detail", args=[record.pk]),
            is_hidden=record.is_hidden,
        )
    elif isinstance(record, ProposalComment):
        item.update(
            text=record.body,
            url=reverse("participation_backoffice:proposal_staff_detail", args=[record.proposal_id])
            + f"#comment-{record.pk}",
            is_hidden=record.is_hidden,
        )
    elif isinstance(record, ForumQuestion):
        item.update(text=record.body, is_hidden=record.status == "hidden")
    return item


@staff_required(module=MODULE)
@require_GET
def moderation_queue(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    flags = selectors.moderation_flags(municipality=municipality)
    records = selectors.flag_targets(municipality=municipality, flags=flags)
    items = [_flag_item(flag, records.get((flag.target, flag.target_id))) for flag in flags]
    return render(request, "participation/proposals/staff/moderation_queue.html", {"items": items})


@staff_required(module=MODULE)
def proposal_flag_decide(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(ContentFlag, pk=flag_id, municipality=request_municipality(request))
    if request.method == "GET":
        return redirect("participation_backoffice:moderation_queue")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = FlagDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to keep or to hide it."))
        return redirect("participation_backoffice:moderation_queue")
    hide = form.cleaned_data["decision"] == "hide"
    try:
        services.content_flag_decide(flag=flag, actor=request_actor(request), hide=hide)
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(
            request,
            _("It is hidden from the public.")
            if hide
            else _("It stays public; the flag is closed."),
        )
    return redirect("participation_backoffice:moderation_queue")
