"""Staff pages of participatory budgeting (module "participation"): budgets and their
zones, project reviews, closing the vote, counting and publishing the results, importing
ballots from a Pabulib file. Every write goes through the services and is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from digiplace.core.permissions import staff_required
from digiplace.core.views.helpers import (
    error_messages_add,
    form_errors_add,
    request_actor,
    request_municipality,
)
from digiplace.participation.forms.budgeting import (
    BallotImportForm,
    BudgetCreateForm,
    BudgetForm,
    BudgetZoneAmountForm,
    BudgetZoneForm,
    ProjectReviewForm,
)
from digiplace.participation.models import Budget, BudgetProject, BudgetZone
from digiplace.participation.selectors import budgeting as selectors
from digiplace.participation.services import budgeting as services
from digiplace.participation.services import budgeting_results as results

MODULE = "participation"


def _budget(request: HttpRequest, pk: int) -> Budget:
    return get_object_or_404(
        Budget.objects.for_municipality(request_municipality(request)).select_related("process"),
        pk=pk,
    )


def _budget_zone(budget: Budget, zone_pk: int) -> BudgetZone:
    return get_object_or_404(
        BudgetZone.objects.filter(budget=budget).select_related("zone", "budget"), pk=zone_pk
    )


@staff_required(module=MODULE)
def budget_list(request: HttpRequest) -> HttpResponse:
    budgets = [
        (budget, selectors.budget_stage(budget=budget))
        for budget in Budget.objects.for_municipality(request_municipality(request))
        .select_related("process")
        .order_by("-voting_opens_at")
    ]
    return render(request, "participation/budgeting/staff/budget_list.html", {"budgets": budgets})


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def budget_create(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = BudgetCreateForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        process = values.pop("process")
        try:
            budget = services.budget_create(
                actor=request_actor(request),
                municipality=municipality,
                process=process,
                **values,
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Budget created; now add its zones."))
            return redirect("participation_backoffice:budget_detail", budget.pk)
    return render(
        request,
        "participation/budgeting/staff/budget_form.html",
        {"form": form, "budget": None},
        status=400 if form.errors else 200,
    )


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def budget_edit(request: HttpRequest, pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    form = BudgetForm(request.POST or None, instance=budget)
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_update(
                actor=request_actor(request), budget=budget, **form.service_values()
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Budget saved."))
            return redirect("participation_backoffice:budget_detail", budget.pk)
    return render(
        request,
        "participation/budgeting/staff/budget_form.html",
        {"form": form, "budget": budget},
        status=400 if form.errors else 200,
    )


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The budget's zones (add one), projects waiting for review, the vote and the results."""
    budget = _budget(request, pk)
    municipality = request_municipality(request)
    zone_form = BudgetZoneForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and zone_form.is_valid():
        try:
            services.budget_zone_add(
                actor=request_actor(request),
                budget=budget,
                zone=zone_form.cleaned_data["zone"],
                amount=zone_form.cleaned_data["amount"],
                currency=zone_form.cleaned_data["currency"],
            )
        except ValidationError as error:
            form_errors_add(zone_form, error)
        else:
            messages.success(request, _("Zone added."))
            return redirect("participation_backoffice:budget_detail", budget.pk)
    zones = list(selectors.budget_zones(budget=budget))
    ballot_counts = {
        zone.pk: zone.ballots.count() for zone in zones
    }  # a handful of zones: one count each
    context: dict[str, Any] = {
        "budget": budget,
        "stage": selectors.budget_stage(budget=budget),
        "zones": [(zone, ballot_counts[zone.pk]) for zone in zones],
        "zone_form": zone_form,
        "to_review": selectors.budget_projects_to_review(budget=budget),
    }
    return render(
        request,
        "participation/budgeting/staff/budget_detail.html",
        context,
        status=400 if zone_form.errors else 200,
    )


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def budget_zone_edit(request: HttpRequest, pk: int, zone_pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    budget_zone = _budget_zone(budget, zone_pk)
    form = BudgetZoneAmountForm(
        request.POST or None,
        initial={"amount": budget_zone.amount, "currency": budget_zone.currency},
    )
    import_form = BallotImportForm()
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_zone_update(
                actor=request_actor(request),
                budget_zone=budget_zone,
                amount=form.cleaned_data["amount"],
                currency=form.cleaned_data["currency"],
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Zone saved."))
            return redirect("participation_backoffice:budget_detail", budget.pk)
    return _zone_page(request, budget, budget_zone, form, import_form)


def _zone_page(
    request: HttpRequest,
    budget: Budget,
    budget_zone: BudgetZone,
    form: BudgetZoneAmountForm,
    import_form: BallotImportForm,
) -> HttpResponse:
    preview = None
    if budget.voting_closed() and budget.results_published_at is None:
        preview = results.zone_outcome_compute(budget_zone=budget_zone, rule=budget.rule)
    context = {
        "budget": budget,
        "budget_zone": budget_zone,
        "form": form,
        "import_form": import_form,
        "projects": budget_zone.projects.order_by("code"),
        "ballot_count": budget_zone.ballots.count(),
        "preview": preview,
        "unit": selectors.currency_label(budget_zone.currency),
    }
    status = 400 if form.errors or import_form.errors else 200
    return render(request, "participation/budgeting/staff/zone_edit.html", context, status=status)


@staff_required(module=MODULE)
def budget_zone_ballots_import(request: HttpRequest, pk: int, zone_pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    budget_zone = _budget_zone(budget, zone_pk)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    import_form = BallotImportForm(request.POST, request.FILES)
    if import_form.is_valid():
        try:
            ballots = results.budget_zone_ballots_import(
                actor=request_actor(request),
                budget_zone=budget_zone,
                text=import_form.cleaned_data["file"],
            )
        except ValidationError as error:
            form_errors_add(import_form, error)
        else:
            messages.success(
                request,
                ngettext("%(count)d ballot imported.", "%(count)d ballots imported.", len(ballots))
                % {"count": len(ballots)},
            )
            return redirect("participation_backoffice:budget_zone_edit", budget.pk, budget_zone.pk)
    form = BudgetZoneAmountForm(
        initial={"amount": budget_zone.amount, "currency": budget_zone.currency}
    )
    return _zone_page(request, budget, budget_zone, form, import_form)


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def budget_project_review(request: HttpRequest, pk: int, project_pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    project = get_object_or_404(
        BudgetProject.objects.filter(budget_zone__budget=budget).select_related(
            "budget_zone__zone"
        ),
        pk=project_pk,
    )
    form = ProjectReviewForm(
        request.POST or None,
        initial={
            "status": project.status if project.status != "submitted" else None,
            "reason": project.review_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_project_review(
                actor=request_actor(request),
                project=project,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(
                request, _("Review of %(code)s saved; it is public.") % {"code": project.code}
            )
            return redirect("participation_backoffice:budget_detail", budget.pk)
    return render(
        request,
        "participation/budgeting/staff/project_review.html",
        {
            "budget": budget,
            "project": project,
            "form": form,
            "unit": selectors.currency_label(project.budget_zone.currency),
        },
        status=400 if form.errors else 200,
    )


@staff_required(module=MODULE)
def budget_voting_close(request: HttpRequest, pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    try:
        services.budget_voting_close(actor=request_actor(request), budget=budget)
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(request, _("Voting is closed."))
    return redirect("participation_backoffice:budget_detail", budget.pk)


@staff_required(module=MODULE)
def budget_results_publish(request: HttpRequest, pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    try:
        results.budget_results_publish(actor=request_actor(request), budget=budget)
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(request, _("The results are counted and published."))
    return redirect("participation_backoffice:budget_detail", budget.pk)
