"""The drivers' phone pages (module ``waste_rounds``; planners with ``waste`` may open them
too): today's published routes, one route's stops in order, and for each stop "Emptied" or
"Report a problem". Plain POST forms that work without JavaScript; with htmx the stop is
replaced in place."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from digiplace.core.permissions import permission_denied_page, staff_required
from digiplace.core.views.helpers import (
    record_page,
    request_actor,
    request_membership,
    request_municipality,
)

from .apps import MODULE, MODULE_ROUNDS
from .forms_planning import StopProblemForm
from .models import PlanStop
from .selectors import planning as selectors
from .services import rounds
from .views_planning import city_today

TEMPLATES = "waste/rounds/"


def rounds_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A back-office member with the drivers' module, or the planners'."""

    @staff_required()
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = request_membership(request)
        if not (membership.can_use_module(MODULE_ROUNDS) or membership.can_use_module(MODULE)):
            return permission_denied_page(request, reason="no_module", module=MODULE_ROUNDS)
        return view(request, *args, **kwargs)

    return wrapped


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _stop(request: HttpRequest, pk: int) -> PlanStop:
    stop = selectors.stop_get(municipality=request_municipality(request), pk=pk)
    if stop is None or stop.route.plan.status not in selectors.ROUNDS_STATUSES:
        raise Http404
    return stop


@rounds_required
@require_GET
def rounds_index(request: HttpRequest) -> HttpResponse:
    today = city_today(request)
    return render(
        request,
        TEMPLATES + "index.html",
        {
            "today": today,
            "routes": selectors.rounds_routes(
                municipality=request_municipality(request), day=today
            ),
        },
    )


@rounds_required
@require_GET
def rounds_route(request: HttpRequest, pk: int) -> HttpResponse:
    route = selectors.route_get(municipality=request_municipality(request), pk=pk)
    if route is None or route.plan.status not in selectors.ROUNDS_STATUSES:
        raise Http404
    return render(
        request,
        TEMPLATES + "route.html",
        {
            "route": route,
            "stops": selectors.route_stops(route=route),
            "problem_form": StopProblemForm(),
        },
    )


def _after(request: HttpRequest, stop: PlanStop, *, status: int = 200) -> HttpResponse:
    if _is_htmx(request):
        stop.refresh_from_db()
        return render(
            request,
            TEMPLATES + "_stop.html",
            {"stop": stop, "problem_form": StopProblemForm()},
            status=status,
        )
    return redirect(f"{stop_route_url(stop)}#stop-{stop.pk}")


def stop_route_url(stop: PlanStop) -> str:
    from django.urls import reverse

    return reverse("waste_backoffice:rounds_route", kwargs={"pk": stop.route_id})


@rounds_required
@record_page(_stop, "POST")
def stop_emptied(request: HttpRequest, stop: PlanStop) -> HttpResponse:
    try:
        rounds.stop_empty(stop=stop, actor=request_actor(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _after(request, stop, status=400)
    return _after(request, stop)


@rounds_required
@require_http_methods(["GET", "HEAD", "POST"])
def stop_problem(request: HttpRequest, pk: int) -> HttpResponse:
    stop = _stop(request, pk)
    form = StopProblemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rounds.stop_problem_report(
                stop=stop,
                actor=request_actor(request),
                problem=form.cleaned_data["problem"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The problem is reported to the planner."))
            return _after(request, stop)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, TEMPLATES + "problem.html", {"stop": stop, "form": form}, status=status)
