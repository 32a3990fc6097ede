"""The staff desk's lists: the queue of reports with its counts and bulk actions, and the
city's reply templates. Every record is read scoped by the request's municipality; every
write goes through ``services``."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_http_methods

from digiplace.core.fragments import fragment_render
from digiplace.core.parsing import parse_id
from digiplace.core.permissions import admin_required, staff_required
from digiplace.core.views.helpers import (
    form_errors_add,
    request_actor,
    request_membership,
    request_municipality,
)

from . import selectors
from .backoffice_forms import (
    BULK_STATUS,
    MY_DEPARTMENT,
    SORT_NEWEST,
    SORT_OVERDUE,
    BulkActionForm,
    QueueFilterForm,
    ReplyTemplateForm,
)
from .models import CLOSED_STATUSES, OPEN_STATUSES, ReplyTemplate, Report, ReportStatus
from .services import desk, reply_templates

MODULE = "reports"
QUEUE_PAGE_SIZE = 50


# The queue


def _queue_search(*, request: HttpRequest, form: QueueFilterForm) -> selectors.ReportFilters:
    """The queue's filters as the reports search; a filter with a value not offered is
    left out, the others still apply."""
    form.is_valid()
    data = form.cleaned_data
    status = data.get("status")
    statuses: tuple[str, ...] = ()
    if status == "open":
        statuses = tuple(OPEN_STATUSES)
    elif status == "closed":
        statuses = tuple(CLOSED_STATUSES)
    elif status:
        statuses = (status,)
    department_ids: tuple[int, ...] = ()
    department = data.get("department")
    if department == MY_DEPARTMENT:
        # Someone without a department has no "my department": nothing to narrow.
        own_department_id = request_membership(request).department_id
        if own_department_id is not None:
            department_ids = (own_department_id,)
    elif department:
        department_ids = (parse_id(department, name="department"),)
    return selectors.ReportFilters(
        include_hidden=True,
        statuses=statuses,
        category_ids=(data["category"],) if data.get("category") else (),
        department_ids=department_ids,
        neighbourhood_ids=(data["neighbourhood"],) if data.get("neighbourhood") else (),
        is_overdue=bool(data.get("overdue")),
        assigned_to_id=request_actor(request).pk if data.get("mine") else None,
        text=(data.get("q") or "").strip(),
        order=selectors.ORDER_OVERDUE_FIRST
        if data.get("sort") == SORT_OVERDUE
        else selectors.ORDER_NEWEST,
    )


def _queue_defaults(request: HttpRequest) -> QueryDict:
    """The queue opens on the open reports of my department (all the city's open reports
    for someone without a department)."""
    data = QueryDict(mutable=True)
    data["status"] = "open"
    if request_membership(request).department_id is not None:
        data["department"] = MY_DEPARTMENT
    return data


def _dashboard(request: HttpRequest) -> list[dict[str, Any]]:
    """The desk's counts, each the size of the queue its link opens (the same search)."""
    municipality = request_municipality(request)
    department = MY_DEPARTMENT if request_membership(request).department_id is not None else ""
    tiles: list[tuple[str, str, dict[str, str]]] = [
        ("new", pgettext("reports on the desk", "New"), {"status": "new"}),
        ("overdue", _("Overdue"), {"status": "open", "overdue": "on", "sort": SORT_OVERDUE}),
        ("mine", _("Assigned to me"), {"status": "open", "mine": "on"}),
        ("waiting", _("Waiting for the reporter"), {"status": ReportStatus.WAITING}),
    ]
    dashboard = []
    for key, label, filters in tiles:
        data = QueryDict(mutable=True)
        # "Assigned to me" spans every department: the work is the person's.
        data.update({"department": "" if key == "mine" else department, **filters})
        form = QueueFilterForm(data, municipality=municipality)
        count = selectors.report_search(
            municipality=municipality, filters=_queue_search(request=request, form=form)
        ).count()
        dashboard.append({"key": key, "label": label, "count": count, "query": data.urlencode()})
    return dashboard


def _queue_page(request: HttpRequest, bulk_form: BulkActionForm | None = None) -> HttpResponse:
    municipality = request_municipality(request)
    data = request.GET.copy()
    data.pop("page", None)
    if not data:
        data = _queue_defaults(request)
    form = QueueFilterForm(data, municipality=municipality)
    reports = selectors.report_search(
        municipality=municipality, filters=_queue_search(request=request, form=form)
    ).select_related("category", "neighbourhood", "department", "assigned_to")
    page = Paginator(reports, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    if bulk_form is None:
        bulk_form = BulkActionForm(municipality=municipality, auto_id="id_bulk_%s")
    ticked = set(request.POST.getlist("reports")) if request.method == "POST" else set()
    # Folded unless a filter other than the defaults and the order is in use.
    is_filtered = any(
        value
        for key, value in data.items()
        if key != "sort" and _queue_defaults(request).get(key) != value
    )
    return render(
        request,
        "reports/backoffice/report_queue.html",
        {
            "form": form,
            "page": page,
            "rows": [
                _queue_row(report, checked=str(report.pk) in ticked) for report in page.object_list
            ],
            "is_filtered": is_filtered,
            "dashboard": _dashboard(request),
            "bulk_form": bulk_form,
            "ticked": ticked,
            "query": data.urlencode(),
            "sort_links": _sort_links(data),
        },
    )


def _queue_row(report: Report, *, checked: bool) -> SafeString:
    """One row of the queue, from plain values only (``core.fragments``): rendered once per
    content in each process."""

    def day(value: datetime.datetime | None) -> tuple[str, str]:
        if value is None:
            return "", ""
        local = timezone.localtime(value)
        return local.isoformat(), formats.date_format(local, "SHORT_DATE_FORMAT")

    created_iso, created = day(report.created_at)
    expected_iso, expected = day(report.expected_at)
    return fragment_render(
        "reports/backoffice/_queue_row.html",
        {
            "pk": report.pk,
            "url": reverse("reports_backoffice:report_manage", args=[report.pk]),
            "category": str(report.category.name),
            "is_hidden": report.is_hidden,
            "description": Truncator(report.description).chars(80),
            "status": str(report.get_status_display()),
            "created_iso": created_iso,
            "created": created,
            "expected_iso": expected_iso,
            "expected": expected,
            "is_overdue": report.is_overdue,
            "department": report.department.name if report.department else "",
            "neighbourhood": report.neighbourhood.name if report.neighbourhood else "",
            "assignee": str(report.assigned_to) if report.assigned_to else "",
            "checked": checked,
        },
    )


def _sort_links(data: QueryDict) -> list[dict[str, Any]]:
    current = SORT_OVERDUE if data.get("sort") == SORT_OVERDUE else SORT_NEWEST
    links = []
    for value, label in ((SORT_NEWEST, _("Newest first")), (SORT_OVERDUE, _("Most overdue first"))):
        query = data.copy()
        query["sort"] = value
        links.append({"label": label, "query": query.urlencode(), "is_current": value == current})
    return links


@staff_required(module=MODULE)
def report_queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request)


@staff_required(module=MODULE)
@require_http_methods(["POST"])
def report_bulk(request: HttpRequest) -> HttpResponse:
    """One action for the reports ticked in the queue, all or nothing."""
    municipality = request_municipality(request)
    query = QueryDict(request.POST.get("query", "")).urlencode()
    form = BulkActionForm(request.POST, municipality=municipality, auto_id="id_bulk_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == BULK_STATUS:
                outcome = desk.reports_bulk_change_status(
                    municipality=municipality,
                    membership=request_membership(request),
                    actor=request_actor(request),
                    report_ids=data["reports"],
                    status=data["status"],
                )
            else:
                outcome = desk.reports_bulk_assign(
                    municipality=municipality,
                    membership=request_membership(request),
                    actor=request_actor(request),
                    report_ids=data["reports"],
                    assignee=form.assignee_user(),
                )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            changed = len(outcome.changed)
            messages.success(
                request,
                ngettext(
                    "%(count)d report was changed.", "%(count)d reports were changed.", changed
                )
                % {"count": changed},
            )
            if outcome.unchanged:
                messages.info(
                    request,
                    _("Already so, left as they were: %(numbers)s.")
                    % {"numbers": ", ".join(f"#{number}" for number in outcome.unchanged)},
                )
            return redirect(
                reverse("reports_backoffice:report_queue") + (f"?{query}" if query else "")
            )
    request.GET = QueryDict(query)
    return _queue_page(request, bulk_form=form)


# Reply templates


def _reply_template_data(form: ReplyTemplateForm) -> reply_templates.ReplyTemplateData:
    data = form.cleaned_data
    return reply_templates.ReplyTemplateData(
        category=form.chosen_category(),
        title_ro=data["title_ro"],
        text_ro=data["text_ro"],
        title_en=data.get("title_en") or "",
        text_en=data.get("text_en") or "",
        position=data["position"],
        is_active=bool(data.get("is_active")),
    )


@admin_required
@require_http_methods(["GET", "POST"])
def reply_template_list(request: HttpRequest) -> HttpResponse:
    """The city's reply templates, and a form for a new one."""
    municipality = request_municipality(request)
    form = ReplyTemplateForm(
        request.POST or None, municipality=municipality, initial={"is_active": True}
    )
    if request.method == "POST" and form.is_valid():
        try:
            template = reply_templates.reply_template_create(
                municipality=municipality,
                actor=request_actor(request),
                data=_reply_template_data(form),
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(
                request, _("The template “%(title)s” was added.") % {"title": template.title}
            )
            return redirect("reports_backoffice:reply_template_list")
    templates = (
        ReplyTemplate.objects.for_municipality(municipality)
        .select_related("category")
        .order_by("-is_active", F("category__name").asc(nulls_first=True), "position", "id")
    )
    return render(
        request,
        "reports/backoffice/reply_template_list.html",
        {"form": form, "reply_templates": templates},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def reply_template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    municipality = request_municipality(request)
    template = get_object_or_404(
        ReplyTemplate.objects.for_municipality(municipality).select_related("municipality"),
        pk=template_id,
    )
    initial = {
        "category": template.category_id,
        "title_ro": template.title_ro,  # type: ignore[attr-defined]
        "text_ro": template.text_ro,  # type: ignore[attr-defined]
        "title_en": template.title_en or "",  # type: ignore[attr-defined]
        "text_en": template.text_en or "",  # type: ignore[attr-defined]
        "position": template.position,
        "is_active": template.is_active,
    }
    form = ReplyTemplateForm(request.POST or None, municipality=municipality, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reply_templates.reply_template_update(
                template=template, actor=request_actor(request), data=_reply_template_data(form)
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("The template was saved."))
            return redirect("reports_backoffice:reply_template_list")
    return render(
        request,
        "reports/backoffice/reply_template_edit.html",
        {"form": form, "reply_template": template},
    )
