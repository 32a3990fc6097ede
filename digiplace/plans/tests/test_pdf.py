"""The quarterly report as a tagged PDF (PDF/UA-1) with its title and language, no internal
path in it, and the same document viewable in the browser."""

from __future__ import annotations

import html as html_module
import re
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.plans import services
from digiplace.plans.models import MonitoringReport, Plan
from digiplace.plans.tests.factories import (
    MonitoringReportFactory,
    PillarFactory,
    PlanFactory,
    ProjectFactory,
)

BOTOSANI = "botosani.localhost"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def plan(botosani: Municipality) -> Plan:
    plan = PlanFactory.create(
        municipality=botosani,
        key="iap",
        title_en="Integrated action plan",
        title_ro="Planul de acțiune integrat",
        source_title="Integrated Action Plan (URBACT)",
        # What the loader stores from data/plans/*.yaml: the import's own file name.
        source_reference="seeds/000_5904d3ca92ccf8cf.txt",
    )
    pillar = PillarFactory.create(municipality=botosani, plan=plan, title_en="Mobility")
    ProjectFactory.create(municipality=botosani, pillar=pillar, title_en="Electric buses")
    return plan


def _generate(plan: Plan, language: str, capture: Any) -> MonitoringReport:
    with capture(execute=True):
        report = services.report_request(
            actor=None, plan=plan, year=2025, quarter=2, language=language
        )
    report.refresh_from_db()
    assert report.status == "ready", report.error
    return report


def _pdf_info(pdf: bytes) -> dict[str, str]:
    output = subprocess.run(
        ["pdfinfo", "-"], input=pdf, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    return {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in output.splitlines())
    }


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    ).stdout.decode()


def _catalogue_language(pdf: bytes) -> str | None:
    """The document catalogue's /Lang (WeasyPrint compresses it in an object stream)."""
    chunks = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    for chunk in chunks:
        if b"/Type /Catalog" in chunk or b"/StructTreeRoot" in chunk:
            match = re.search(rb"/Lang \(([^)]*)\)", chunk)
            if match:
                return match.group(1).decode()
    return None


def _title(document: str) -> str:
    match = re.search(r"<title>(.*?)</title>", document, re.S)
    assert match is not None
    return html_module.unescape(match.group(1)).strip()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ro", "en"])
def test_the_pdf_is_tagged_with_its_title_and_language_and_no_internal_path(
    plan: Plan, language: str, django_capture_on_commit_callbacks: Any
) -> None:
    report = _generate(plan, language, django_capture_on_commit_callbacks)
    pdf = report.pdf.read()
    document = report.html.read().decode()

    info = _pdf_info(pdf)
    assert info["Tagged"] == "yes"
    assert info["Title"] == _title(document)
    assert (
        "Integrated action plan" in info["Title"] or "Planul de acțiune integrat" in info["Title"]
    )
    assert _catalogue_language(pdf) == language
    text = _pdf_text(pdf)
    assert "Integrated Action Plan (URBACT)" in text
    for internal in ("seeds/", ".txt", str(settings.BASE_DIR), "/work", "digiplace/"):
        assert internal not in text, internal
        assert internal not in document, internal


@pytest.mark.django_db
def test_a_web_address_as_source_is_printed(
    plan: Plan, django_capture_on_commit_callbacks: Any
) -> None:
    plan.source_reference = "https://urbact.eu/networks/digiplace"
    plan.save(update_fields=["source_reference"])

    report = _generate(plan, "en", django_capture_on_commit_callbacks)

    assert "https://urbact.eu/networks/digiplace" in _pdf_text(report.pdf.read())


@pytest.mark.django_db
def test_the_report_is_viewable_as_a_web_page(
    plan: Plan, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = _generate(plan, "ro", django_capture_on_commit_callbacks)
    client.cookies["digiplace_language"] = "en"

    archive = client.get("/plans/iap/reports/", HTTP_HOST=BOTOSANI).content.decode()
    response = client.get(f"/plans/iap/reports/{report.pk}/", HTTP_HOST=BOTOSANI)

    assert f'<a href="/plans/iap/reports/{report.pk}/">View as a web page' in archive
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Disposition" not in response
    page = response.content.decode()
    assert '<html lang="ro">' in page
    assert "Planul de acțiune integrat" in page
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert re.search(r"style-src 'sha256-[A-Za-z0-9+/=]+'", policy)
    assert "unsafe-inline" not in policy
    assert "script-src" not in policy  # scripts fall back to default-src 'none'


@pytest.mark.django_db
def test_the_web_page_is_only_for_this_citys_ready_reports(
    plan: Plan, client: Client, botosani: Municipality
) -> None:
    queued = MonitoringReportFactory.create(
        municipality=botosani, plan=plan, status="queued", quarter=1
    )
    other = MunicipalityFactory.create(slug="other")
    foreign = MonitoringReportFactory.create(
        municipality=other, plan=PlanFactory.create(municipality=other, key="iap")
    )

    statuses = [
        client.get(f"/plans/iap/reports/{report.pk}/", HTTP_HOST=BOTOSANI).status_code
        for report in (queued, foreign)
    ]

    assert statuses == [404, 404]
