"""The public portal of a city's plan: thin views over selectors, in Romanian and English.

Plans are always looked up within the host's municipality, so another city's plan (and
any plan on the platform host) answers 404.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from digiplace.core import links, throttles
from digiplace.core.templatetags.digiplace import chart_data
from digiplace.core.throttles import throttled, throttles_allow
from digiplace.core.views.helpers import form_errors_add, request_municipality, request_user

from . import selectors, services
from .forms import InterestForm, ProjectFilterForm
from .links import PROJECT, WORKING_GROUP, key_make
from .models import (
    Activity,
    Kpi,
    Objective,
    Pillar,
    Plan,
    Project,
    SmartCityDimension,
    WorkingGroup,
)
from .templatetags.plans_tags import KPI_STATUS_LABELS, status_label

PROJECTS_PER_PAGE = 25
DOWNLOAD_TABLES = ("projects", "activities", "kpis", "measurements")


@dataclass(frozen=True)
class WorkingGroupRow:
    """A working group and what other modules list in it (its member organisations)."""

    group: WorkingGroup
    backlinks: list[links.Backlink]


def _working_group_rows(
    request: HttpRequest, plan: Plan, groups: list[WorkingGroup]
) -> list[WorkingGroupRow]:
    municipality = request_municipality(request)
    return [
        WorkingGroupRow(
            group=group,
            backlinks=links.backlinks(
                municipality=municipality,
                ref=links.ref_make(WORKING_GROUP, key_make(plan.key, group.key)),
            ),
        )
        for group in groups
    ]


def _group_members(
    request: HttpRequest, plan: Plan, bodies: list[selectors.GovernanceBodyView]
) -> list[tuple[str, list[links.Backlink]]]:
    municipality = request_municipality(request)
    found = []
    for body in bodies:
        for group in body.working_groups:
            ref = links.ref_make(WORKING_GROUP, key_make(plan.key, group.key))
            members = links.backlinks(municipality=municipality, ref=ref)
            if members:
                found.append((group.key, members))
    return found


def _plan_figures(request: HttpRequest, plan_key: str) -> tuple[Plan, selectors.PlanFigures]:
    """The plan and its figures (two cache reads while nothing changed), or 404."""
    found = selectors.plan_get_with_figures(
        municipality=request_municipality(request), key=plan_key
    )
    if found is None:
        raise Http404
    return found


def _pillar(figures: selectors.PlanFigures, pillar_key: str) -> Pillar:
    pillar = figures.pillar(pillar_key)
    if pillar is None:
        raise Http404
    return pillar


def _project(plan: Plan, figures: selectors.PlanFigures, project_key: str) -> selectors.ProjectPage:
    found = selectors.project_page_get(plan=plan, figures=figures, key=project_key)
    if found is None:
        raise Http404
    return found


@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    rows = [
        (plan, figures.progress.plan.shown_percent)
        for plan, figures in selectors.plan_list_with_figures(
            municipality=request_municipality(request)
        )
    ]
    return render(request, "plans/plan_list.html", {"rows": rows})


@require_GET
def plan_detail(request: HttpRequest, plan_key: str) -> HttpResponse:
    plan, figures = _plan_figures(request, plan_key)
    progress = figures.progress
    dimensions = dict(SmartCityDimension.choices)
    pillars = [
        {
            "pillar": pillar,
            "percent": progress.pillars[pillar.pk].shown_percent,
            "projects": progress.pillars[pillar.pk].projects,
            "dimensions": [
                str(dimensions.get(code, code)) for code in pillar.smart_city_dimensions
            ],
            "objectives": figures.objectives(pillar),
        }
        for pillar in figures.pillars
    ]
    context = {
        "plan": plan,
        "plan_section": "overview",
        "percent": progress.plan.shown_percent,
        "project_count": progress.plan.projects,
        "pillars": pillars,
        "risks": figures.plan_risks,
        "governance_bodies": figures.governance_bodies,
        # Each working group's members from other modules (organisations), by group key.
        "group_members": _group_members(request, plan, figures.governance_bodies),
        "download_tables": DOWNLOAD_TABLES,
    }
    return render(request, "plans/plan_detail.html", context)


def _project_rows(
    figures: selectors.PlanFigures, projects: Any
) -> list[tuple[Project, int | None]]:
    known = figures.progress.projects
    rows = selectors.project_rows_pillars_set(projects, pillars=figures.pillars)
    return [(project, known.get(project.pk)) for project in rows]


def _kpis(kpis: QuerySet[Kpi]) -> QuerySet[Kpi]:
    """The KPI tables and charts show no pillar, objective or project: no joins."""
    return kpis.select_related(None)


def _interest_form_initial(request: HttpRequest) -> dict[str, str]:
    if request.user.is_authenticated:
        return {"name": request.user.get_full_name(), "email": request.user.email}
    return {}


def _pillar_page(
    request: HttpRequest,
    plan: Plan,
    figures: selectors.PlanFigures,
    pillar: Pillar,
    form: InterestForm,
    status: int = 200,
) -> HttpResponse:
    progress = figures.progress
    projects = selectors.project_rows(selectors.project_list(plan=plan, pillar=pillar.key))
    context = {
        "plan": plan,
        "pillar": pillar,
        "percent": progress.pillars[pillar.pk].shown_percent,
        "objectives": [
            (objective, progress.objectives[objective.pk].shown_percent)
            for objective in figures.objectives(pillar)
        ],
        "project_rows": _project_rows(figures, projects),
        "readings": figures.kpi_readings(kpis=_kpis(selectors.kpi_list(plan=plan, pillar=pillar))),
        "working_group_rows": _working_group_rows(
            request, plan, figures.pillar_working_groups.get(pillar.pk, [])
        ),
        "interest_count": figures.pillar_interest_counts.get(pillar.pk, 0),
        "form": form,
    }
    return render(request, "plans/pillar_detail.html", context, status=status)


@require_GET
def pillar_detail(request: HttpRequest, plan_key: str, pillar_key: str) -> HttpResponse:
    plan, figures = _plan_figures(request, plan_key)
    pillar = _pillar(figures, pillar_key)
    return _pillar_page(
        request, plan, figures, pillar, InterestForm(initial=_interest_form_initial(request))
    )


@require_POST
def pillar_interest_create(request: HttpRequest, plan_key: str, pillar_key: str) -> HttpResponse:
    """A request to join the working group of a whole pillar (theme or ambition)."""
    plan, figures = _plan_figures(request, plan_key)
    pillar = _pillar(figures, pillar_key)
    return _interest_submit(
        request,
        plan,
        {"pillar": pillar},
        success_url=reverse("plans:pillar_detail", args=[plan.key, pillar.key]),
        page=lambda form: _pillar_page(request, plan, figures, pillar, form, status=400),
    )


def _interest_submit(
    request: HttpRequest,
    plan: Plan,
    target: dict[str, Any],
    *,
    success_url: str,
    page: Callable[[InterestForm], HttpResponse],
) -> HttpResponse:
    """Validate and record a request to join a working group; the page again on errors."""
    form = InterestForm(request.POST)
    if form.is_valid():
        if not throttles_allow(
            request,
            per_client=throttles.WORKING_GROUP_JOIN_PER_CLIENT,
            per_target=throttles.WORKING_GROUP_JOIN_PER_ADDRESS,
            target=form.cleaned_data["email"],
        ):
            form.add_error(None, throttles.THROTTLED_MESSAGE)
            return throttled(page(form))
        try:
            services.interest_create(
                plan=plan,
                user=request_user(request),
                **target,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(
                request,
                _("Thank you. City staff will read your request and answer you by email."),
            )
            return HttpResponseRedirect(f"{success_url}#working-group")
    return page(form)


@require_GET
def objective_detail(
    request: HttpRequest, plan_key: str, pillar_key: str, objective_key: str
) -> HttpResponse:
    plan, figures = _plan_figures(request, plan_key)
    pillar = _pillar(figures, pillar_key)
    objective: Objective | None = next(
        (objective for objective in figures.objectives(pillar) if objective.key == objective_key),
        None,
    )
    if objective is None:
        raise Http404
    projects = selectors.project_rows(selectors.project_list(plan=plan).filter(objective=objective))
    kpis = _kpis(selectors.kpi_list(plan=plan, objective=objective))
    context = {
        "plan": plan,
        "pillar": pillar,
        "objective": objective,
        "percent": figures.progress.objectives[objective.pk].shown_percent,
        "project_rows": _project_rows(figures, projects),
        "readings": figures.kpi_readings(kpis=kpis),
    }
    return render(request, "plans/objective_detail.html", context)


@require_GET
def project_list(request: HttpRequest, plan_key: str) -> HttpResponse:
    plan, figures = _plan_figures(request, plan_key)
    options = figures.filter_options
    form = ProjectFilterForm(
        request.GET or None,
        pillars=figures.pillars,
        pillar_label=plan.pillar_label,
        options=options,
    )
    filters = form.filters()
    projects = selectors.project_rows(selectors.project_list(plan=plan, **filters))
    form.facets_apply(
        selectors.project_facets(
            plan=plan, years=options["years"], rows=figures.facet_rows, **filters
        )
    )
    page = Paginator(projects, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "plan": plan,
        "plan_section": "projects",
        "form": form,
        "page": page,
        "project_rows": _project_rows(figures, page.object_list),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        response = render(request, "plans/_project_results_fragment.html", context)
    else:
        response = render(request, "plans/project_list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _project_page(
    request: HttpRequest,
    plan: Plan,
    figures: selectors.PlanFigures,
    found: selectors.ProjectPage,
    form: InterestForm,
    status: int = 200,
) -> HttpResponse:
    project, activities, series = found.project, found.activities, found.series
    readings = figures.kpi_readings(kpis=found.kpis)
    context = {
        "plan": plan,
        "plan_section": "projects",
        "project": project,
        "percent": figures.progress.projects.get(project.pk),
        "activities": activities,
        "gantt": _gantt(project=project, activities=activities),
        "kpi_charts": [
            (reading, _kpi_chart(kpi=reading.kpi, series=series[reading.kpi.pk]))
            for reading in readings
        ],
        "risks": found.risks,
        "working_group_rows": _working_group_rows(request, plan, found.working_groups),
        # What other modules link to the project (processes, proposals, local actors).
        "backlinks": links.backlinks(
            municipality=request_municipality(request),
            ref=links.ref_make(PROJECT, key_make(plan.key, project.key)),
        ),
        "interest_count": figures.project_interest_counts.get(project.pk, 0),
        "changes": found.changes,
        "features": _project_features(project=project),
        "form": form,
    }
    return render(request, "plans/project_detail.html", context, status=status)


@require_GET
def project_detail(request: HttpRequest, plan_key: str, project_key: str) -> HttpResponse:
    plan, figures = _plan_figures(request, plan_key)
    found = _project(plan, figures, project_key)
    return _project_page(
        request, plan, figures, found, InterestForm(initial=_interest_form_initial(request))
    )


@require_POST
def interest_create(request: HttpRequest, plan_key: str, project_key: str) -> HttpResponse:
    plan, figures = _plan_figures(request, plan_key)
    found = _project(plan, figures, project_key)
    return _interest_submit(
        request,
        plan,
        {"project": found.project},
        success_url=reverse("plans:project_detail", args=[plan.key, found.project.key]),
        page=lambda form: _project_page(request, plan, figures, found, form, status=400),
    )


@require_GET
def status_overview(request: HttpRequest, plan_key: str) -> HttpResponse:
    plan, figures = _plan_figures(request, plan_key)
    counts = [
        (code, label or _("Not stated"), count) for code, label, count in figures.status_counts
    ]
    located = list(selectors.located_projects(plan=plan))
    context = {
        "plan": plan,
        "plan_section": "status",
        "counts": counts,
        "total": sum(count for _code, _label, count in counts),
        "status_chart": chart_data(
            chart_type="bar",
            labels=[label for _code, label, _count in counts],
            datasets=[{"label": _("Projects"), "data": [count for *_rest, count in counts]}],
            label_title=_("Status"),
        ),
        "changes": list(selectors.recent_changes(plan=plan)),
        "located": located,
        "features": _projects_features(plan=plan, projects=located),
    }
    return render(request, "plans/status_overview.html", context)


@require_GET
def budget_dashboard(request: HttpRequest, plan_key: str) -> HttpResponse:
    plan, figures = _plan_figures(request, plan_key)
    summary = figures.budget
    amount_label = _("Budget (%(currency)s)") % {"currency": summary.currency}

    def chart(rows: list[Any], label_title: str) -> dict[str, Any]:
        return chart_data(
            chart_type="bar",
            labels=[label or _("Not stated") for label, _amount in rows],
            datasets=[{"label": amount_label, "data": [round(amount) for _label, amount in rows]}],
            label_title=label_title,
        )

    context = {
        "plan": plan,
        "plan_section": "budget",
        "summary": summary,
        "pillar_chart": chart(summary.by_pillar, plan.pillar_label),
        "programme_chart": chart(summary.by_programme, _("Funding programme")),
        "status_chart": chart(summary.by_status, _("Status")),
    }
    return render(request, "plans/budget_dashboard.html", context)


KPIS_PER_PAGE = 50


@require_GET
def kpi_dashboard(request: HttpRequest, plan_key: str) -> HttpResponse:
    plan, figures = _plan_figures(request, plan_key)
    pillars = figures.pillars
    pillar_key = request.GET.get("pillar", "")
    if pillar_key not in {pillar.key for pillar in pillars}:
        pillar_key = ""
    kpis = _kpis(selectors.kpi_list(plan=plan, pillar_key=pillar_key))
    counted = figures.kpi_status_counts(pillar_key=pillar_key)
    page = Paginator(kpis, KPIS_PER_PAGE).get_page(request.GET.get("page"))
    readings = figures.kpi_readings(kpis=list(page.object_list))
    context = {
        "plan": plan,
        "plan_section": "kpis",
        "pillars": pillars,
        "pillar_key": pillar_key,
        "readings": readings,
        "page": page,
        "status_counts": [
            (code, label, counted.get(code, 0)) for code, label in KPI_STATUS_LABELS.items()
        ],
    }
    return render(request, "plans/kpi_dashboard.html", context)


# --- Presentation helpers: shapes the templates and the chart/map components take ------


@dataclass
class GanttBar:
    offset: float
    span: float


@dataclass
class Gantt:
    start: datetime.date
    end: datetime.date
    years: list[tuple[int, float]]
    rows: list[tuple[Activity, GanttBar | None]]


def _gantt(*, project: Project, activities: list[Activity]) -> Gantt | None:
    """Bars as percentages of the period from the earliest start to the latest end."""
    dated = [a for a in activities if a.start_date is not None and a.end_date is not None]
    if not dated:
        return None
    start = min(a.start_date for a in dated if a.start_date is not None)
    end = max(a.end_date for a in dated if a.end_date is not None)
    days = max((end - start).days, 1)

    def position(day: datetime.date) -> float:
        return round(100 * (day - start).days / days, 2)

    rows: list[tuple[Activity, GanttBar | None]] = []
    for activity in activities:
        if activity.start_date is None or activity.end_date is None:
            rows.append((activity, None))
            continue
        offset = position(activity.start_date)
        span = min(max(position(activity.end_date) - offset, 1.0), 100.0 - offset)
        rows.append((activity, GanttBar(offset=offset, span=span)))
    years = [
        (year, position(datetime.date(year, 1, 1)) if year > start.year else 0.0)
        for year in range(start.year, end.year + 1)
    ]
    return Gantt(start=start, end=end, years=years, rows=rows)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _kpi_chart(*, kpi: Kpi, series: list[tuple[datetime.date, Decimal]]) -> dict[str, Any] | None:
    """Measurements and the expected straight line from baseline to target, on one axis."""
    measured = dict(series)
    dates = set(measured)
    if kpi.baseline_date is not None and kpi.baseline_value is not None:
        dates.add(kpi.baseline_date)
    if kpi.target_date is not None and kpi.target_value is not None:
        dates.add(kpi.target_date)
    if len(dates) < 2 and not measured:
        return None
    ordered = sorted(dates)
    expected = [_float(selectors.kpi_expected_value(kpi=kpi, on=day)) for day in ordered]
    values = [_float(measured.get(day)) for day in ordered]
    labels = [formats.date_format(day, "SHORT_DATE_FORMAT") for day in ordered]
    datasets = [{"label": _("Measured"), "data": values}]
    if any(value is not None for value in expected):
        datasets.append({"label": _("Expected (baseline → target)"), "data": expected})
    chart = chart_data(chart_type="line", labels=labels, datasets=datasets, label_title=_("Date"))
    chart["id"] = f"kpi-chart-{kpi.pk}"
    chart["data_id"] = f"kpi-chart-{kpi.pk}-data"
    chart["table"] = list(zip(labels, values, expected, strict=True))
    return chart


def _point(project: Project, plan_key: str, description: str = "") -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [project.longitude, project.latitude]},
        "properties": {
            "title": project.title,
            "url": reverse("plans:project_detail", args=[plan_key, project.key]),
            "description": description,
        },
    }


def _projects_features(*, plan: Plan, projects: list[Project]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            _point(project, plan.key, status_label(project.status)) for project in projects
        ],
    }


def _project_features(*, project: Project) -> dict[str, Any] | None:
    features = []
    if project.has_location:
        features.append(_point(project, project.plan.key))
    area = project.area
    if isinstance(area, dict) and area.get("type") == "Feature":
        features.append({**area, "properties": {"title": project.title}})
    elif isinstance(area, dict) and area.get("type") in {"Polygon", "MultiPolygon", "LineString"}:
        features.append(
            {"type": "Feature", "geometry": area, "properties": {"title": project.title}}
        )
    return {"type": "FeatureCollection", "features": features} if features else None
