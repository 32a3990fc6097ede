"""The plan in public and in the back office, end to end in Chromium.

A visitor opens Timișoara's strategy in English, filters the projects in progress, opens
one and asks to join its working group; a staff member marks an activity completed; the
public change history shows it; the quarter's PDF report lists it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality, StaffMembership
from digiplace.core.tests.factories import PASSWORD, StaffMembershipFactory, UserFactory
from digiplace.plans import services
from digiplace.plans.models import ExpressionOfInterest, Plan, Project
from digiplace.plans.tests.factories import ActivityFactory

from .conftest import NewSession, Sites, choose_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN_FILE = Path(settings.BASE_DIR) / "data" / "plans" / "timisoara.yaml"
ACTIVITY_TITLE = "Pilot consultation of the neighbourhood groups"


@pytest.fixture
def strategy(timisoara: Municipality) -> Project:
    """Timișoara's strategy as transcribed, with one project under way and an activity."""
    call_command("plans_load", str(PLAN_FILE), verbosity=0)
    plan = Plan.objects.get(municipality=timisoara)
    project = Project.objects.filter(plan=plan).order_by("pillar__position", "position").first()
    assert project is not None
    services.project_update_status(actor=None, project=project, status="in_progress")
    ActivityFactory.create(
        municipality=timisoara,
        project=project,
        number="1.1",
        title_en=ACTIVITY_TITLE,
        status="in_progress",
        progress=40,
    )
    return project


@pytest.fixture
def plan_staff(timisoara: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=timisoara,
        user=UserFactory.create(email="plans@timisoara.example"),
        modules=["plans"],
    )


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    choose_language(page, "en")
    main = page.get_by_role("main")
    main.get_by_label("Email:", exact=True).fill(email)
    main.get_by_label("Password:", exact=True).fill(PASSWORD)
    main.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/")


def pdf_text(path: Path) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (Debian's poppler-utils) is installed by scripts/test"
    return subprocess.run(
        [pdftotext, "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_plan_journey(
    strategy: Project,
    plan_staff: StaffMembership,
    sites: Sites,
    new_session: NewSession,
    tmp_path: Path,
) -> None:
    plan_url = f"{sites.timisoara}/plans/{strategy.plan.key}"
    with translation.override("en"):
        title = strategy.title  # the English title, as the visitor will read it
    visitor = new_session().new_page()

    # A visitor reads the strategy in English and lists the projects in progress.
    visitor.goto(plan_url + "/")
    choose_language(visitor, "en")
    expect(visitor.locator("html")).to_have_attribute("lang", "en")
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("Timi")
    visitor.get_by_role("main").get_by_role("link", name="Projects", exact=True).first.click()
    status = visitor.get_by_label("Status")
    # Each option says how many projects it shows (the filters' counts).
    expect(status.locator("option[value=in_progress]")).to_have_text(
        re.compile(r"^In progress \(\d+\)$")
    )
    status.select_option(value="in_progress")
    visitor.get_by_role("button", name="Show projects").click()
    results = visitor.locator("#project-results")
    expect(results.get_by_role("link", name=title, exact=True)).to_be_visible()
    expect(visitor).to_have_url(re.compile(r"status=in_progress"))

    # ... opens the project and asks to join its working group.
    results.get_by_role("link", name=title, exact=True).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
    form = visitor.locator("form", has=visitor.get_by_role("button", name="Send my request"))
    form.get_by_label("Your name").fill("Ioana Popa")
    form.get_by_label("Organisation (optional)").fill("Asociația Fabric")
    form.get_by_label("Email").fill("ioana.popa@example.org")
    form.get_by_label("Why you want to take part").fill("We run events in Fabric.")
    form.get_by_role("button", name="Send my request").click()
    expect(visitor.get_by_text("Thank you. City staff will read your request")).to_be_visible()
    interest = ExpressionOfInterest.objects.get()
    assert (interest.project_id, interest.email) == (strategy.pk, "ioana.popa@example.org")
    assert "ioana.popa@example.org" not in visitor.content()

    # A staff member marks the activity completed in the back office.
    staff = new_session().new_page()
    log_in(staff, sites.timisoara, plan_staff.user.email)
    staff.goto(f"{sites.timisoara}/backoffice/plans/{strategy.plan.key}/projects/{strategy.key}/")
    activity_form = staff.locator("form.activity-form", has_text=ACTIVITY_TITLE)
    activity_form.get_by_label("Status").select_option(label="Completed")
    activity_form.get_by_role("button", name="Save").click()
    expect(staff.get_by_text("Saved; the change is public.")).to_be_visible()

    # The public change history shows it.
    visitor.reload()
    history = visitor.locator("#history + *")
    expect(history).to_contain_text("Completed")
    expect(history).to_contain_text("City staff")
    expect(history).not_to_contain_text(plan_staff.user.email)

    # Staff prepare this quarter's report; the visitor downloads the PDF, which lists it.
    staff.goto(f"{sites.timisoara}/backoffice/plans/{strategy.plan.key}/reports/")
    staff.get_by_role("button", name="Prepare the report").click()
    expect(staff.get_by_text("is being prepared")).to_be_visible()
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    visitor.goto(plan_url + "/reports/")
    with visitor.expect_download() as download_info:
        visitor.get_by_role("link", name=f"PDF Q{quarter} {today.year}").first.click()
    pdf = tmp_path / "report.pdf"
    download_info.value.save_as(pdf)
    text = " ".join(pdf_text(pdf).split())
    assert ACTIVITY_TITLE in text, text
    assert "Completed" in text
