"""The hybrid forum live, in three browsers: an online participant sends a question (only
they see it waiting); the moderator (context A) sees it arrive on the moderation page
without reloading and approves it; a viewer (context B) sees it appear on the public list
without reloading; the moderator marks it answered with a short answer, and the viewer sees
that too. axe passes on both pages."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from digiplace.core.models import Municipality, StaffRole
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import ForumQuestion, Meeting
from digiplace.participation.tests.factories_meetings import MeetingFactory

from .conftest import BrowserSession, NewSession, Sites, axe_violations, describe_violations
from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "Unde vor opri autobuzele electrice în cartierul Cișmea?"
ANSWER = "Traseul propus are trei stații în Cișmea; harta e în consultare."
# Polling every 3 seconds: a change shows within two polls and the request's time.
LIVE_TIMEOUT_MS = 9_000


@pytest.fixture
def live_meeting(botosani: Municipality) -> Meeting:
    started = timezone.now() - datetime.timedelta(minutes=10)
    return MeetingFactory.create(
        municipality=botosani,
        slug="forum-live",
        title="Forumul public anual",
        title_ro="Forumul public anual",
        title_en="Annual public forum",
        starts_at=started,
        ends_at=started + datetime.timedelta(hours=3),
        questions_enabled=True,
        questions_open=True,
        stream_url="https://stream.example.org/forum",
    )


def english(session: BrowserSession, sites: Sites) -> BrowserSession:
    """The page's language chosen as English (Botoșani's default is Romanian)."""
    session.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": sites.botosani}]
    )
    return session


def mark_page(page: Page) -> None:
    """A value that lives as long as the page: gone if the page reloads."""
    page.evaluate("window.__forumMark = 'same page'")


def same_page(page: Page) -> bool:
    return bool(page.evaluate("window.__forumMark === 'same page'"))


def test_the_moderator_runs_questions_live_while_a_viewer_watches(
    sites: Sites, new_session: NewSession, botosani: Municipality, live_meeting: Meeting
) -> None:
    moderator = StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="moderator@botosani.example"),
        role=StaffRole.STAFF,
        modules=["participation"],
    )
    UserFactory.create(email="ana@example.org", full_name="Ana Popescu")
    questions_url = f"{sites.botosani}/participation/meetings/forum-live/questions/"
    moderate_url = f"{sites.botosani}/backoffice/participation/meetings/{live_meeting.pk}/moderate/"

    # Context A: the moderator's page is open before anything is sent.
    moderator_session = english(new_session(bypass_csp=True), sites)
    moderator_page = moderator_session.new_page()
    log_in(moderator_page, sites.botosani, moderator.user.email)
    moderator_page.goto(moderate_url)
    mark_page(moderator_page)
    pending = moderator_page.locator("#moderation-lists section").filter(
        has=moderator_page.locator("#pending-heading")
    )
    expect(pending).to_contain_text("No questions are waiting.")

    # Context B: an anonymous viewer follows the public list.
    viewer_session = english(new_session(bypass_csp=True), sites)
    viewer = viewer_session.new_page()
    viewer.goto(questions_url)
    mark_page(viewer)
    expect(
        viewer.get_by_role("heading", name=re.compile("Questions waiting for an answer"))
    ).to_be_visible()
    expect(viewer.locator("#live-questions")).not_to_contain_text(QUESTION)
    violations = axe_violations(viewer)
    assert violations == [], describe_violations("questions page", violations)

    # An online participant sends a question: it waits for the moderator.
    participant_session = english(new_session(viewport={"width": 375, "height": 812}), sites)
    participant = participant_session.new_page()
    log_in(participant, sites.botosani, "ana@example.org")
    participant.goto(questions_url)
    participant.get_by_label("Your question").fill(QUESTION)
    with participant.expect_navigation():
        participant.get_by_role("button", name="Send the question").click()
    expect(participant.locator(".forum-mine")).to_contain_text(QUESTION)
    expect(participant.locator(".forum-mine")).to_contain_text("Waiting for the moderator")
    assert ForumQuestion.objects.get().status == "pending"

    # A: the question arrives on the moderation page by itself; the moderator approves it.
    expect(pending).to_contain_text(QUESTION, timeout=LIVE_TIMEOUT_MS)
    assert same_page(moderator_page)
    expect(viewer.locator("#live-questions")).not_to_contain_text(QUESTION)
    pending.get_by_role("button", name=re.compile("^Approve")).click()
    approved = moderator_page.locator("#moderation-lists section").filter(
        has=moderator_page.locator("#approved-heading")
    )
    expect(approved).to_contain_text(QUESTION)

    # B: the viewer sees it appear without reloading.
    open_list = viewer.locator("#live-questions section").filter(
        has=viewer.locator("#open-questions-heading")
    )
    expect(open_list).to_contain_text(QUESTION, timeout=LIVE_TIMEOUT_MS)
    assert same_page(viewer)

    # A marks it answered with a short answer; B sees it move to the answered list.
    approved.get_by_label("Short answer (optional)").fill(ANSWER)
    approved.get_by_role("button", name=re.compile("^Mark answered")).click()
    answered_a = moderator_page.locator("#moderation-lists section").filter(
        has=moderator_page.locator("#answered-heading")
    )
    expect(answered_a).to_contain_text(ANSWER)
    answered_b = viewer.locator("#live-questions section").filter(
        has=viewer.locator("#answered-questions-heading")
    )
    expect(answered_b).to_contain_text(QUESTION, timeout=LIVE_TIMEOUT_MS)
    expect(answered_b).to_contain_text(ANSWER)
    expect(open_list).not_to_contain_text(QUESTION)
    assert same_page(viewer) and same_page(moderator_page)
    question = ForumQuestion.objects.get()
    assert (question.status, question.answer) == ("answered", ANSWER)
    violations = axe_violations(moderator_page)
    assert violations == [], describe_violations("moderation page", violations)
    for session in (moderator_session, viewer_session, participant_session):
        assert session.page_errors == []
