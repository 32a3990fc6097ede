"""The modules' public pages pass axe-core and fit a phone, with real data in them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from digiplace.core.models import Municipality
from digiplace.participation.demo import organisations as organisations_demo
from digiplace.participation.demo import processes as processes_demo
from digiplace.participation.models import Organisation
from digiplace.plans.models import Plan, Project
from digiplace.reports.models import Report
from digiplace.urbandata.tests.factories import EntityFactory
from digiplace.waste.tests.factories import CollectionPointFactory, ContainerFactory

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def module_pages(botosani: Municipality, timisoara: Municipality, sites: Sites) -> list[str]:
    call_command(
        "plans_load", str(Path(settings.BASE_DIR) / "data/plans/timisoara.yaml"), verbosity=0
    )
    call_command("reports_demo", "--reports", "30", verbosity=0)
    organisations_demo.demo_load(botosani=botosani, timisoara=timisoara)
    processes_demo.demo_load(botosani=botosani, timisoara=timisoara)
    plan = Plan.objects.get(municipality=timisoara)
    project = Project.objects.filter(plan=plan).first()
    report = Report.objects.filter(municipality=timisoara).first()
    organisation = Organisation.objects.filter(municipality=timisoara, status="verified").first()
    assert project is not None and report is not None and organisation is not None
    base = f"{sites.timisoara}/plans/{plan.key}"
    point = CollectionPointFactory.create(
        municipality=timisoara,
        code="p001",
        name="Piața Victoriei",
        latitude=timisoara.centre_latitude,
        longitude=timisoara.centre_longitude,
    )
    ContainerFactory.create(
        municipality=timisoara,
        point=point,
        code="p001-plastic",
        entity=EntityFactory.create(municipality=timisoara),
    )
    return [
        f"{base}/",
        f"{base}/projects/",
        f"{base}/projects/{project.key}/",
        f"{base}/status/",
        f"{base}/budget/",
        f"{base}/kpis/",
        f"{sites.timisoara}/reports/",
        f"{sites.timisoara}/reports/new/",
        f"{sites.timisoara}/reports/{report.pk}/",
        f"{sites.timisoara}/reports/statistics/",
        f"{sites.timisoara}/participation/",
        f"{sites.timisoara}/participation/processes/{processes_demo.TIMISOARA_SLUG}/",
        f"{sites.timisoara}/participation/organisations/",
        f"{sites.timisoara}/participation/organisations/{organisation.pk}/",
        f"{sites.timisoara}/waste/",
        f"{sites.timisoara}/waste/containers/",
        f"{sites.timisoara}/waste/containers/p001-plastic/",
        f"{sites.timisoara}/waste/figures/",
        f"{sites.timisoara}/waste/compliance/",
    ]


def test_module_pages_pass_axe_in_both_languages(
    module_pages: list[str], new_session: NewSession
) -> None:
    session = new_session(bypass_csp=True)
    page = session.new_page()
    failures: list[str] = []

    for url in module_pages:
        for language in ("ro", "en"):
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            choose_language(page, language)
            violations = axe_violations(page)
            if violations:
                failures.append(describe_violations(f"{url} ({language})", violations))

    assert not failures, "\n\n".join(failures)
    assert session.page_errors == []


def test_module_pages_fit_a_phone(module_pages: list[str], new_session: NewSession) -> None:
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.new_page()
    too_wide = []

    for url in module_pages:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide.append(f"{url}: {width} px")

    assert too_wide == []
    assert session.page_errors == []
