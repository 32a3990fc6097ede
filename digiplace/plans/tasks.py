"""Background work of the plans module: rendering quarterly monitoring reports."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django_tasks import task

from .models import MonitoringReport, ReportStatus
from .reports import report_html_render, report_pdf_render

logger = logging.getLogger(__name__)


@task()
def report_generate(*, report_id: int) -> str:
    """Render one report to HTML and PDF and archive both files."""
    report = MonitoringReport.objects.select_related("plan", "plan__municipality").get(pk=report_id)
    try:
        with (
            translation.override(report.language),
            timezone.override(report.plan.municipality.time_zone),
        ):
            html = report_html_render(report=report)
            pdf = report_pdf_render(html=html)
    except Exception as error:  # the report records the failure for staff to see
        logger.exception("Monitoring report %s failed", report_id)
        MonitoringReport.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED, error=str(error)[:2000]
        )
        return ReportStatus.FAILED
    stem = f"{report.plan.key}-{report.year}-q{report.quarter}-{report.language}"
    if report.html:
        report.html.delete(save=False)
    if report.pdf:
        report.pdf.delete(save=False)
    report.html.save(f"{stem}.html", ContentFile(html.encode("utf-8")), save=False)
    report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    report.status = ReportStatus.READY
    report.generated_at = timezone.now()
    report.error = ""
    report.save()
    return ReportStatus.READY
