"""Public pages of the processes component: the module's index (what a person can do now
across the city, the list of processes) and one process (phases, what a person can do in
it now, the plan project it serves). Processes are looked up in the host's city only."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from digiplace.core import links
from digiplace.core.views.helpers import request_municipality

from ..forms.processes import STATE_LABELS, ProcessFilterForm
from ..selectors import processes as selectors


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = ProcessFilterForm(
        request.GET or None, zones=selectors.process_zones(municipality=municipality)
    )
    filters = form.filters()
    today = timezone.localdate()
    processes = list(
        selectors.process_list_public(
            municipality=municipality,
            state=filters["state"],  # type: ignore[arg-type]
            scope=filters["scope"],
            today=today,
        )
    )
    rows = [
        {
            "process": process,
            "state": (
                state := selectors.process_state(
                    first_day=process.first_day,  # type: ignore[attr-defined]
                    last_day=process.last_day,  # type: ignore[attr-defined]
                    today=today,
                )
            ),
            "state_label": STATE_LABELS[state],
        }
        for process in processes
    ]
    context = {
        "openings": selectors.city_openings(municipality=municipality),
        "form": form,
        "rows": rows,
        "is_filtered": any(filters.values()),
    }
    return render(request, "participation/processes/index.html", context)


@require_GET
def process_detail(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = request_municipality(request)
    process = selectors.process_get_public(municipality=municipality, slug=slug)
    if process is None:
        raise Http404
    phases = selectors.phase_rows(process=process)
    context = {
        "process": process,
        "phases": phases,
        "current_phase": next((row for row in phases if row.is_current), None),
        "plan_project": links.target_resolve(
            municipality=municipality, ref=process.plan_project_ref
        ),
        "openings": selectors.process_openings(process=process),
    }
    return render(request, "participation/processes/process_detail.html", context)
