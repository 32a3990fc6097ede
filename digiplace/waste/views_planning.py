"""Planners' pages of the waste module (module ``waste``): today's and tomorrow's plans, a
new plan, a plan with its routes on a map, route sheets, depots, trucks and the city's
settings. Every record is read within the request's city (another city's is 404); writes go
through ``services.planning`` and ``services.fleet``."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from digiplace.core.permissions import staff_required
from digiplace.core.views.helpers import (
    error_messages_add,
    form_errors_add,
    record_page,
    request_actor,
    request_municipality,
)

from .apps import MODULE
from .forms_planning import DepotForm, PlanForm, TruckForm, WasteSettingsForm
from .models import CollectionPlan, Fraction, PlanStatus
from .selectors import planning as selectors
from .selectors.forecasts import city_settings
from .services import fleet, planning
from .sheets import route_sheet_pdf

TEMPLATES = "waste/planning/"
POLL_SECONDS = 2


def city_today(request: HttpRequest) -> datetime.date:
    zone = zoneinfo.ZoneInfo(request_municipality(request).time_zone)
    return timezone.localdate(timezone=zone)


def _plan(request: HttpRequest, pk: int) -> CollectionPlan:
    plan = selectors.plan_get(municipality=request_municipality(request), pk=pk)
    if plan is None:
        raise Http404
    return plan


@staff_required(MODULE)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    today = city_today(request)
    days = [today, today + datetime.timedelta(days=1)]
    plans = list(selectors.plans_for_days(municipality=municipality, days=days))
    by_day = [
        (day, [(value, label, _find(plans, day, value)) for value, label in Fraction.choices])
        for day in days
    ]
    return render(
        request,
        TEMPLATES + "index.html",
        {
            "by_day": by_day,
            "today": today,
            "recent": selectors.plan_list(municipality=municipality),
            "alert_count": selectors.waste_alert_count(municipality=municipality),
        },
    )


def _find(plans: list[CollectionPlan], day: datetime.date, fraction: str) -> Any:
    return next((p for p in plans if p.day == day and p.fraction == fraction), None)


@staff_required(MODULE)
@require_http_methods(["GET", "HEAD", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    today = city_today(request)
    form = PlanForm(request.POST or None, municipality=municipality, today=today)
    if request.method == "GET":
        form.initial["threshold"] = round(city_settings(municipality).threshold * 100)
        if request.GET.get("fraction") in Fraction.values:
            form.initial["fraction"] = request.GET["fraction"]
    existing = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = planning.plan_create(
                municipality=municipality,
                day=data["day"],
                fraction=data["fraction"],
                depot=data["depot"],
                trucks=list(data["trucks"]) or None,
                threshold=data["threshold"] / 100,
                actor=request_actor(request),
            )
        except planning.PlanExistsError as error:
            existing = error.plan
            form.add_error(None, error)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return redirect("waste_backoffice:plan_detail", pk=plan.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, TEMPLATES + "plan_new.html", {"form": form, "existing": existing}, status=status
    )


def _plan_context(plan: CollectionPlan) -> dict[str, Any]:
    routes = selectors.plan_routes(plan=plan)
    return {
        "plan": plan,
        "routes": [
            (route, selectors.route_colour_index(route.number), route.distance_m / 1000)
            for route in routes
        ],
        "summary": selectors.plan_summary(plan, routes),
        "problems": [planning.problem_message(problem) for problem in plan.problems],
        "map_data": selectors.plan_map_data(plan, routes),
        "is_computing": plan.status == PlanStatus.COMPUTING,
        "poll_seconds": POLL_SECONDS,
        "stop_problems": [stop for route in routes for stop in route.stops.all() if stop.problem],
    }


@staff_required(MODULE)
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    return render(request, TEMPLATES + "plan_detail.html", _plan_context(plan))


@staff_required(MODULE)
@require_GET
def plan_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled while the plan is computed: the same note while it is, then a full reload."""
    plan = _plan(request, pk)
    if plan.status != PlanStatus.COMPUTING:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, TEMPLATES + "_plan_computing.html", _plan_context(plan))


@staff_required(MODULE)
@record_page(_plan, "POST")
def plan_publish(request: HttpRequest, plan: CollectionPlan) -> HttpResponse:
    try:
        planning.plan_publish(plan=plan, actor=request_actor(request))
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(request, _("The plan is published: the drivers see it on their phones."))
    return redirect("waste_backoffice:plan_detail", pk=plan.pk)


@staff_required(MODULE)
@record_page(_plan, "POST")
def plan_recompute(request: HttpRequest, plan: CollectionPlan) -> HttpResponse:
    try:
        planning.plan_recompute(plan=plan, actor=request_actor(request))
    except ValidationError as error:
        error_messages_add(request, error)
    return redirect("waste_backoffice:plan_detail", pk=plan.pk)


@staff_required(MODULE)
@require_GET
def route_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    route = selectors.route_get(municipality=request_municipality(request), pk=pk)
    if route is None:
        raise Http404
    pdf = route_sheet_pdf(route=route, stops=selectors.route_stops(route=route))
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"route-{route.plan.day.isoformat()}-{route.plan.fraction}-{route.number}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# Depots, trucks and settings


@staff_required(MODULE)
@require_GET
def fleet_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    return render(
        request,
        TEMPLATES + "fleet_list.html",
        {
            "depots": selectors.depot_list(municipality=municipality),
            "trucks": selectors.truck_list(municipality=municipality),
        },
    )


def _record_form(
    request: HttpRequest,
    *,
    form: BaseForm,
    save: Callable[[dict[str, Any]], Model],
    title: str,
    done: str,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, done)
            return redirect("waste_backoffice:fleet_list")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, TEMPLATES + "record_form.html", {"form": form, "title": title}, status=status
    )


@staff_required(MODULE)
@require_http_methods(["GET", "HEAD", "POST"])
def depot_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    municipality = request_municipality(request)
    depot = None
    if pk is not None:
        depot = selectors.depot_get(municipality=municipality, pk=pk)
        if depot is None:
            raise Http404
    return _record_form(
        request,
        form=DepotForm(request.POST or None, instance=depot),
        save=lambda data: fleet.depot_save(
            municipality=municipality, actor=request_actor(request), depot=depot, **data
        ),
        title=_("New depot") if depot is None else _("Depot %(name)s") % {"name": depot.name},
        done=_("The depot is saved."),
    )


@staff_required(MODULE)
@require_http_methods(["GET", "HEAD", "POST"])
def truck_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    municipality = request_municipality(request)
    truck = None
    if pk is not None:
        truck = selectors.truck_get(municipality=municipality, pk=pk)
        if truck is None:
            raise Http404
    return _record_form(
        request,
        form=TruckForm(request.POST or None, instance=truck, municipality=municipality),
        save=lambda data: fleet.truck_save(
            municipality=municipality, actor=request_actor(request), truck=truck, **data
        ),
        title=_("New truck") if truck is None else _("Truck %(name)s") % {"name": truck.name},
        done=_("The truck is saved."),
    )


@staff_required(MODULE)
@require_http_methods(["GET", "HEAD", "POST"])
def settings_edit(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    current = city_settings(municipality)
    form = WasteSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            fleet.settings_save(
                municipality=municipality, actor=request_actor(request), **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("The waste settings are saved."))
            return redirect("waste_backoffice:index")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        TEMPLATES + "record_form.html",
        {"form": form, "title": _("Waste collection settings")},
        status=status,
    )
