"""The platform's status page in a browser: a platform administrator signs in through the
admin's login, and the page is free of serious accessibility problems in both languages and
fits a phone without scrolling sideways."""

from __future__ import annotations

import datetime
import urllib.request

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from digiplace.core.tests.factories import PASSWORD, UserFactory
from digiplace.ops.models import BackupKind, BackupRun, BackupStatus, Heartbeat

from .conftest import NewSession, Sites, axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WIDTHS = """() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
})"""


@pytest.mark.parametrize("language", ["en", "ro"])
def test_status_page_is_accessible_and_fits_a_phone(
    sites: Sites, new_session: NewSession, language: str
) -> None:
    superuser = UserFactory.create(email="root@platform.example", is_staff=True, is_superuser=True)
    Heartbeat.objects.create(name="worker", seen_at=timezone.now())
    BackupRun.objects.create(
        kind=BackupKind.NIGHTLY,
        status=BackupStatus.FAILED,
        started_at=timezone.now() - datetime.timedelta(hours=3),
        finished_at=timezone.now() - datetime.timedelta(hours=3),
        # Paths and file names have no spaces: they must wrap, not widen the page.
        file_name="digiplace-nightly-2026-12-02T03-00-00Z.tar.age",
        error=(
            "pg_dump exited with status 1: "
            "/var/lib/digiplace/backups/digiplace-nightly-2026-12-02T03-00-00Z.tar.partial"
        ),
    )
    # The live server's first request imports every URL module: not within a page's timeout
    # on a busy machine.
    with urllib.request.urlopen(sites.platform + "/healthz", timeout=120) as answer:
        assert answer.status == 200
    session = new_session(bypass_csp=True, viewport=PHONE)
    session.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": sites.platform}]
    )
    page = session.new_page()

    page.goto(sites.platform + "/admin/status/")
    # Signed out: the admin's login page, then back to the status page.
    page.locator("#id_username").fill(superuser.email)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#login-form [type='submit']").click()

    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#ops-components h2")).to_be_visible()
    assert page.url.endswith("/admin/status/")
    assert page.locator("#content-main .module").count() == 8
    violations = axe_violations(page)
    assert violations == [], describe_violations(f"/admin/status/ ({language})", violations)
    widths = page.evaluate(WIDTHS)
    assert widths["scrollWidth"] <= widths["innerWidth"], widths
    assert session.page_errors == []
