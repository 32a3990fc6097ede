"""The back office of the municipality on the request's host: dashboard, departments,
staff memberships and the audit log. Writes go through ``backoffice_services``."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import backoffice_services, modules, selectors
from ..audit import audit_entry_changes
from ..backoffice_forms import (
    AuditLogFilterForm,
    DepartmentForm,
    MembershipCreateForm,
    MembershipUpdateForm,
    record_type_name,
)
from ..models import AuditAction, AuditLogEntry, Department, Municipality, StaffMembership
from ..permissions import admin_required, staff_required
from ..templatetags.digiplace import chart_data
from .helpers import (
    error_messages_add,
    form_errors_add,
    request_actor,
    request_membership,
    request_municipality,
)

AUDIT_LOG_PAGE_SIZE = 25
CHART_DAYS = 30


def _audit_chart(*, municipality: Municipality) -> dict[str, Any]:
    """Audit-log entries per day and action over the last CHART_DAYS days."""
    today = timezone.localdate()
    first_day = today - datetime.timedelta(days=CHART_DAYS - 1)
    start = datetime.datetime.combine(
        first_day, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    counts = (
        AuditLogEntry.objects.for_municipality(municipality)
        .filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "action")
        .annotate(count=Count("id"))
        .order_by()
    )
    by_day_action = {(row["day"], row["action"]): row["count"] for row in counts}
    days = [first_day + datetime.timedelta(days=offset) for offset in range(CHART_DAYS)]
    return chart_data(
        chart_type="bar",
        labels=[formats.date_format(day, "SHORT_DATE_FORMAT") for day in days],
        datasets=[
            {"label": label, "data": [by_day_action.get((day, action), 0) for day in days]}
            for action, label in AuditAction.choices
        ],
        label_title=_("Day"),
    )


@staff_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    membership = request_membership(request)
    context: dict[str, Any] = {
        "current_membership": membership,
        "available_modules": [
            spec for spec in modules.all_modules() if membership.can_use_module(spec.code)
        ],
    }
    if membership.is_admin:
        context["audit_chart"] = _audit_chart(municipality=municipality)
        context["recent_entries"] = selectors.audit_log_for(municipality=municipality)[:5]
    return render(request, "core/backoffice/dashboard.html", context)


# Departments


@admin_required
def department_list(request: HttpRequest) -> HttpResponse:
    departments = (
        Department.objects.for_municipality(request_municipality(request))
        .annotate(staff_count=Count("memberships"))
        .order_by("name_ro")
    )
    return render(request, "core/backoffice/department_list.html", {"departments": departments})


@admin_required
@require_http_methods(["GET", "POST"])
def department_create(request: HttpRequest) -> HttpResponse:
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department = backoffice_services.department_create(
                actor=request_actor(request),
                municipality=request_municipality(request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Department “%(name)s” created.") % {"name": department})
            return redirect("backoffice:department_list")
    return render(
        request, "core/backoffice/department_form.html", {"form": form, "department": None}
    )


@admin_required
@require_http_methods(["GET", "POST"])
def department_update(request: HttpRequest, department_id: int) -> HttpResponse:
    department = get_object_or_404(
        Department.objects.for_municipality(request_municipality(request)), pk=department_id
    )
    initial = {field: getattr(department, field) for field in ("name_ro", "name_en", "email")}
    form = DepartmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            department = backoffice_services.department_update(
                actor=request_actor(request), department=department, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Department “%(name)s” saved.") % {"name": department})
            return redirect("backoffice:department_list")
    return render(
        request, "core/backoffice/department_form.html", {"form": form, "department": department}
    )


@admin_required
@require_http_methods(["GET", "POST"])
def department_delete(request: HttpRequest, department_id: int) -> HttpResponse:
    department = get_object_or_404(
        Department.objects.for_municipality(request_municipality(request)), pk=department_id
    )
    if request.method == "POST":
        name = str(department)
        backoffice_services.department_delete(actor=request_actor(request), department=department)
        messages.success(request, _("Department “%(name)s” deleted.") % {"name": name})
        return redirect("backoffice:department_list")
    return render(
        request,
        "core/backoffice/confirm_delete.html",
        {
            "title": _("Delete the department “%(name)s”?") % {"name": department},
            "consequence": _("Its %(count)s staff members keep their access, without a department.")
            % {"count": department.memberships.count()},
            "cancel_url_name": "backoffice:department_list",
        },
    )


# Staff memberships


@admin_required
def membership_list(request: HttpRequest) -> HttpResponse:
    memberships = (
        StaffMembership.objects.for_municipality(request_municipality(request))
        .select_related("user", "department")
        .order_by("user__email")
    )
    module_names = dict(modules.module_choices())
    rows = [
        (membership, [module_names.get(code, code) for code in membership.modules])
        for membership in memberships
    ]
    return render(request, "core/backoffice/membership_list.html", {"rows": rows})


@admin_required
@require_http_methods(["GET", "POST"])
def membership_create(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = MembershipCreateForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            membership = backoffice_services.membership_create(
                actor=request_actor(request), municipality=municipality, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(
                request, _("%(person)s joined the staff.") % {"person": membership.user}
            )
            return redirect("backoffice:membership_list")
    return render(
        request, "core/backoffice/membership_form.html", {"form": form, "edited_membership": None}
    )


@admin_required
@require_http_methods(["GET", "POST"])
def membership_update(request: HttpRequest, membership_id: int) -> HttpResponse:
    municipality = request_municipality(request)
    membership = get_object_or_404(
        StaffMembership.objects.for_municipality(municipality).select_related("user"),
        pk=membership_id,
    )
    initial = {
        "role": membership.role,
        "department": membership.department_id,
        "modules": membership.modules,
        "is_active": membership.is_active,
    }
    form = MembershipUpdateForm(request.POST or None, initial=initial, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            membership = backoffice_services.membership_update(
                actor=request_actor(request), membership=membership, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(
                request, _("The role of %(person)s was saved.") % {"person": membership.user}
            )
            return redirect("backoffice:membership_list")
    return render(
        request,
        "core/backoffice/membership_form.html",
        {"form": form, "edited_membership": membership},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def membership_delete(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(
        StaffMembership.objects.for_municipality(request_municipality(request)).select_related(
            "user"
        ),
        pk=membership_id,
    )
    if request.method == "POST":
        person = str(membership.user)
        try:
            backoffice_services.membership_delete(
                actor=request_actor(request), membership=membership
            )
        except ValidationError as error:
            error_messages_add(request, error)
        else:
            messages.success(request, _("%(person)s left the staff.") % {"person": person})
        return redirect("backoffice:membership_list")
    return render(
        request,
        "core/backoffice/confirm_delete.html",
        {
            "title": _("Remove %(person)s from the staff?") % {"person": membership.user},
            "consequence": _("Their account stays; they lose access to this back office."),
            "cancel_url_name": "backoffice:membership_list",
        },
    )


# Audit log


@admin_required
def audit_log_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = AuditLogFilterForm(request.GET or None, municipality=municipality)
    entries = selectors.audit_log_for(municipality=municipality)
    if form.is_valid():
        if form.cleaned_data["action"]:
            entries = entries.filter(action=form.cleaned_data["action"])
        if form.cleaned_data["target_type"]:
            entries = entries.filter(target_type=form.cleaned_data["target_type"])
    page = Paginator(entries, AUDIT_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.record_type_name = record_type_name(entry.target_type)
    return render(request, "core/backoffice/audit_log_list.html", {"form": form, "page": page})


@admin_required
def audit_log_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(
        selectors.audit_log_for(municipality=request_municipality(request)), pk=entry_id
    )
    return render(
        request,
        "core/backoffice/audit_log_detail.html",
        {
            "entry": entry,
            "record_type": record_type_name(entry.target_type),
            "changes": audit_entry_changes(entry),
            "has_before": entry.before is not None,
            "has_after": entry.after is not None,
        },
    )
