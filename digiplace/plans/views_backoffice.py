"""The plans back office: status and progress of projects and activities, KPI
measurements, expressions of interest and quarterly reports. Every record is read scoped
by the request's municipality; every write goes through ``services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from digiplace.core.i18n import quarter_label
from digiplace.core.permissions import staff_required
from digiplace.core.views.helpers import (
    form_errors_add,
    request_actor,
    request_municipality,
)

from . import selectors, services
from .backoffice_forms import (
    ActivityStatusForm,
    InterestDecisionForm,
    MeasurementForm,
    ProjectStatusForm,
    ReportRequestForm,
)
from .models import (
    Activity,
    ExpressionOfInterest,
    InterestStatus,
    Kpi,
    MonitoringReport,
    Plan,
    Project,
)
from .reports import change_describe

MODULE = "plans"


def _plan(request: HttpRequest, plan_key: str) -> Plan:
    # Staff see unpublished plans too; never another municipality's.
    return get_object_or_404(
        Plan.objects.for_municipality(request_municipality(request)), key=plan_key
    )


def _changes_message(request: HttpRequest, changed: bool, name: str) -> None:
    if changed:
        messages.success(request, _("“%(name)s” saved; the change is public.") % {"name": name})
    else:
        messages.info(request, _("Nothing changed in “%(name)s”.") % {"name": name})


@staff_required(module=MODULE)
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = (
        Plan.objects.for_municipality(request_municipality(request))
        .annotate(
            project_count=Count("projects", distinct=True),
            pending_interest_count=Count(
                "interests", filter=Q(interests__status=InterestStatus.PENDING), distinct=True
            ),
        )
        .order_by("-period_start", "key")
    )
    return render(request, "plans/backoffice/plan_list.html", {"plans": plans})


@staff_required(module=MODULE)
def plan_detail(request: HttpRequest, plan_key: str) -> HttpResponse:
    plan = _plan(request, plan_key)
    progress = selectors.project_progress_map(plan=plan)
    projects = [
        (project, progress.projects.get(project.pk))
        for project in Project.objects.filter(plan=plan)
        .select_related("pillar")
        .annotate(activity_count=Count("activities"))
        .order_by("pillar__position", "position")
    ]
    context: dict[str, Any] = {
        "plan": plan,
        "plan_progress": progress.plan.shown_percent,
        "projects": projects,
        "status_counts": selectors.status_counts(plan=plan),
        "readings": selectors.kpi_readings(kpis=selectors.plan_kpis(plan=plan)),
        "pending_interest_count": plan.interests.filter(status=InterestStatus.PENDING).count(),
    }
    return render(request, "plans/backoffice/plan_detail.html", context)


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, plan_key: str, project_key: str) -> HttpResponse:
    plan = _plan(request, plan_key)
    project = get_object_or_404(
        Project.objects.filter(plan=plan).select_related("pillar", "objective"), key=project_key
    )
    form = ProjectStatusForm(
        request.POST or None, initial={"status": project.status, "progress": project.progress}
    )
    if request.method == "POST" and form.is_valid():
        progress = form.cleaned_data["progress"]
        try:
            records = services.project_update_status(
                actor=request_actor(request),
                project=project,
                status=form.cleaned_data["status"],
                progress=progress,
                clear_progress=progress is None,
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            _changes_message(request, bool(records), project.title)
            return redirect(
                "plans_backoffice:project_edit", plan_key=plan.key, project_key=project.key
            )
    activities = [
        (activity, _activity_form(activity)) for activity in project.activities.order_by("position")
    ]
    context = {
        "plan": plan,
        "project": project,
        "form": form,
        "activities": activities,
        "timeline": [
            change_describe(change=change)
            for change in selectors.project_timeline(project=project, limit=20)
        ],
        "progress": selectors.project_progress_map(plan=plan).projects.get(project.pk),
    }
    return render(request, "plans/backoffice/project_edit.html", context)


def _activity_form(activity: Activity, data: Any = None) -> ActivityStatusForm:
    return ActivityStatusForm(
        data,
        activity_id=activity.pk,
        initial={"status": activity.status, "progress": activity.progress},
    )


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, plan_key: str, activity_id: int) -> HttpResponse:
    """One activity's inline form: HTMX swaps the fragment in place; without JavaScript the
    whole page is shown and a saved form returns to the project."""
    plan = _plan(request, plan_key)
    activity = get_object_or_404(
        Activity.objects.filter(project__plan=plan).select_related("project"), pk=activity_id
    )
    form = _activity_form(activity, request.POST or None)
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            records = services.activity_update_status(
                actor=request_actor(request),
                activity=activity,
                status=form.cleaned_data["status"],
                progress=form.cleaned_data["progress"],
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            if not getattr(request, "htmx", False):
                _changes_message(request, bool(records), str(activity))
                return redirect(
                    "plans_backoffice:project_edit",
                    plan_key=plan.key,
                    project_key=activity.project.key,
                )
            activity.refresh_from_db()
            form = _activity_form(activity)
            saved = bool(records)
    context = {"plan": plan, "activity": activity, "form": form, "saved": saved}
    if getattr(request, "htmx", False):
        return render(request, "plans/backoffice/_activity_form.html", context)
    return render(request, "plans/backoffice/activity_edit.html", context)


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def measurement_create(request: HttpRequest, plan_key: str, kpi_id: int) -> HttpResponse:
    plan = _plan(request, plan_key)
    kpi = get_object_or_404(Kpi.objects.filter(plan=plan), pk=kpi_id)
    form = MeasurementForm(request.POST or None, unit=kpi.unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.measurement_create(actor=request_actor(request), kpi=kpi, **form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(
                request, _("Measurement of “%(name)s” saved; the value is public.") % {"name": kpi}
            )
            return redirect("plans_backoffice:plan_detail", plan_key=plan.key)
    reading = selectors.kpi_readings(kpis=[kpi])[0]
    context = {
        "plan": plan,
        "kpi": kpi,
        "reading": reading,
        "form": form,
        "recent": kpi.measurements.order_by("-date", "-id")[:10],
    }
    return render(request, "plans/backoffice/measurement_form.html", context)


@staff_required(module=MODULE)
def interest_list(request: HttpRequest, plan_key: str) -> HttpResponse:
    plan = _plan(request, plan_key)
    interests = plan.interests.select_related("project", "pillar").order_by("-created_at")
    return render(
        request,
        "plans/backoffice/interest_list.html",
        {"plan": plan, "interests": interests, "pending": InterestStatus.PENDING},
    )


@staff_required(module=MODULE)
@require_POST
def interest_decide(request: HttpRequest, plan_key: str, interest_id: int) -> HttpResponse:
    plan = _plan(request, plan_key)
    interest = get_object_or_404(ExpressionOfInterest.objects.filter(plan=plan), pk=interest_id)
    form = InterestDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or decline."))
    else:
        accept = form.cleaned_data["decision"] == "accept"
        services.interest_decide(actor=request_actor(request), interest=interest, accept=accept)
        if accept:
            message = _("%(name)s was accepted into the working group.")
        else:
            message = _("The request of %(name)s was declined.")
        messages.success(request, message % {"name": interest.name})
    return redirect("plans_backoffice:interest_list", plan_key=plan.key)


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest, plan_key: str) -> HttpResponse:
    plan = _plan(request, plan_key)
    today = timezone.localdate()
    form = ReportRequestForm(
        request.POST or None, initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1}
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_request(
                actor=request_actor(request),
                plan=plan,
                year=form.cleaned_data["year"],
                quarter=form.cleaned_data["quarter"],
                language=request.LANGUAGE_CODE,
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(
                request,
                _("The report for %(period)s is being prepared.")
                % {"period": quarter_label(year=report.year, quarter=report.quarter)},
            )
            return redirect("plans_backoffice:report_list", plan_key=plan.key)
    reports = MonitoringReport.objects.filter(plan=plan).select_related("requested_by")
    return render(
        request,
        "plans/backoffice/report_list.html",
        {"plan": plan, "form": form, "reports": reports},
    )
