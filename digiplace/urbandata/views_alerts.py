"""Staff pages of urban data's alerts: the list with its live map, one alert with its
actions, and the alert rules. Every record is read within the request's city (another
city's is 404 whatever the method); writes go through ``services.alerts``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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

from .forms_alerts import AlertFilterForm, AlertRuleForm
from .models import Alert, AlertRule
from .selectors import alerts as selectors
from .services import alerts as services

MODULE = "urbandata"
POLL_SECONDS = 15
TEMPLATES = "urbandata/alerts/"


def _alert(request: HttpRequest, pk: int) -> Alert:
    alert = selectors.alert_get(municipality=request_municipality(request), pk=pk)
    if alert is None:
        raise Http404
    return alert


def _rule(request: HttpRequest, pk: int) -> AlertRule:
    rule = selectors.rule_get(municipality=request_municipality(request), pk=pk)
    if rule is None:
        raise Http404
    return rule


# The list and its live part


def _list_context(request: HttpRequest) -> tuple[dict[str, Any], int]:
    municipality = request_municipality(request)
    form = AlertFilterForm(request.GET or None, municipality=municipality)
    status = 400 if form.is_bound and not form.is_valid() else 200
    alerts = list(
        selectors.alert_list(municipality=municipality, **form.filters())[: selectors.LIST_LIMIT]
    )
    return (
        {
            "form": form,
            "alerts": alerts,
            "features": selectors.alert_features(alerts),
            "counts": selectors.alert_counts(municipality=municipality),
            "poll_seconds": POLL_SECONDS,
            "query": request.GET.urlencode(),
            "list_limit": selectors.LIST_LIMIT,
        },
        status,
    )


@staff_required(MODULE)
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    context, status = _list_context(request)
    return render(request, TEMPLATES + "alert_list.html", context, status=status)


@staff_required(MODULE)
@require_GET
def alert_list_live(request: HttpRequest) -> HttpResponse:
    """The list's table and map places, polled by the list page."""
    context, status = _list_context(request)
    return render(request, TEMPLATES + "_alert_live.html", context, status=status)


# One alert


@staff_required(MODULE)
@record_page(_alert, "GET")
def alert_detail(request: HttpRequest, alert: Alert) -> HttpResponse:
    return render(
        request,
        TEMPLATES + "alert_detail.html",
        {
            "alert": alert,
            "entity_type_label": selectors.entity_type_label(alert.entity.type),
            "features": selectors.alert_features([alert]),
            "deliveries": list(alert.deliveries.order_by("pk")),
        },
    )


def _transition(
    request: HttpRequest, alert: Alert, action: Callable[..., Alert], done: str
) -> HttpResponse:
    try:
        action(alert=alert, actor=request_actor(request))
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(request, done)
    return redirect("urbandata_backoffice:alert_detail", pk=alert.pk)


@staff_required(MODULE)
@record_page(_alert, "POST")
def alert_acknowledge(request: HttpRequest, alert: Alert) -> HttpResponse:
    return _transition(request, alert, services.alert_acknowledge, _("The alert is acknowledged."))


@staff_required(MODULE)
@record_page(_alert, "POST")
def alert_resolve(request: HttpRequest, alert: Alert) -> HttpResponse:
    return _transition(request, alert, services.alert_resolve, _("The alert is resolved."))


# Rules


@staff_required(MODULE)
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = list(selectors.rule_list(municipality=request_municipality(request)))
    return render(request, TEMPLATES + "rule_list.html", {"rules": rules})


@staff_required(MODULE)
@require_http_methods(["GET", "HEAD", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = AlertRuleForm(request.POST or None, municipality=municipality)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.alert_rule_create(
                    municipality=municipality,
                    actor=request_actor(request),
                    fields=form.rule_fields(),
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The rule is saved."))
                return redirect("urbandata_backoffice:alert_rule_list")
        status = 400
    return render(
        request, TEMPLATES + "rule_form.html", {"form": form, "rule": None}, status=status
    )


@staff_required(MODULE)
@record_page(_rule, "GET", "POST")
def rule_edit(request: HttpRequest, rule: AlertRule) -> HttpResponse:
    municipality = request_municipality(request)
    status = 200
    if request.method == "POST":
        form = AlertRuleForm(request.POST, municipality=municipality)
        if form.is_valid():
            try:
                services.alert_rule_update(
                    rule=rule, actor=request_actor(request), fields=form.rule_fields()
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The rule is saved."))
                return redirect("urbandata_backoffice:alert_rule_list")
        status = 400
    else:
        form = AlertRuleForm(initial=AlertRuleForm.initial_from(rule), municipality=municipality)
    return render(
        request, TEMPLATES + "rule_form.html", {"form": form, "rule": rule}, status=status
    )


@staff_required(MODULE)
@record_page(_rule, "POST")
def rule_activate(request: HttpRequest, rule: AlertRule) -> HttpResponse:
    is_active = request.POST.get("active") == "1"
    services.alert_rule_activate(rule=rule, actor=request_actor(request), is_active=is_active)
    if is_active:
        messages.success(request, _("The rule is active again."))
    else:
        messages.success(request, _("The rule is switched off; its alerts stay."))
    return redirect("urbandata_backoffice:alert_rule_list")
