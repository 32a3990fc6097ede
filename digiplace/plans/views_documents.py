"""Public documents of a plan: the archive of quarterly reports and the open-data downloads."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render

from digiplace.core.views.helpers import request_municipality

from . import exports, selectors
from .models import MonitoringReport, Plan, ReportStatus

REPORT_CONTENT_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def _plan(request: HttpRequest, plan_key: str) -> Plan:
    plan = selectors.plan_get(municipality=request_municipality(request), key=plan_key)
    if plan is None:
        raise Http404
    return plan


def report_list(request: HttpRequest, plan_key: str) -> HttpResponse:
    plan = _plan(request, plan_key)
    reports = MonitoringReport.objects.filter(plan=plan, status=ReportStatus.READY).order_by(
        "-year", "-quarter", "language"
    )
    return render(
        request,
        "plans/documents/archive.html",
        {"plan": plan, "reports": reports, "tables": exports.CSV_TABLES},
    )


def report_download(
    request: HttpRequest, plan_key: str, report_id: int, file_format: str
) -> HttpResponseBase:
    """A ready report's PDF or HTML, always as an attachment: the HTML carries its own
    styles, which the pages' Content-Security-Policy would block if shown inline."""
    if file_format not in REPORT_CONTENT_TYPES:
        raise Http404
    plan = _plan(request, plan_key)
    report = get_object_or_404(
        MonitoringReport.objects.filter(plan=plan, status=ReportStatus.READY), pk=report_id
    )
    stored = report.pdf if file_format == "pdf" else report.html
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    filename = f"{plan.key}-{report.year}-q{report.quarter}-{report.language}.{file_format}"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=REPORT_CONTENT_TYPES[file_format],
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def plan_download_json(request: HttpRequest, plan_key: str) -> HttpResponse:
    plan = _plan(request, plan_key)
    data = exports.plan_export(plan=plan)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{plan.key}.json"'
    return response


def plan_download_csv(request: HttpRequest, plan_key: str, table: str) -> HttpResponseBase:
    if table not in exports.CSV_TABLES:
        raise Http404
    plan = _plan(request, plan_key)
    response = StreamingHttpResponse(
        exports.plan_csv_lines(plan=plan, table=table), content_type="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{plan.key}-{table}.csv"'
    return response
