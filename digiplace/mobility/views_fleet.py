"""Staff pages of the fleet (module ``mobility``), under /backoffice/mobility/fleet/: the
city's vehicles, registering one (with its device key at once if asked), changing its
fleet number, type or plate, taking it out of the fleet and back, a new device key. Every
lookup is in the request's city (another city's vehicle: 404, whatever the method)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
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
from .forms_fleet import FleetAddForm, FleetVehicleForm
from .selectors import fleet as selectors
from .selectors.fleet import attribute_text
from .services import fleet as services

if TYPE_CHECKING:
    from digiplace.urbandata.models import DeviceKey

    from .models import VehicleState

LIST_URL = "mobility_backoffice:fleet_list"
TEMPLATES = "mobility/fleet/"


def _vehicle(request: HttpRequest, pk: int) -> VehicleState:
    found = selectors.fleet_vehicle_get(municipality=request_municipality(request), pk=pk)
    if found is None:
        raise Http404
    return found


def _key_page(
    request: HttpRequest, vehicle: VehicleState, key: DeviceKey, secret: str
) -> HttpResponse:
    # The secret is in this response only: never stored, never shown again.
    response = render(
        request, TEMPLATES + "key.html", {"vehicle": vehicle, "key": key, "secret": secret}
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required(MODULE)
@require_GET
def fleet_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    rows = selectors.fleet_list(municipality=municipality)
    # A type staff did not choose here (a device wrote another) is shown as written.
    labels = dict(services.VEHICLE_TYPES)
    return render(
        request,
        TEMPLATES + "list.html",
        {
            "rows": [(row, labels.get(row.vehicle_type, row.vehicle_type)) for row in rows],
            "active_count": sum(1 for row in rows if row.vehicle.is_active),
        },
    )


@staff_required(MODULE)
@require_http_methods(["GET", "HEAD", "POST"])
def fleet_add(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = FleetAddForm(
        request.POST or None, initial={"vehicle_type": "bus"}, municipality=municipality
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                registered = services.fleet_vehicle_register(
                    municipality=municipality, actor=request_actor(request), **form.cleaned_data
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(
                    request,
                    _("%(label)s is in the fleet: its positions are accepted.")
                    % {"label": registered.vehicle.label},
                )
                if registered.key is not None and registered.secret is not None:
                    return _key_page(request, registered.vehicle, registered.key, registered.secret)
                return HttpResponseRedirect(reverse(LIST_URL))
    return render(request, TEMPLATES + "form.html", {"form": form, "vehicle": None}, status=status)


@staff_required(MODULE)
@record_page(_vehicle, "GET", "POST")
def fleet_edit(request: HttpRequest, vehicle: VehicleState) -> HttpResponse:
    attributes = vehicle.entity.attributes
    initial = {
        "label": vehicle.label,
        "vehicle_type": attribute_text(attributes, "vehicleType") or "bus",
        "plate": attribute_text(attributes, "vehiclePlateIdentifier"),
    }
    form = FleetVehicleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.fleet_vehicle_update(
                    vehicle=vehicle, actor=request_actor(request), **form.cleaned_data
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The vehicle's details were saved."))
                return HttpResponseRedirect(reverse(LIST_URL))
    return render(
        request, TEMPLATES + "form.html", {"form": form, "vehicle": vehicle}, status=status
    )


@staff_required(MODULE)
@record_page(_vehicle, "POST")
def fleet_deactivate(request: HttpRequest, vehicle: VehicleState) -> HttpResponse:
    try:
        services.fleet_vehicle_deactivate(vehicle=vehicle, actor=request_actor(request))
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(
            request,
            _("%(label)s is out of the fleet: its positions are refused from now on.")
            % {"label": vehicle.label},
        )
    return HttpResponseRedirect(reverse(LIST_URL))


@staff_required(MODULE)
@record_page(_vehicle, "POST")
def fleet_activate(request: HttpRequest, vehicle: VehicleState) -> HttpResponse:
    try:
        services.fleet_vehicle_activate(vehicle=vehicle, actor=request_actor(request))
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(
            request,
            _("%(label)s is back in the fleet: its positions are accepted.")
            % {"label": vehicle.label},
        )
    return HttpResponseRedirect(reverse(LIST_URL))


@staff_required(MODULE)
@record_page(_vehicle, "POST")
def fleet_key(request: HttpRequest, vehicle: VehicleState) -> HttpResponse:
    try:
        key, secret = services.fleet_vehicle_key_issue(
            vehicle=vehicle, actor=request_actor(request)
        )
    except ValidationError as error:
        error_messages_add(request, error)
        return HttpResponseRedirect(reverse(LIST_URL))
    return _key_page(request, vehicle, key, secret)
