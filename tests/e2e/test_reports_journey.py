"""A resident reports an overflowing container from a phone; the city answers it.

The photo's GPS tag is gone from the stored file; staff acknowledge and then fix the
report; the resident gets both emails through a real SMTP server; the public page shows
the timeline and the statistics count the closed report.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from digiplace.core.models import Department, Municipality, StaffMembership, User
from digiplace.core.tests.factories import PASSWORD, StaffMembershipFactory, UserFactory
from digiplace.reports.models import Category, Report
from digiplace.reports.tests.factories import CategoryFactory, ReportFactory

from .conftest import MessageCollector, NewSession, Sites, choose_language, message_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
GPS_IFD = 0x8825


def photo_with_gps(path: Path) -> Path:
    """A JPEG whose EXIF says where it was taken (Botoșani's centre)."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (47.0, 44.0, 55.0), 3: "E", 4: (26.0, 40.0, 10.0)}
    image = Image.new("RGB", (640, 480), (40, 120, 60))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    path.write_bytes(buffer.getvalue())
    assert Image.open(path).getexif().get_ifd(GPS_IFD), "the test photo carries GPS"
    return path


@pytest.fixture
def container(botosani: Municipality) -> Category:
    department = Department.objects.create(
        municipality=botosani, name_en="Sanitation Service", name_ro="Serviciul Salubrizare"
    )
    return CategoryFactory.create(
        municipality=botosani,
        service_code="overflowing-container",
        name_en="Overflowing container",
        name_ro="Container plin",
        department=department,
        sla_days=2,
    )


@pytest.fixture
def reports_staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="salubrizare@botosani.example"),
        modules=["reports"],
    )


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    choose_language(page, "en")
    main = page.get_by_role("main")
    main.get_by_label("Email:", exact=True).fill(email)
    main.get_by_label("Password:", exact=True).fill(PASSWORD)
    main.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/")


def change_status(page: Page, status: str, response: str) -> None:
    form = page.locator("form#status")
    form.get_by_label("New status").select_option(label=status)
    form.get_by_label("Public response (optional)").fill(response)
    form.get_by_role("button", name="Change the status").click()
    timeline = page.locator("section[aria-labelledby=timeline-heading]")
    expect(timeline).to_contain_text(response)


def test_report_journey_on_a_phone(
    container: Category,
    reports_staff: StaffMembership,
    resident: User,
    sites: Sites,
    new_session: NewSession,
    smtp_server: MessageCollector,
    tmp_path: Path,
) -> None:
    resident_page = new_session(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(resident_page, sites.botosani, resident.email)

    # The resident reports an overflowing container with a photo.
    resident_page.goto(sites.botosani + "/reports/new/")
    form = resident_page.get_by_role("main").locator(
        "form", has=resident_page.get_by_role("button", name="Send the report")
    )
    form.get_by_label("What is the problem?").select_option(label="Overflowing container")
    form.get_by_label("Latitude").fill("47.7480")
    form.get_by_label("Longitude").fill("26.6680")
    form.get_by_label("Describe the problem").fill("The container by block A3 is full.")
    form.get_by_label("Photos (optional, up to 3)").set_input_files(
        str(photo_with_gps(tmp_path / "container.jpg"))
    )
    form.get_by_role("button", name="Send the report").click()
    report = Report.objects.get()
    expect(resident_page).to_have_url(f"{sites.botosani}/reports/{report.pk}/")
    # Measured once the stylesheet has applied (the URL changes before the page loads).
    resident_page.wait_for_load_state("load")
    scroll_width = resident_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"]

    # The stored photo has no EXIF at all, GPS included.
    stored = report.photos.get().image
    with stored.open("rb") as handle:
        assert not Image.open(handle).getexif()

    # Staff acknowledge the report, then fix it, each with a public response.
    staff_page = new_session().new_page()
    log_in(staff_page, sites.botosani, reports_staff.user.email)
    staff_page.goto(f"{sites.botosani}/backoffice/reports/{report.pk}/")
    change_status(staff_page, "Acknowledged", "A crew is on its way.")
    change_status(staff_page, "Fixed", "Emptied this morning.")
    report.refresh_from_db()
    assert report.status == "fixed"

    # The resident is told both times by email, through the SMTP server (after the
    # acknowledgement of the report).
    texts = [message_text(message) for message in smtp_server.wait_for_count(resident.email, 3)]
    assert any("A crew is on its way." in text for text in texts)
    assert any("Emptied this morning." in text for text in texts)

    # The public page shows the timeline, the statistics count the closed report.
    resident_page.reload()
    main = resident_page.get_by_role("main")
    expect(main).to_contain_text("A crew is on its way.")
    expect(main).to_contain_text("Emptied this morning.")
    expect(main).not_to_contain_text(reports_staff.user.email)
    resident_page.goto(sites.botosani + "/reports/statistics/")
    row = resident_page.get_by_role("table", name="Reports per category").get_by_role(
        "row", name="Overflowing container"
    )
    expect(row.get_by_role("cell").nth(1)).to_have_text("1")


def test_me_too_instead_of_a_duplicate(
    container: Category,
    resident: User,
    sites: Sites,
    new_session: NewSession,
) -> None:
    existing = ReportFactory.create(
        municipality=container.municipality,
        category=container,
        latitude=47.7481,
        longitude=26.6681,
        status="acknowledged",
        description="Overflowing since Monday.",
    )
    page = new_session(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(page, sites.botosani, resident.email)

    # Choosing the category and the place shows the open report 15 m away.
    page.goto(sites.botosani + "/reports/new/")
    page.get_by_label("What is the problem?").select_option(label="Overflowing container")
    page.get_by_label("Latitude").fill("47.7480")
    page.get_by_label("Longitude").fill("26.6680")
    page.get_by_label("Longitude").dispatch_event("change")
    me_too = page.get_by_role("button", name=f"Me too (report #{existing.pk})")
    expect(me_too).to_be_visible()

    # "Me too" supports it instead of sending a new report.
    me_too.click()
    expect(page).to_have_url(re.compile(rf"/reports/{existing.pk}/"))
    assert Report.objects.count() == 1
    assert list(existing.supporters.values_list("email", flat=True)) == [resident.email]
