"""The local police's enforcement cases (module ``waste_enforcement``, granted by name only:
a city administrator without the grant is refused too). Cases are opened from observations;
nothing of them appears on public pages, in the compliance report or to other staff."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from digiplace.core.permissions import staff_required
from digiplace.core.views.helpers import (
    error_messages_add,
    form_errors_add,
    record_page,
    request_actor,
    request_municipality,
)

from .apps import MODULE_ENFORCEMENT
from .forms_compliance import CaseFilterForm, CaseForm
from .models import EnforcementCase, Observation
from .selectors import compliance as selectors
from .services import compliance as services

TEMPLATES = "waste/enforcement/"


def _case(request: HttpRequest, pk: int) -> EnforcementCase:
    case = selectors.case_get(municipality=request_municipality(request), pk=pk)
    if case is None:
        raise Http404
    return case


def _observation(request: HttpRequest, pk: int) -> Observation:
    observation = selectors.observation_get(municipality=request_municipality(request), pk=pk)
    if observation is None:
        raise Http404
    return observation


@staff_required(MODULE_ENFORCEMENT)
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = CaseFilterForm(request.GET or None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    cases = list(
        selectors.case_list(municipality=municipality, status=form.status_filter())[
            : selectors.CASE_LIST_LIMIT
        ]
    )
    context = {
        "form": form,
        "cases": cases,
        "counts": selectors.case_counts(municipality=municipality),
        "observations": list(selectors.observations_without_case(municipality=municipality)),
        "list_limit": selectors.CASE_LIST_LIMIT,
    }
    return render(request, TEMPLATES + "case_list.html", context, status=status)


@staff_required(MODULE_ENFORCEMENT)
@record_page(_observation, "POST")
def case_open(request: HttpRequest, observation: Observation) -> HttpResponse:
    try:
        case = services.case_open(observation=observation, actor=request_actor(request))
    except ValidationError as error:
        error_messages_add(request, error)
        return redirect("waste_backoffice:case_list")
    messages.success(request, _("The case is opened."))
    return redirect("waste_backoffice:case_detail", pk=case.pk)


@staff_required(MODULE_ENFORCEMENT)
@record_page(_case, "GET", "POST")
def case_detail(request: HttpRequest, case: EnforcementCase) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = CaseForm(request.POST)
        if form.is_valid():
            try:
                services.case_update(
                    case=case, actor=request_actor(request), fields=form.case_fields()
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The case is saved."))
                return redirect("waste_backoffice:case_detail", pk=case.pk)
        status = 400
    else:
        form = CaseForm(initial=CaseForm.initial_from(case))
    return render(
        request, TEMPLATES + "case_detail.html", {"case": case, "form": form}, status=status
    )
