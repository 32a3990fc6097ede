"""Proposals in the browser: a resident sends a proposal on a phone, tapping its place on
the map; another resident, on a desktop, finds it in the list, supports it and comments;
the author replies under the comment. A moderator answers a proposal (a rejection needs
its reason) and hides a flagged comment. Each page passes axe-core and fits the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality, User
from digiplace.core.tests.factories import PASSWORD, StaffMembershipFactory, UserFactory
from digiplace.participation.models import (
    FlagTarget,
    Process,
    Proposal,
    ProposalComment,
    ProposalSupport,
)
from digiplace.participation.tests.factories_proposals import (
    ContentFlagFactory,
    ProposalCategoryFactory,
    ProposalCommentFactory,
    ProposalFactory,
    ProposalProcessFactory,
)

from .conftest import NewSession, Sites, axe_violations, choose_language, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def check_page(page: Page, where: str, *, width: int) -> None:
    page.wait_for_load_state("load")
    violations = axe_violations(page)
    assert not violations, describe_violations(where, violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, where


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    choose_language(page, "en")
    main = page.get_by_role("main")
    main.get_by_label("Email:", exact=True).fill(email)
    main.get_by_label("Password:", exact=True).fill(PASSWORD)
    main.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/")


@pytest.fixture
def process(botosani: Municipality) -> Process:
    ProposalCategoryFactory.create(
        municipality=botosani, name_ro="Spații verzi", name_en="Green spaces"
    )
    return ProposalProcessFactory.create(
        municipality=botosani, title_ro="Idei pentru oraș", title_en="Ideas for the city"
    )


def test_a_resident_proposes_and_another_supports_and_comments(
    process: Process, resident: User, sites: Sites, new_session: NewSession
) -> None:
    author_page = new_session(
        viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True
    ).new_page()
    log_in(author_page, sites.botosani, resident.email)

    # The author sends a proposal, its place tapped on the map.
    author_page.goto(f"{sites.botosani}/participation/proposals/")
    author_page.get_by_role("link", name="Send a proposal to “Ideas for the city”").click()
    form = author_page.locator("form.proposal-form")
    form.get_by_label("Title").fill("Wi-Fi gratuit în Parcul Mihai Eminescu")
    form.get_by_role("textbox", name="Your proposal").fill(
        "Puncte de acces lângă foișor și la intrare."
    )
    form.get_by_label("Category").select_option(label="Green spaces")
    author_page.locator("#proposal-new-map").tap()
    expect(author_page.locator(".location-status")).to_have_text(
        "The place you tapped was filled in."
    )
    assert form.get_by_label("Latitude").input_value() != ""
    check_page(author_page, "new proposal", width=PHONE["width"])
    form.get_by_role("button", name="Publish the proposal").click()
    expect(author_page.get_by_text("Your proposal is published.")).to_be_visible()
    proposal = Proposal.objects.get()
    assert proposal.author == resident
    assert proposal.latitude is not None
    assert process.municipality.contains_point(proposal.latitude, proposal.longitude or 0)
    check_page(author_page, "proposal page (author)", width=PHONE["width"])

    # Another resident finds it in the list, supports it and comments.
    neighbour = UserFactory.create(email="neighbour@example.org", full_name="Ion Vecinu")
    other = new_session(viewport=DESKTOP, bypass_csp=True).new_page()
    log_in(other, sites.botosani, neighbour.email)
    other.goto(f"{sites.botosani}/participation/proposals/")
    expect(other.locator("#proposals-map .map-marker")).to_have_count(1)
    other.get_by_text("Filter the proposals", exact=True).click()
    other.get_by_label("Category").select_option(label="Green spaces")
    expect(other.locator("#proposal-results")).to_contain_text("1 proposal")
    check_page(other, "proposal list", width=DESKTOP["width"])
    other.get_by_role("link", name="Wi-Fi gratuit în Parcul Mihai Eminescu").click()
    support = other.locator("#support")
    support.get_by_role("button", name="Support this proposal").click()
    expect(support).to_contain_text("1 support")
    expect(support.get_by_role("button", name="Withdraw my support")).to_be_visible()
    other.get_by_label("Your comment").fill("Foarte bună idee pentru elevi.")
    other.get_by_role("button", name="Publish the comment").click()
    expect(other.get_by_text("Your comment was published.")).to_be_visible()
    expect(other.locator(".proposal-comment")).to_contain_text("Foarte bună idee pentru elevi.")
    expect(other.locator(".proposal-comment")).to_contain_text("Ion V.")
    check_page(other, "proposal page (supporter)", width=DESKTOP["width"])
    assert ProposalSupport.objects.filter(proposal=proposal, user=neighbour).count() == 1

    # The author replies under the comment: shown indented beneath it.
    author_page.reload()
    comment = author_page.locator(".proposal-comment").first
    comment.get_by_text("Reply", exact=True).click()
    comment.get_by_label("Your reply").fill("Mulțumesc!")
    comment.get_by_role("button", name="Send the reply").click()
    expect(author_page.locator(".proposal-comment--reply")).to_contain_text("Mulțumesc!")
    reply = ProposalComment.objects.get(body="Mulțumesc!")
    assert reply.parent == ProposalComment.objects.get(author=neighbour)
    check_page(author_page, "proposal page with a reply", width=PHONE["width"])
    author_page.goto(f"{sites.botosani}/participation/proposals/?sort=supported")
    expect(author_page.locator(".proposal-card")).to_contain_text("1 support")
    check_page(author_page, "proposal list (phone)", width=PHONE["width"])
    assert "resident@example.org" not in other.content()


def test_a_moderator_answers_a_proposal_and_hides_a_flagged_comment(
    process: Process, resident: User, sites: Sites, new_session: NewSession
) -> None:
    proposal = ProposalFactory.create(
        municipality=process.municipality,
        process=process,
        author=resident,
        title="Parcare subterană sub Piața Revoluției",
    )
    comment = ProposalCommentFactory.create(
        municipality=process.municipality, proposal=proposal, body="Reclamă la un magazin."
    )
    ContentFlagFactory.create(
        municipality=process.municipality, target=FlagTarget.COMMENT, target_id=comment.pk
    )
    moderator = StaffMembershipFactory.create(
        municipality=process.municipality,
        user=UserFactory.create(email="moderator@botosani.example"),
        modules=["participation"],
    ).user
    page = new_session(viewport=DESKTOP, bypass_csp=True).new_page()
    log_in(page, sites.botosani, moderator.email)

    page.goto(f"{sites.botosani}/backoffice/participation/proposals/")
    check_page(page, "staff queue", width=DESKTOP["width"])
    page.get_by_role("link", name=proposal.title).click()
    check_page(page, "staff proposal page", width=DESKTOP["width"])
    page.get_by_label("Status").select_option(label="Rejected")
    page.get_by_role("button", name="Save and tell the author").click()
    expect(page.locator(".error-summary")).to_contain_text(
        "Give the reason for rejecting the proposal"
    )
    page.get_by_role("textbox", name="The city's answer").fill(
        "Zona protejată a Centrului Istoric."
    )
    page.get_by_role("button", name="Save and tell the author").click()
    expect(page.get_by_text("its author was told")).to_be_visible()

    page.get_by_role("link", name="Moderation", exact=True).click()
    check_page(page, "moderation queue", width=DESKTOP["width"])
    row = page.get_by_role("row").filter(has_text="Reclamă la un magazin.")
    row.get_by_role("button", name="Hide").click()
    expect(page.get_by_text("Nothing is waiting for a moderator.")).to_be_visible()
    comment.refresh_from_db()
    proposal.refresh_from_db()
    assert comment.is_hidden
    assert (proposal.status, proposal.answer) == ("rejected", "Zona protejată a Centrului Istoric.")
