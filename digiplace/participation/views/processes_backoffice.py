"""Staff pages of the processes component: the module's dashboard (links to every
component's staff pages), processes with their phases, and zones. Every record is read in
the request's city; every write goes through ``services.processes`` (audited)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from digiplace.core import links
from digiplace.core.permissions import staff_required
from digiplace.core.views.helpers import (
    error_messages_add,
    form_errors_add,
    request_actor,
    request_municipality,
)

from ..forms.processes import PhaseFormSet, ProcessForm, ZoneForm, phase_rows
from ..models import Process, Zone
from ..selectors import processes as selectors
from ..services import processes as services

MODULE = "participation"
PROCESS_TEXTS = ("title", "summary", "description")
LANGUAGES = ("ro", "en")


@staff_required(MODULE)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    context = {
        "process_count": selectors.process_list_staff(municipality=municipality).count(),
        "zone_count": selectors.zone_list_staff(municipality=municipality).count(),
    }
    return render(request, "participation/processes/backoffice/index.html", context)


# --- Processes ------------------------------------------------------------------------------


def _process(request: HttpRequest, pk: int) -> Process:
    found = selectors.process_get_staff(municipality=request_municipality(request), pk=pk)
    if found is None:
        raise Http404
    return found


@staff_required(MODULE)
@require_GET
def process_staff_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    today = timezone.localdate()
    processes = list(selectors.process_list_staff(municipality=municipality))
    refs = [process.plan_project_ref for process in processes if process.plan_project_ref]
    targets = links.targets_resolve(municipality=municipality, refs=refs)
    rows = [
        {
            "process": process,
            "state": selectors.process_state(
                first_day=process.first_day,  # type: ignore[attr-defined]
                last_day=process.last_day,  # type: ignore[attr-defined]
                today=today,
            ),
            "plan_project": targets.get(process.plan_project_ref),
        }
        for process in processes
    ]
    return render(request, "participation/processes/backoffice/process_list.html", {"rows": rows})


def _process_form(request: HttpRequest, data: Any = None, **kwargs: Any) -> ProcessForm:
    municipality = request_municipality(request)
    return ProcessForm(
        data,
        zones=list(selectors.zone_list_staff(municipality=municipality)),
        plan_projects=links.target_choices(municipality=municipality, kind="plans.project"),
        **kwargs,
    )


def _process_initial(process: Process) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "slug": process.slug,
        "scope": process.scope,
        "zone": process.zone_id,
        "plan_project_ref": process.plan_project_ref,
        "proposals_enabled": process.proposals_enabled,
        "proposals_open_from": _local(process.proposals_open_from),
        "proposals_open_until": _local(process.proposals_open_until),
        "is_published": process.is_published,
    }
    for name in PROCESS_TEXTS:
        for language in LANGUAGES:
            initial[f"{name}_{language}"] = getattr(process, f"{name}_{language}", "")
    return initial


def _local(value: Any) -> Any:
    return timezone.localtime(value) if value is not None else None


def _phases_initial(process: Process) -> list[dict[str, Any]]:
    return [
        {
            "title_ro": getattr(phase, "title_ro", ""),
            "title_en": getattr(phase, "title_en", ""),
            "description_ro": getattr(phase, "description_ro", ""),
            "description_en": getattr(phase, "description_en", ""),
            "starts_on": phase.starts_on,
            "ends_on": phase.ends_on,
        }
        for phase in process.phases.order_by("position", "starts_on", "pk")
    ]


def _process_page(
    request: HttpRequest,
    *,
    form: ProcessForm,
    phases: Any,
    process: Process | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "participation/processes/backoffice/process_form.html",
        {"form": form, "phases": phases, "process": process},
        status=status,
    )


def _process_save(
    request: HttpRequest, *, process: Process | None
) -> tuple[Process | None, ProcessForm, Any]:
    form = _process_form(
        request, request.POST, current_ref=process.plan_project_ref if process else ""
    )
    phases = PhaseFormSet(request.POST, prefix="phases")
    if not (form.is_valid() and phases.is_valid()):
        return None, form, phases
    values = dict(form.cleaned_data)
    try:
        if process is None:
            saved = services.process_create(
                municipality=request_municipality(request),
                actor=request_actor(request),
                values=values,
                phases=phase_rows(phases),
            )
        else:
            saved = services.process_update(
                process=process,
                actor=request_actor(request),
                values=values,
                phases=phase_rows(phases),
            )
    except ValidationError as error:
        form_errors_add(form, error)
        return None, form, phases
    return saved, form, phases


@staff_required(MODULE)
@require_http_methods(["GET", "POST"])
def process_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        saved, form, phases = _process_save(request, process=None)
        if saved is not None:
            messages.success(request, _("The process was created."))
            return HttpResponseRedirect(
                reverse("participation_backoffice:process_edit", kwargs={"pk": saved.pk})
            )
        return _process_page(request, form=form, phases=phases, process=None, status=400)
    form = _process_form(request, initial={"scope": "city"})
    return _process_page(request, form=form, phases=PhaseFormSet(prefix="phases"), process=None)


@staff_required(MODULE)
@require_http_methods(["GET", "POST"])
def process_edit(request: HttpRequest, pk: int) -> HttpResponse:
    process = _process(request, pk)
    if request.method == "POST":
        saved, form, phases = _process_save(request, process=process)
        if saved is not None:
            messages.success(request, _("The process was saved."))
            return HttpResponseRedirect(
                reverse("participation_backoffice:process_edit", kwargs={"pk": saved.pk})
            )
        return _process_page(request, form=form, phases=phases, process=process, status=400)
    form = _process_form(
        request, initial=_process_initial(process), current_ref=process.plan_project_ref
    )
    phases = PhaseFormSet(initial=_phases_initial(process), prefix="phases")
    return _process_page(request, form=form, phases=phases, process=process)


@staff_required(MODULE)
def process_delete(request: HttpRequest, pk: int) -> HttpResponse:
    process = _process(request, pk)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    try:
        services.process_delete(process=process, actor=request_actor(request))
    except ValidationError as error:
        error_messages_add(request, error)
        return HttpResponseRedirect(
            reverse("participation_backoffice:process_edit", kwargs={"pk": process.pk})
        )
    messages.success(request, _("The process was deleted."))
    return HttpResponseRedirect(reverse("participation_backoffice:process_staff_list"))


# --- Zones ----------------------------------------------------------------------------------


def _zone(request: HttpRequest, pk: int) -> Zone:
    found = selectors.zone_get_staff(municipality=request_municipality(request), pk=pk)
    if found is None:
        raise Http404
    return found


@staff_required(MODULE)
@require_GET
def zone_list(request: HttpRequest) -> HttpResponse:
    zones = selectors.zone_list_staff(municipality=request_municipality(request))
    return render(request, "participation/processes/backoffice/zone_list.html", {"zones": zones})


def _zone_page(
    request: HttpRequest, *, form: ZoneForm, zone: Zone | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "participation/processes/backoffice/zone_form.html",
        {"form": form, "zone": zone},
        status=status,
    )


def _zone_save(request: HttpRequest, *, zone: Zone | None) -> tuple[Zone | None, ZoneForm]:
    form = ZoneForm(request.POST)
    if not form.is_valid():
        return None, form
    try:
        if zone is None:
            saved = services.zone_create(
                municipality=request_municipality(request),
                actor=request_actor(request),
                values=dict(form.cleaned_data),
            )
        else:
            saved = services.zone_update(
                zone=zone, actor=request_actor(request), values=dict(form.cleaned_data)
            )
    except ValidationError as error:
        form_errors_add(form, error)
        return None, form
    return saved, form


@staff_required(MODULE)
@require_http_methods(["GET", "POST"])
def zone_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        saved, form = _zone_save(request, zone=None)
        if saved is not None:
            messages.success(request, _("The zone was created."))
            return HttpResponseRedirect(reverse("participation_backoffice:zone_list"))
        return _zone_page(request, form=form, zone=None, status=400)
    return _zone_page(request, form=ZoneForm(initial={"position": 0}), zone=None)


@staff_required(MODULE)
@require_http_methods(["GET", "POST"])
def zone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    zone = _zone(request, pk)
    if request.method == "POST":
        saved, form = _zone_save(request, zone=zone)
        if saved is not None:
            messages.success(request, _("The zone was saved."))
            return HttpResponseRedirect(reverse("participation_backoffice:zone_list"))
        return _zone_page(request, form=form, zone=zone, status=400)
    initial = {
        "slug": zone.slug,
        "name_ro": getattr(zone, "name_ro", ""),
        "name_en": getattr(zone, "name_en", ""),
        "position": zone.position,
        "geometry": json.dumps(zone.geometry) if zone.geometry else "",
    }
    return _zone_page(request, form=ZoneForm(initial=initial), zone=zone)


@staff_required(MODULE)
def zone_delete(request: HttpRequest, pk: int) -> HttpResponse:
    zone = _zone(request, pk)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    try:
        services.zone_delete(zone=zone, actor=request_actor(request))
    except ValidationError as error:
        error_messages_add(request, error)
        return HttpResponseRedirect(
            reverse("participation_backoffice:zone_edit", kwargs={"pk": zone.pk})
        )
    messages.success(request, _("The zone was deleted."))
    return HttpResponseRedirect(reverse("participation_backoffice:zone_list"))
