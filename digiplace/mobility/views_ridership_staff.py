"""Staff pages of ridership (module ``mobility``): the validators (register, edit, issue a
key, deactivate; audited), the refused taps, and the day's boardings per stop and quarter
hour. Staff never see card ids or their hashes: the pages read times, stops and counts."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from digiplace.core.permissions import staff_required
from digiplace.core.views.helpers import (
    error_messages_add,
    form_errors_add,
    request_actor,
    request_municipality,
)

from .apps import MODULE
from .forms_ridership import ValidatorForm
from .models import Validator
from .selectors import ridership as selectors
from .services import ridership_validators as services

LIST_URL = "mobility_backoffice:validator_list"


def _validator(request: HttpRequest, pk: int) -> Validator:
    found = selectors.validator_get(municipality=request_municipality(request), pk=pk)
    if found is None:
        raise Http404
    return found


@staff_required(MODULE)
@require_GET
def validator_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    day = selectors.latest_day(municipality=municipality) or timezone.localdate()
    raw = request.GET.get("day", "")
    if raw:
        try:
            day = datetime.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("That is not a date (write it as YYYY-MM-DD)."))
    labels, rows = selectors.quarter_hours(municipality=municipality, day=day)
    since = timezone.now() - datetime.timedelta(days=7)
    context = {
        "validators": selectors.validator_list(municipality=municipality),
        "reject_counts": sorted(
            selectors.reject_counts(municipality=municipality, since=since).items()
        ),
        "rejects": selectors.recent_rejects(municipality=municipality),
        "day": day,
        "slot_labels": labels,
        "slot_rows": rows,
        "figures": selectors.day_figures(municipality=municipality, day=day, k=1),
    }
    return render(request, "mobility/ridership/validator_list.html", context)


@staff_required(MODULE)
@require_http_methods(["GET", "POST"])
def validator_add(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = ValidatorForm(request.POST or None, municipality=municipality)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                validator = services.validator_create(
                    municipality=municipality, actor=request_actor(request), **form.cleaned_data
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(
                    request, _("The validator %(code)s is registered.") % {"code": validator.code}
                )
                return HttpResponseRedirect(reverse(LIST_URL))
    return render(
        request,
        "mobility/ridership/validator_form.html",
        {"form": form, "validator": None},
        status=status,
    )


@staff_required(MODULE)
def validator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    validator = _validator(request, pk)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    initial = {
        "code": validator.code,
        "name": validator.name,
        "vehicle": validator.vehicle,
        "stop": validator.stop,
    }
    form = ValidatorForm(
        request.POST or None, initial=initial, municipality=request_municipality(request)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.validator_update(
                    validator=validator, actor=request_actor(request), **form.cleaned_data
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The validator's details were saved."))
                return HttpResponseRedirect(reverse(LIST_URL))
    return render(
        request,
        "mobility/ridership/validator_form.html",
        {"form": form, "validator": validator},
        status=status,
    )


@staff_required(MODULE)
def validator_key(request: HttpRequest, pk: int) -> HttpResponse:
    validator = _validator(request, pk)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponse(status=405, headers={"Allow": "POST"})
    secret = services.validator_key_issue(validator=validator, actor=request_actor(request))
    # The secret is in this response only: never stored, never shown again.
    response = render(
        request,
        "mobility/ridership/validator_key.html",
        {"validator": validator, "secret": secret},
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required(MODULE)
def validator_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    validator = _validator(request, pk)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    try:
        services.validator_deactivate(validator=validator, actor=request_actor(request))
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(
            request,
            _("The validator %(code)s is deactivated: its taps are refused from now on.")
            % {"code": validator.code},
        )
    return HttpResponseRedirect(reverse(LIST_URL))
