"""The waste module's day in a browser (issue #12): the dispatcher sees a fire alert and
acknowledges it; a planner makes tomorrow's plastic route and publishes it; the next
morning a driver on a phone marks its containers emptied; the public map, open all along,
turns those points from full to empty without a reload. Each page passes axe."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django import DjangoCaptureOnCommitCallbacks

from digiplace.core.models import Department, Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.urbandata.models import Alert, AlertState
from digiplace.urbandata.services.ingest import WriteMode, entities_write
from digiplace.waste import views_public
from digiplace.waste.models import Collection, CollectionPlan, Container, PlanStatus, PlanStop
from digiplace.waste.services.alerts import FIRE_TEMPERATURE_C, alert_rules_ensure
from digiplace.waste.tests.planning_data import city_setup, container_make

from .conftest import NewSession, Sites, axe_violations, describe_violations
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
LIVE_TIMEOUT_MS = 10_000


def staff(municipality: Municipality, email: str, modules: list[str], **fields: Any) -> str:
    membership = StaffMembershipFactory.create(
        municipality=municipality,
        user=UserFactory.create(email=email, preferred_language="en"),
        modules=modules,
        **fields,
    )
    return str(membership.user.email)


def english_session(new_session: NewSession, sites: Sites, **options: Any) -> Page:
    session = new_session(bypass_csp=True, **options)
    session.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": sites.botosani}]
    )
    return session.new_page()


def axe_clean(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], describe_violations(where, violations)


def sensor_write(container: Container, capture: Any, **values: Any) -> None:
    """What a bin's sensor sends through urban data's ingest (alerts run on commit)."""
    assert container.entity is not None
    moment = timezone.now().isoformat()
    document: dict[str, Any] = {"id": container.entity.entity_id, "type": "WasteContainer"}
    for name, value in values.items():
        document[name] = {"type": "Property", "value": value, "observedAt": moment}
    with capture(execute=True):
        [result] = entities_write(
            municipality=container.municipality,
            documents=[document],
            mode=WriteMode.UPSERT_MERGE,
            key=None,
        )
    assert result.error is None, result.error


def test_fire_plan_round_and_map(
    sites: Sites,
    new_session: NewSession,
    botosani: Municipality,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.WASTE_PLAN_SECONDS = 1
    monkeypatch.setattr(views_public, "LIVE_SECONDS", 2)
    police = Department.objects.create(municipality=botosani, name="Poliția Locală – Dispecerat")
    sanitation = Department.objects.create(municipality=botosani, name="Serviciul Salubrizare")
    alert_rules_ensure(municipality=botosani, dispatcher=police, sanitation=sanitation)
    dispatcher = staff(
        botosani, "dispatcher@botosani.example", ["urbandata", "waste"], department=police
    )
    planner = staff(botosani, "planner@botosani.example", ["waste"], department=sanitation)
    driver = staff(botosani, "driver@botosani.example", ["waste_rounds"], department=sanitation)

    depot, _truck = city_setup(botosani)
    # Two plastic bins filling fast (due tomorrow), one slow (not due), a glass bin.
    due = [
        container_make(botosani, "plastic-a", fill_per_day=0.3, offset=0.004),
        container_make(botosani, "plastic-b", fill_per_day=0.28, offset=-0.004),
    ]
    slow = container_make(botosani, "plastic-slow", fill_per_day=0.02, offset=0.008)
    glass = container_make(botosani, "glass-a", fill_per_day=0.3, fraction="glass", offset=0.01)
    for container in due:
        sensor_write(container, django_capture_on_commit_callbacks, fillingLevel=0.97)
    sensor_write(slow, django_capture_on_commit_callbacks, fillingLevel=0.06)

    # The public map, open on a phone: the due points are full.
    public = english_session(new_session, sites, viewport=PHONE, is_mobile=True, has_touch=True)
    public.goto(f"{sites.botosani}/waste/?fraction=plastic")
    expect(public.get_by_role("heading", level=1)).to_be_visible()
    full_points = public.locator("#waste-map path[data-band='full']")
    expect(full_points).to_have_count(2)
    expect(public.locator("#waste-map path[data-band='low']")).to_have_count(1)
    assert public.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    axe_clean(public, "waste map")
    public.evaluate("window.__wasteMark = 'same page'")

    # 1. A bin catches fire: the dispatcher has been told and acknowledges it.
    sensor_write(glass, django_capture_on_commit_callbacks, temperature=FIRE_TEMPERATURE_C + 20)
    (fire,) = Alert.objects.filter(rule__department=police)
    page = english_session(new_session, sites)
    log_in(page, sites.botosani, dispatcher)
    page.goto(f"{sites.botosani}/backoffice/urbandata/alerts/")
    live = page.locator("#alerts-live")
    expect(live).to_contain_text(fire.message)
    with page.expect_navigation():
        live.get_by_role("link", name=fire.message).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("The alert is acknowledged.")).to_be_visible()
    fire.refresh_from_db()
    assert fire.state == AlertState.ACKNOWLEDGED and fire.acknowledged_by is not None
    assert fire.acknowledged_by.email == dispatcher

    # 2. The planner makes tomorrow's plastic route and publishes it.
    page = english_session(new_session, sites)
    log_in(page, sites.botosani, planner)
    page.goto(f"{sites.botosani}/backoffice/waste/")
    # The form offers tomorrow; the test may straddle midnight.
    tomorrow = {timezone.localdate() + datetime.timedelta(days=1)}
    with page.expect_navigation():
        page.get_by_role("link", name="New plan").click()
    page.get_by_label("Fraction").select_option("plastic")
    with page.expect_navigation():
        page.get_by_role("button", name="Make the plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("plastic and metal")
    plan = CollectionPlan.objects.get(municipality=botosani, fraction="plastic")
    assert plan.status == PlanStatus.DRAFT and plan.depot == depot
    assert plan.day in tomorrow | {timezone.localdate() + datetime.timedelta(days=1)}
    stops = PlanStop.objects.filter(route__plan=plan)
    assert {stop.container.code for stop in stops} == {"plastic-a", "plastic-b"}
    expect(page.get_by_text("Fixed schedule")).to_be_visible()
    axe_clean(page, "plan page")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish to the drivers").click()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED

    # 3. The next morning (the plan's day has come), the driver works through the route on
    # a phone.
    CollectionPlan.objects.filter(pk=plan.pk).update(day=timezone.localdate())
    phone = english_session(new_session, sites, viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(phone, sites.botosani, driver)
    phone.goto(f"{sites.botosani}/backoffice/waste/rounds/")
    with phone.expect_navigation():
        phone.get_by_role("link", name="Route 1 · Truck A").click()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    axe_clean(phone, "driver's route")
    for code in ("plastic-a", "plastic-b"):
        phone.get_by_role("button", name=f"Emptied — {code}").click()
        expect(phone.get_by_role("button", name=f"Emptied — {code}")).to_have_count(
            0, timeout=LIVE_TIMEOUT_MS
        )
    assert Collection.objects.filter(container__in=due, source="driver").count() == 2
    for container in due:
        assert container.entity is not None
        container.entity.refresh_from_db()
        assert container.entity.attributes["fillingLevel"]["value"] == 0

    # 4. The public map, still the same page, shows both points empty.
    expect(full_points).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    expect(public.locator("#waste-map path[data-band='low']")).to_have_count(
        3, timeout=LIVE_TIMEOUT_MS
    )
    assert public.evaluate("window.__wasteMark === 'same page'")
