"""Public documents of a plan: the archive of quarterly reports and the open-data downloads."""

from __future__ import annotations

import base64
import hashlib
import json
import re

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


def _ready_report(
    request: HttpRequest, plan_key: str, report_id: int
) -> tuple[Plan, MonitoringReport]:
    plan = _plan(request, plan_key)
    report = get_object_or_404(
        MonitoringReport.objects.filter(plan=plan, status=ReportStatus.READY), pk=report_id
    )
    return plan, report


def _style_hashes(html: str) -> list[str]:
    """CSP sources for the document's own ``<style>`` elements, and for nothing else."""
    return [
        "'sha256-{}'".format(
            base64.b64encode(hashlib.sha256(style.encode()).digest()).decode("ascii")
        )
        for style in re.findall(r"<style>(.*?)</style>", html, re.S)
    ]


def report_view(request: HttpRequest, plan_key: str, report_id: int) -> HttpResponse:
    """A ready report's archived HTML, shown in the browser: the same document as the PDF.
    Its own styles are allowed by their hashes; no script, form or outside resource."""
    _, report = _ready_report(request, plan_key, report_id)
    if not report.html:
        raise Http404
    try:
        with report.html.open("rb") as handle:
            html = handle.read().decode("utf-8")
    except FileNotFoundError as error:
        raise Http404 from error
    response = HttpResponse(html, content_type=REPORT_CONTENT_TYPES["html"])
    response.headers["Content-Security-Policy"] = "; ".join(
        (
            "default-src 'none'",
            "style-src " + (" ".join(_style_hashes(html)) or "'none'"),
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "sandbox allow-popups allow-popups-to-escape-sandbox",
        )
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def report_download(
    request: HttpRequest, plan_key: str, report_id: int, file_format: str
) -> HttpResponseBase:
    """A ready report's PDF or HTML, always as an attachment: the HTML carries its own
    styles, which the pages' Content-Security-Policy would block if shown inline."""
    if file_format not in REPORT_CONTENT_TYPES:
        raise Http404
    plan, report = _ready_report(request, plan_key, report_id)
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
