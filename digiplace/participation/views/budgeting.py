"""Public pages of participatory budgeting: budgets, zones and their projects with the staff
review, a resident's project submission, each zone's published results explained, and the
zone's anonymised ballots as a Pabulib file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from digiplace.core.views.helpers import form_errors_add, request_municipality, request_user
from digiplace.participation.budgeting.pabulib import election_write
from digiplace.participation.forms.budgeting import ProjectSubmitForm
from digiplace.participation.models import Budget, BudgetProject, BudgetZone
from digiplace.participation.selectors import budgeting as selectors
from digiplace.participation.services import budgeting as services


def _budget(request: HttpRequest, pk: int) -> Budget:
    budget = selectors.budget_get_public(municipality=request_municipality(request), pk=pk)
    if budget is None:
        raise Http404
    return budget


def _zone(budget: Budget, slug: str) -> BudgetZone:
    budget_zone = selectors.budget_zone_get(budget=budget, slug=slug)
    if budget_zone is None:
        raise Http404
    return budget_zone


def budget_list(request: HttpRequest) -> HttpResponse:
    budgets = [
        (budget, selectors.budget_stage(budget=budget))
        for budget in selectors.budget_list_public(municipality=request_municipality(request))
    ]
    return render(request, "participation/budgeting/budget_list.html", {"budgets": budgets})


def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    context: dict[str, Any] = {
        "budget": budget,
        "stage": selectors.budget_stage(budget=budget),
        "zones": [
            (zone, selectors.currency_label(zone.currency))
            for zone in selectors.budget_zones(budget=budget)
        ],
    }
    return render(request, "participation/budgeting/budget_detail.html", context)


def budget_zone_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    budget = _budget(request, pk)
    budget_zone = _zone(budget, slug)
    context = {
        "budget": budget,
        "budget_zone": budget_zone,
        "unit": selectors.currency_label(budget_zone.currency),
        "stage": selectors.budget_stage(budget=budget),
        "projects": selectors.budget_zone_projects(budget_zone=budget_zone),
    }
    return render(request, "participation/budgeting/zone_detail.html", context)


def budget_project_detail(request: HttpRequest, pk: int, project_pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    project = get_object_or_404(
        BudgetProject.objects.filter(budget_zone__budget=budget)
        .exclude(status="withdrawn")
        .select_related("budget_zone__zone"),
        pk=project_pk,
    )
    feature = None
    if project.latitude is not None and project.longitude is not None:
        feature = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [project.longitude, project.latitude],
                    },
                    "properties": {"title": f"{project.code} {project.title}"},
                }
            ],
        }
    context = {
        "budget": budget,
        "budget_zone": project.budget_zone,
        "project": project,
        "feature": feature,
        "unit": selectors.currency_label(project.budget_zone.currency),
        "stage": selectors.budget_stage(budget=budget),
    }
    return render(request, "participation/budgeting/project_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def budget_project_new(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    budget = _budget(request, pk)
    budget_zone = _zone(budget, slug)
    user = request_user(request)
    assert user is not None  # login_required
    form = ProjectSubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.budget_project_submit(
                author=user,
                budget_zone=budget_zone,
                title=data["title"],
                description=data["description"],
                cost=data["cost"],
                category=data["category"],
                latitude=data["latitude"],
                longitude=data["longitude"],
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(
                request,
                _("Project %(code)s was sent; staff will review it and publish the review.")
                % {"code": project.code},
            )
            return redirect("participation:budget_project_detail", budget.pk, project.pk)
    status = 200 if request.method == "GET" or form.is_valid() else 400
    context = {
        "budget": budget,
        "budget_zone": budget_zone,
        "form": form,
        "unit": selectors.currency_label(budget_zone.currency),
        "is_open": budget.submission_open(),
        "is_confirmed": user.email_confirmed_at is not None,
        "municipality": request_municipality(request),
    }
    return render(request, "participation/budgeting/project_new.html", context, status=status)


def budget_zone_results(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    budget = _budget(request, pk)
    budget_zone = _zone(budget, slug)
    view = selectors.zone_result_view(budget_zone=budget_zone)
    context = {
        "budget": budget,
        "budget_zone": budget_zone,
        "view": view,
        "stage": selectors.budget_stage(budget=budget),
    }
    return render(
        request,
        "participation/budgeting/zone_results.html",
        context,
        status=200 if view is not None else 404,
    )


def budget_zone_pb(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    budget = _budget(request, pk)
    budget_zone = _zone(budget, slug)
    if budget.results_published_at is None:
        raise Http404
    result = getattr(budget_zone, "result", None)
    rule = result.rule if result is not None else budget.rule
    text = election_write(selectors.zone_pabulib(budget_zone=budget_zone, rule=rule))
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    filename = f"{budget.municipality.slug}_{budget.pk}_{budget_zone.zone.slug}.pb"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
