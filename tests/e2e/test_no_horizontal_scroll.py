"""No page of the public site, a person's own pages or the back office scrolls sideways on a
390×844 phone, and the header takes at most a fifth of the screen: every page the sitemap,
the signed-in menus and the back-office menus give, for both cities, with their plans, demo
reports and long words loaded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page

from digiplace.core import backoffice_services
from digiplace.core.models import Department, Municipality, User
from digiplace.core.tests.factories import DepartmentFactory, UserFactory
from digiplace.reports.models import Category, Report
from digiplace.reports.tests.factories import ReportFactory

from .conftest import NewSession, Sites
from .pages import (
    backoffice_urls,
    log_in,
    personal_urls,
    sitemap_urls,
    staff_with_every_module,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
HEADER_SHARE = 0.2
# Pages of one kind walked at most (projects, reports: the same template, other content).
PAGES_PER_KIND = 8
LONG_ADDRESS = (
    "Strada Nicolae Iorga nr. 128, bloc B4, scara 3, apartamentul 47, "
    "lângă Școala Gimnazială nr. 11"
)
LONG_DESCRIPTION = (
    "Groapă adâncă în carosabil, vezi https://www.example.org/sesizari/fotografii/"
    "strada-nicolae-iorga-groapa-din-fata-scolii-generale-numarul-11-2026-11-30.jpg "
    "și autoritățile-locale-responsabile-pentru-întreținerea-drumurilor."
)
MEASURE = """() => {
    const header = document.querySelector('header');
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        innerHeight: window.innerHeight,
        headerHeight: header ? header.getBoundingClientRect().height : 0,
        wide: [...document.querySelectorAll('body *')]
            .filter(element => element.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 3)
            .map(element => element.tagName.toLowerCase()
                + (element.className && typeof element.className === 'string'
                    ? '.' + element.className.trim().split(/\\s+/).join('.') : '')),
    };
}"""


def long_content(municipality: Municipality, walker: User) -> None:
    """What breaks narrow layouts: a long address and URL, a long department and e-mail
    (made through the back office's services, so the audit log has entries too)."""
    category = Category.objects.filter(municipality=municipality).first()
    assert category is not None
    ReportFactory.create(
        municipality=municipality,
        category=category,
        address=LONG_ADDRESS,
        description=LONG_DESCRIPTION,
    )
    department = backoffice_services.department_create(
        actor=walker,
        municipality=municipality,
        name_ro="Direcția Generală de Administrare a Domeniului Public și Privat al Municipiului",
        email=f"directia.generala.administrare.domeniu.public@primaria-{municipality.slug}.example",
    )
    email = f"inspector.principal.iluminat.public@primaria-{municipality.slug}.example"
    UserFactory.create(email=email, full_name="Alexandra-Ecaterina Constantinescu-Dumitrașcu")
    backoffice_services.membership_create(
        actor=walker, municipality=municipality, email=email, department=department
    )


def roads_department(municipality: Municipality) -> Department:
    """The department that handles every category and report of the city: the walker's,
    so that the queue (which opens on the walker's department) lists reports."""
    department = DepartmentFactory.create(
        municipality=municipality, name="Serviciul Administrarea Drumurilor"
    )
    Category.objects.filter(municipality=municipality).update(department=department)
    Report.objects.filter(municipality=municipality).update(department=department)
    return department


@pytest.fixture
def cities(botosani: Municipality, timisoara: Municipality, sites: Sites) -> list[tuple[str, str]]:
    for city in ("botosani", "timisoara"):
        call_command(
            "plans_load", str(Path(settings.BASE_DIR) / f"data/plans/{city}.yaml"), verbosity=0
        )
    call_command("reports_demo", "--reports", "12", verbosity=0)
    for municipality in (botosani, timisoara):
        walker = staff_with_every_module(
            municipality,
            f"walker@{municipality.slug}.example",
            department=roads_department(municipality),
        )
        long_content(municipality, walker.user)
    return [("botosani", sites.botosani), ("timisoara", sites.timisoara)]


def test_no_page_scrolls_sideways_on_a_phone(
    cities: list[tuple[str, str]], new_session: NewSession
) -> None:
    failures: list[str] = []
    walked = 0

    def check(page: Page, url: str) -> None:
        nonlocal walked
        walked += 1
        measured = page.evaluate(MEASURE)
        if measured["scrollWidth"] > measured["innerWidth"]:
            failures.append(
                f"{url}: {measured['scrollWidth']} px wide (screen {measured['innerWidth']} px); "
                f"past the edge: {', '.join(measured['wide'])}"
            )
        if measured["headerHeight"] > HEADER_SHARE * measured["innerHeight"]:
            failures.append(
                f"{url}: header {measured['headerHeight']:.0f} px tall "
                f"(more than {HEADER_SHARE:.0%} of {measured['innerHeight']} px)"
            )

    for slug, base_url in cities:
        session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
        page = session.new_page()
        public = sitemap_urls(base_url, per_kind=PAGES_PER_KIND)
        assert any("/plans/" in url for url in public) and any("/reports/" in url for url in public)
        for url in public:
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            page.wait_for_load_state("load")
            check(page, url)

        log_in(page, base_url, f"walker@{slug}.example")
        personal = personal_urls(page, base_url, public=public, on_page=check)
        for path in ("/accounts/profile/", "/accounts/inbox/", "/reports/mine/"):
            assert base_url + path in personal, path
        backoffice = backoffice_urls(page, base_url, on_page=check)
        for kind in ("/backoffice/reports/#/", "/backoffice/plans/", "/backoffice/audit-log/#/"):
            assert any(kind in re.sub(r"\d+", "#", url) for url in backoffice), kind
        assert session.page_errors == []

    assert walked > 60
    assert not failures, f"{len(failures)} problem(s) on a 390×844 phone:\n" + "\n".join(failures)
