"""A resident with a voting code and no account votes in a zone within its budget, with the
live total, gets a receipt and checks it; staff generate the printable codes first. The
ballot page passes axe-core and fits a phone."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import Ballot, VotingCode
from digiplace.participation.tests.factories import ZoneFactory
from digiplace.participation.tests.factories_budgeting import (
    BudgetFactory,
    BudgetProjectFactory,
    BudgetZoneFactory,
)

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def test_a_resident_votes_with_a_printed_code_and_checks_the_receipt(
    botosani: Municipality, sites: Sites, new_session: NewSession
) -> None:
    budget = BudgetFactory.create(
        municipality=botosani, title="Bugetare participativă 2026", title_en="PB 2026"
    )
    centre = BudgetZoneFactory.create(
        budget=budget,
        zone=ZoneFactory.create(
            municipality=botosani, slug="centru", name="Centru", name_en="Centre"
        ),
        amount=Decimal(500_000),
    )
    BudgetZoneFactory.create(
        budget=budget,
        zone=ZoneFactory.create(municipality=botosani, slug="nord", name="Nord", name_en="North"),
        amount=Decimal(400_000),
    )
    park = BudgetProjectFactory.create(
        budget_zone=centre, code="P1", title="Parc în Centru", cost=Decimal(300_000)
    )
    BudgetProjectFactory.create(
        budget_zone=centre, code="P2", title="Piste de biciclete", cost=Decimal(250_000)
    )
    lamps = BudgetProjectFactory.create(
        budget_zone=centre, code="P3", title="Iluminat pe alei", cost=Decimal(120_000)
    )
    organiser = StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="pb@botosani.example"),
        modules=["participation"],
    )

    # Staff generate a batch of codes for the centre and see them once, to print.
    staff = new_session(bypass_csp=True).new_page()
    # The first page loads every module's URLs: on a busy machine it takes seconds.
    staff.goto(f"{sites.botosani}/accounts/login/", timeout=60_000)
    log_in(staff, sites.botosani, organiser.user.email)
    staff.goto(f"{sites.botosani}/backoffice/participation/budgets/{budget.pk}/voters/")
    choose_language(staff, "en")
    violations = axe_violations(staff)
    assert not violations, describe_violations("voters page", violations)
    staff.get_by_label("Number of codes").fill("4")
    staff.get_by_label("Zone").select_option(label="Centre")
    staff.get_by_role("button", name="Generate and print").click()
    expect(staff.locator(".vote-code-card")).to_have_count(4)
    codes = staff.locator(".vote-code-card__code").all_inner_texts()
    assert all(re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", code) for code in codes)
    assert VotingCode.objects.filter(budget=budget, budget_zone=centre).count() == 4
    violations = axe_violations(staff)
    assert not violations, describe_violations("printable codes", violations)

    # A resident on a phone, with no account, types the first code.
    resident = new_session(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = resident.new_page()
    page.goto(f"{sites.botosani}/participation/budgets/{budget.pk}/vote/")
    choose_language(page, "en")
    page.get_by_role("textbox", name="Voting code").fill(codes[0].lower().replace("-", " "))
    page.get_by_role("button", name="Use this code").click()

    # The code is for the centre: its ballot opens directly.
    expect(page.get_by_role("heading", name="Ballot: Centre")).to_be_visible()
    total = page.locator("#ballot-total")
    expect(total).to_be_visible()
    expect(total).to_have_text(re.compile(r"Projects chosen: 0\. Total: 0 of 500,000 RON\."))
    page.get_by_label(re.compile("Parc în Centru")).check()
    page.get_by_label(re.compile("Piste de biciclete")).check()
    expect(total).to_contain_text("Over the budget by 50,000 RON")
    page.get_by_label(re.compile("Piste de biciclete")).uncheck()
    page.get_by_label(re.compile("Iluminat pe alei")).check()
    expect(total).to_have_text(re.compile(r"Projects chosen: 2\. Total: 420,000 of 500,000 RON\."))

    violations = axe_violations(page)
    assert not violations, describe_violations("ballot page", violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("heading", name="Your vote was counted")).to_be_visible()
    receipt = page.locator("#receipt-id").inner_text()
    ballot = Ballot.objects.get()
    assert receipt.replace("-", "") == ballot.receipt
    assert set(ballot.choices.values_list("project_id", flat=True)) == {park.pk, lamps.pk}
    expect(page.locator("#change-link")).to_have_value(re.compile(r"/vote/change/"))

    # Anyone can check the receipt: counted, in which zone, how many projects; never who.
    page.get_by_role("link", name="Check a receipt").first.click()
    page.get_by_role("textbox", name="Receipt").fill(receipt)
    page.get_by_role("button", name="Check").click()
    result = page.locator("#receipt-result")
    expect(result).to_contain_text("Counted.")
    expect(result).to_contain_text("A ballot in Centre")
    expect(result).to_contain_text("with 2 projects")
    violations = axe_violations(page)
    assert not violations, describe_violations("receipt check", violations)

    # The same code typed again is refused: it was used.
    other = new_session(bypass_csp=True).new_page()
    other.goto(f"{sites.botosani}/participation/budgets/{budget.pk}/vote/")
    choose_language(other, "en")
    other.get_by_role("textbox", name="Voting code").fill(codes[0])
    other.get_by_role("button", name="Use this code").click()
    expect(other.locator("#id_code_code_error")).to_contain_text(
        "This code has already been used to vote."
    )
    assert Ballot.objects.count() == 1
    assert resident.page_errors == []
