"""Service alerts: the public list of those in force (by line) and an alert's page; the staff
pages to write, change, publish or withdraw and delete them. Every staff lookup is within the
request's city (another city's alert is 404 whatever the method); writes go through
``services.alerts``."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
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
from .forms_alerts import ServiceAlertForm
from .models import ServiceAlert
from .selectors import departures_alerts as selectors
from .services import alerts as services

PUBLIC = "mobility/alerts/"
STAFF = "mobility/alerts/backoffice/"


@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    """The alerts in force, under each line they affect; then those for stops only and
    those for the whole network."""
    alerts = list(
        selectors.alerts_active(municipality=request_municipality(request), now=timezone.now())
    )
    by_route: OrderedDict[Any, list[ServiceAlert]] = OrderedDict()
    stops_only: list[ServiceAlert] = []
    network: list[ServiceAlert] = []
    for alert in alerts:
        routes = list(alert.routes.all())
        for route in routes:
            by_route.setdefault(route, []).append(alert)
        if not routes:
            (stops_only if list(alert.stops.all()) else network).append(alert)
    groups = sorted(
        by_route.items(), key=lambda item: (item[0].sort_order or 0, item[0].short_name)
    )
    return render(
        request,
        PUBLIC + "alert_list.html",
        {"alerts": alerts, "groups": groups, "stops_only": stops_only, "network": network},
    )


@require_GET
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get_public(municipality=request_municipality(request), pk=pk)
    if alert is None:
        raise Http404
    now = timezone.now()
    is_active = alert.active_from <= now and (
        alert.active_until is None or alert.active_until > now
    )
    return render(request, PUBLIC + "alert_detail.html", {"alert": alert, "is_active": is_active})


# Staff


def _alert(request: HttpRequest, pk: int) -> ServiceAlert:
    alert = selectors.alert_get(municipality=request_municipality(request), pk=pk)
    if alert is None:
        raise Http404
    return alert


@staff_required(MODULE)
@require_GET
def staff_alert_list(request: HttpRequest) -> HttpResponse:
    alerts = list(selectors.alert_list_staff(municipality=request_municipality(request)))
    now = timezone.now()
    rows = [
        {
            "alert": alert,
            "is_active": alert.is_published
            and alert.active_from <= now
            and (alert.active_until is None or alert.active_until > now),
        }
        for alert in alerts
    ]
    return render(request, STAFF + "alert_list.html", {"rows": rows})


@staff_required(MODULE)
@require_http_methods(["GET", "HEAD", "POST"])
def staff_alert_new(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = ServiceAlertForm(
        request.POST or None, municipality=municipality, initial={"active_from": timezone.now()}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                alert = services.alert_create(
                    municipality=municipality,
                    actor=request_actor(request),
                    fields=form.alert_fields(),
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The alert is saved; it is not published yet."))
                return redirect("mobility_backoffice:alert_edit", pk=alert.pk)
        status = 400
    return render(request, STAFF + "alert_form.html", {"form": form, "alert": None}, status=status)


@staff_required(MODULE)
@record_page(_alert, "GET", "POST")
def staff_alert_edit(request: HttpRequest, alert: ServiceAlert) -> HttpResponse:
    municipality = request_municipality(request)
    status = 200
    if request.method == "POST":
        form = ServiceAlertForm(request.POST, municipality=municipality)
        if form.is_valid():
            try:
                services.alert_update(
                    alert=alert, actor=request_actor(request), fields=form.alert_fields()
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The alert is saved."))
                return redirect("mobility_backoffice:alert_edit", pk=alert.pk)
        status = 400
    else:
        form = ServiceAlertForm(
            initial=ServiceAlertForm.initial_from(alert), municipality=municipality
        )
    return render(request, STAFF + "alert_form.html", {"form": form, "alert": alert}, status=status)


@staff_required(MODULE)
@record_page(_alert, "POST")
def staff_alert_publish(request: HttpRequest, alert: ServiceAlert) -> HttpResponse:
    is_published = request.POST.get("publish") == "1"
    try:
        services.alert_publish(alert=alert, actor=request_actor(request), is_published=is_published)
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(
            request,
            _("The alert is published.") if is_published else _("The alert is withdrawn."),
        )
    return redirect("mobility_backoffice:alert_edit", pk=alert.pk)


@staff_required(MODULE)
@record_page(_alert, "POST")
def staff_alert_delete(request: HttpRequest, alert: ServiceAlert) -> HttpResponse:
    services.alert_delete(alert=alert, actor=request_actor(request))
    messages.success(request, _("The alert is deleted."))
    return redirect("mobility_backoffice:alert_list")
