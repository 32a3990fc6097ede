"""The quarterly monitoring report: its content, the HTML and PDF end to end, the public
archive and downloads."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.plans import services
from digiplace.plans.models import Activity, ChangeRecord, MonitoringReport, Plan
from digiplace.plans.reports import report_context, report_html_render
from digiplace.plans.tests.factories import (
    ActivityFactory,
    ChangeRecordFactory,
    KpiFactory,
    MeasurementFactory,
    MonitoringReportFactory,
    ObjectiveFactory,
    PillarFactory,
    PlanFactory,
    ProjectFactory,
    RiskFactory,
)

BOTOSANI = "botosani.localhost"


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


# PDF text: poppler's pdftotext where installed, else a reader of WeasyPrint's own output
# (Flate streams, Type0 fonts with ToUnicode maps, hex glyph strings).


def _pdf_objects(pdf: bytes) -> dict[int, bytes]:
    objects: dict[int, bytes] = {}
    for match in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", pdf, re.S):
        objects[int(match[1])] = match[2]
    for body in list(objects.values()):
        if b"/ObjStm" in body.split(b"stream", 1)[0]:
            data = _stream(body)
            first = int(re.search(rb"/First (\d+)", body)[1])  # type: ignore[index]
            header = data[:first].split()
            offsets = [(int(header[i]), int(header[i + 1])) for i in range(0, len(header), 2)]
            for index, (number, offset) in enumerate(offsets):
                end = offsets[index + 1][1] if index + 1 < len(offsets) else len(data) - first
                objects[number] = data[first + offset : first + end]
    return objects


def _stream(body: bytes) -> bytes:
    data = body.split(b"stream", 1)[1].lstrip(b"\r\n")
    return zlib.decompressobj().decompress(data)


def _cmap(data: bytes) -> dict[str, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            mapping[code.decode().lower()] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for start, end, text in re.findall(
            rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            first = int(text, 16)
            for offset, code in enumerate(range(int(start, 16), int(end, 16) + 1)):
                mapping[f"{code:0{len(start)}x}"] = chr(first + offset)
    return mapping


def pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext"):
        result = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
        )
        return result.stdout.decode()
    objects = _pdf_objects(pdf)
    fonts: dict[str, dict[str, str]] = {}
    for body in objects.values():
        font = re.search(rb"/BaseFont /([A-Z]{6})\+.*?/ToUnicode (\d+) 0 R", body, re.S)
        if font:
            fonts[font[1].decode()] = _cmap(_stream(objects[int(font[2])]))
    pages = [
        int(number)
        for body in objects.values()
        if b"/Type /Page/" in body or b"/Type /Page>" in body
        for number in re.findall(rb"/Contents (\d+) 0 R", body)
    ]
    text: list[str] = []
    for number in pages:
        cmap: dict[str, str] = {}
        content = _stream(objects[number])
        for token in re.finditer(rb"/(\w+) [\d.]+ Tf|<([0-9a-fA-F]+)>|(ET)", content):
            if token[1]:
                cmap = fonts.get(token[1].decode(), {})
            elif token[2]:
                code = token[2].decode().lower()
                text.extend(cmap.get(code[i : i + 4], "") for i in range(0, len(code), 4))
            else:
                text.append("\n")
    return "".join(text)


def _squeezed(text: str) -> str:
    return "".join(text.split())


# Content


@pytest.fixture
def plan(botosani: Municipality) -> Plan:
    return PlanFactory.create(municipality=botosani, key="iap", title_en="Integrated action plan")


def _at(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_report_context_has_progress_changes_kpis_risks_and_budget(plan: Plan) -> None:
    municipality = plan.municipality
    pillar = PillarFactory.create(municipality=municipality, plan=plan, key="T1")
    objective = ObjectiveFactory.create(municipality=municipality, pillar=pillar, key="O1")
    project = ProjectFactory.create(
        municipality=municipality,
        pillar=pillar,
        objective=objective,
        status="in_progress",
        budget_amount=Decimal("467800"),
    )
    ProjectFactory.create(
        municipality=municipality, pillar=pillar, status="planned", budget_amount=Decimal("1000")
    )
    activity = ActivityFactory.create(
        municipality=municipality, project=project, title_en="Audit", progress=50
    )
    ChangeRecordFactory.create(
        municipality=municipality,
        project=project,
        activity=activity,
        field="status",
        old_value="planned",
        new_value="in_progress",
        changed_at=_at(2024, 5, 2),
    )
    ChangeRecordFactory.create(
        municipality=municipality, project=project, activity=activity, changed_at=_at(2024, 7, 1)
    )
    kpi = KpiFactory.create(municipality=municipality, plan=plan, unit="%")
    MeasurementFactory.create(municipality=municipality, kpi=kpi, date=datetime.date(2024, 6, 1))
    MeasurementFactory.create(
        municipality=municipality, kpi=kpi, date=datetime.date(2024, 8, 1), value=Decimal("99")
    )
    RiskFactory.create(municipality=municipality, plan=plan, description_en="Open risk")
    RiskFactory.create(
        municipality=municipality, plan=plan, description_en="Closed risk", status="closed"
    )

    context = report_context(plan=plan, year=2024, quarter=2)

    assert (context["start"], context["end"]) == (
        datetime.date(2024, 4, 1),
        datetime.date(2024, 6, 30),
    )
    assert [
        (row["pillar"].key, row["progress"], row["projects"]) for row in context["pillars"]
    ] == [("T1", 25, 2)]
    assert [
        (row["objective"].key, row["progress"]) for row in context["pillars"][0]["objectives"]
    ] == [("O1", 50)]
    assert [
        (change.subject, change.what, change.old_value, change.new_value)
        for change in context["activity_changes"]
    ] == [(str(activity), "Status", "Planned", "In progress")]
    [kpi_row] = context["kpi_rows"]
    assert kpi_row["reading"].latest_value == Decimal("20")  # the August value is after the quarter
    assert [str(risk.description) for risk in context["risks"]] == ["Open risk"]
    assert dict(context["budget"].by_status) == {
        "In progress": Decimal("467800"),
        "Planned": Decimal("1000"),
    }


@pytest.mark.django_db
def test_report_html_is_a_standalone_document_in_the_reports_language(plan: Plan) -> None:
    PillarFactory.create(
        municipality=plan.municipality,
        plan=plan,
        title_ro="Clădiri eficiente",
        title_en="Buildings",
    )
    report = MonitoringReportFactory.create(
        municipality=plan.municipality, plan=plan, year=2024, quarter=3, language="ro"
    )

    html = report_html_render(report=report)

    assert html.lstrip().startswith("<!doctype html>")
    assert '<html lang="ro">' in html
    assert "<style>" in html
    assert "<script" not in html
    assert "Clădiri eficiente" in html
    assert "Buildings" not in html


# End to end: a status change, the worker, the PDF


@pytest.mark.django_db
def test_staff_change_appears_in_the_generated_html_and_pdf(
    plan: Plan, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    municipality = plan.municipality
    staff = StaffMembershipFactory.create(
        municipality=municipality, user=UserFactory.create(), modules=["plans"]
    )
    project = ProjectFactory.create(
        municipality=municipality, pillar__plan=plan, pillar__municipality=municipality, key="1.2"
    )
    activity = ActivityFactory.create(
        municipality=municipality,
        project=project,
        number="1.2.3",
        title_en="Thermal insulation of the town hall",
    )
    client.force_login(staff.user)
    client.cookies["digiplace_language"] = "en"
    today = timezone.localdate()

    client.post(
        f"/backoffice/plans/iap/activities/{activity.pk}/",
        {"status": "completed"},
        HTTP_HOST=BOTOSANI,
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/backoffice/plans/iap/reports/",
            {"year": str(today.year), "quarter": str((today.month - 1) // 3 + 1)},
            HTTP_HOST=BOTOSANI,
        )

    report = MonitoringReport.objects.get(plan=plan)
    assert report.status == "ready", report.error
    html = report.html.read().decode()
    assert "Thermal insulation of the town hall" in html
    assert "Completed" in html
    pdf = report.pdf.read()
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert _squeezed("1.2.3 Thermal insulation of the town hall") in _squeezed(text)
    assert _squeezed("Activities that changed in the quarter") in _squeezed(text)


@pytest.mark.django_db
def test_report_without_changes_says_so(plan: Plan) -> None:
    report = MonitoringReportFactory.create(
        municipality=plan.municipality, plan=plan, year=2023, quarter=1, language="en"
    )

    html = report_html_render(report=report)

    assert "No activity changed its status or progress in this quarter." in html
    assert "This plan has no indicators yet." in html


def test_report_says_not_stated_where_no_progress_is_known(plan: Plan) -> None:
    municipality = plan.municipality
    pillar = PillarFactory.create(municipality=municipality, plan=plan, key="T1")
    ProjectFactory.create(municipality=municipality, pillar=pillar, status="")
    report = MonitoringReportFactory.create(
        municipality=municipality, plan=plan, year=2023, quarter=1, language="en"
    )

    context = report_context(plan=plan, year=2023, quarter=1)
    html = report_html_render(report=report)

    assert context["plan_progress"] is None
    assert context["pillars"][0]["progress"] is None
    body = html.split("<body", 1)[1]
    assert "Not stated" in body
    assert "0%" not in body


# Public archive and downloads


def _ready_report(plan: Plan, **fields: Any) -> MonitoringReport:
    report = MonitoringReportFactory.create(
        municipality=plan.municipality, plan=plan, year=2024, quarter=2, language="en", **fields
    )
    from django.core.files.base import ContentFile

    report.html.save("r.html", ContentFile(b"<!doctype html><style>p{}</style><p>Report</p>"))
    report.pdf.save("r.pdf", ContentFile(b"%PDF-1.7 report"))
    return report


@pytest.mark.django_db
def test_public_archive_lists_only_ready_reports(plan: Plan, client: Client) -> None:
    ready = _ready_report(plan)
    queued = MonitoringReportFactory.create(
        municipality=plan.municipality, plan=plan, year=2023, quarter=4, status="queued"
    )
    client.cookies["digiplace_language"] = "en"

    page = client.get("/plans/iap/reports/", HTTP_HOST=BOTOSANI).content.decode()

    assert f"/plans/iap/reports/{ready.pk}.pdf" in page
    assert f"/plans/iap/reports/{queued.pk}.pdf" not in page
    assert "/plans/iap/download.json" in page
    assert "/plans/iap/download/measurements.csv" in page


@pytest.mark.django_db
def test_report_downloads_are_attachments(plan: Plan, client: Client) -> None:
    report = _ready_report(plan)

    pdf = client.get(f"/plans/iap/reports/{report.pk}.pdf", HTTP_HOST=BOTOSANI)
    html = client.get(f"/plans/iap/reports/{report.pk}.html", HTTP_HOST=BOTOSANI)

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="iap-2024-q2-en.pdf"'
    assert b"".join(pdf.streaming_content) == b"%PDF-1.7 report"  # type: ignore[attr-defined]
    assert html.status_code == 200
    assert html["Content-Type"] == "text/html; charset=utf-8"
    assert html["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
def test_report_download_refuses_other_cities_formats_and_unready_reports(
    plan: Plan, client: Client, timisoara: Municipality
) -> None:
    report = _ready_report(plan)
    queued = MonitoringReportFactory.create(
        municipality=plan.municipality, plan=plan, year=2023, quarter=4, status="queued"
    )
    failed = MonitoringReportFactory.create(
        municipality=plan.municipality, plan=plan, year=2023, quarter=3, status="failed"
    )
    foreign_plan = PlanFactory.create(municipality=timisoara, key="iap")
    foreign = _ready_report(foreign_plan)
    hidden_plan = PlanFactory.create(
        municipality=plan.municipality, key="draft", is_published=False
    )
    hidden = _ready_report(hidden_plan)

    answers = [
        client.get(f"/plans/iap/reports/{report.pk}.docx", HTTP_HOST=BOTOSANI).status_code,
        client.get(f"/plans/iap/reports/{queued.pk}.pdf", HTTP_HOST=BOTOSANI).status_code,
        client.get(f"/plans/iap/reports/{failed.pk}.html", HTTP_HOST=BOTOSANI).status_code,
        client.get(f"/plans/iap/reports/{foreign.pk}.pdf", HTTP_HOST=BOTOSANI).status_code,
        client.get(f"/plans/draft/reports/{hidden.pk}.pdf", HTTP_HOST=BOTOSANI).status_code,
        client.get(f"/plans/iap/reports/{report.pk}.pdf", HTTP_HOST="testserver").status_code,
    ]

    assert answers == [404] * 6


@pytest.mark.django_db
def test_report_generation_failure_is_recorded(
    plan: Plan, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digiplace.plans import tasks

    def broken(*, html: str) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(tasks, "report_pdf_render", broken)

    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(actor=None, plan=plan, year=2024, quarter=1, language="en")

    report = MonitoringReport.objects.get(plan=plan)
    assert (report.status, report.error) == ("failed", "no fonts")


@pytest.mark.django_db
def test_report_context_reads_a_fixed_number_of_queries(
    plan: Plan, django_assert_max_num_queries: Any
) -> None:
    def grow(size: int) -> None:
        pillar = PillarFactory.create(municipality=plan.municipality, plan=plan)
        ObjectiveFactory.create(municipality=plan.municipality, pillar=pillar)
        for _ in range(size):
            project = ProjectFactory.create(municipality=plan.municipality, pillar=pillar)
            activity = ActivityFactory.create(municipality=plan.municipality, project=project)
            ChangeRecordFactory.create(
                municipality=plan.municipality, project=project, activity=activity
            )
            kpi = KpiFactory.create(municipality=plan.municipality, plan=plan, project=project)
            MeasurementFactory.create(municipality=plan.municipality, kpi=kpi)
            RiskFactory.create(municipality=plan.municipality, plan=plan, project=project)

    grow(2)
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    with django_assert_max_num_queries(20) as small:
        report_context(plan=plan, year=today.year, quarter=quarter)
    grow(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        context = report_context(plan=plan, year=today.year, quarter=quarter)

    assert len(context["activity_changes"]) == 12
    assert ChangeRecord.objects.count() == 12
    assert Activity.objects.count() == 12
