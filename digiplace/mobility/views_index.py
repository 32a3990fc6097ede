"""The module's two doors: the public index at /mobility/ and the staff index at
/backoffice/mobility/, each a list of the module's sections."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from digiplace.core.permissions import staff_required

from .apps import MODULE

PUBLIC_SECTIONS = (
    ("mobility:stop_list", _("Stops and next departures")),
    ("mobility:planner", _("Journey planner")),
    ("mobility:alert_list", _("Service alerts")),
    ("mobility:places_map", _("Charging stations and parking")),
    ("mobility:ridership", _("Ridership")),
    ("mobility:open_data", _("Timetables and live data for apps")),
)
STAFF_SECTIONS = (
    ("mobility_backoffice:control", _("Control centre")),
    ("mobility_backoffice:network", _("Network and timetables")),
    ("mobility_backoffice:alert_list", _("Service alerts")),
    ("mobility_backoffice:validator_list", _("Ticket validators and ridership")),
)


def _links(sections: tuple[tuple[str, object], ...]) -> list[tuple[str, object]]:
    links = []
    for name, label in sections:
        try:
            links.append((reverse(name), label))
        except NoReverseMatch:
            continue
    return links


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "mobility/index.html", {"links": _links(PUBLIC_SECTIONS)})


@staff_required(MODULE)
@require_GET
def backoffice_index(request: HttpRequest) -> HttpResponse:
    return render(request, "mobility/backoffice_index.html", {"links": _links(STAFF_SECTIONS)})
