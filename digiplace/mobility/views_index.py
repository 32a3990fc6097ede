"""The module's two doors: the public index at /mobility/ (the lines, the alerts in force, the
sections) and the staff index at /backoffice/mobility/ (the sections with today's figures)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from digiplace.core.permissions import staff_required
from digiplace.core.views.helpers import request_municipality

from .apps import MODULE
from .models import VehicleState
from .selectors import control as control_selectors
from .selectors.departures_alerts import alerts_active
from .selectors.network import route_list


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    return render(
        request,
        "mobility/index.html",
        {
            "routes": route_list(municipality=municipality),
            "alerts": alerts_active(municipality=municipality, now=timezone.now()),
        },
    )


@staff_required(MODULE)
@require_GET
def backoffice_index(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    now = timezone.now()
    fleet = [
        state
        for state in VehicleState.objects.for_municipality(municipality).filter(is_active=True)
        if not control_selectors.is_stale(state, now)
    ]
    return render(
        request,
        "mobility/backoffice_index.html",
        {
            "on_trip": sum(1 for state in fleet if state.trip_id is not None),
            "reporting": len(fleet),
            "alerts": control_selectors.vehicle_alerts_open(municipality).count(),
            "rejects": control_selectors.rejects_today(municipality=municipality, now=now),
        },
    )
