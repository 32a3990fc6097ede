"""The live forum: questions sent by signed-in participants, upvoted once each, moderated;
only approved and answered ones are public; the live fragment is held by the page cache and
is new after every change."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership, User
from digiplace.core.page_cache import CSRF_PLACEHOLDER
from digiplace.core.tests.factories import UserFactory
from digiplace.participation.models import ForumQuestion, ForumQuestionStatus, QuestionVote
from digiplace.participation.selectors.meetings_forum import voter_key
from digiplace.participation.services import meetings_forum as forum
from digiplace.participation.tests.factories_meetings import ForumQuestionFactory, MeetingFactory

BOTOSANI = "botosani.localhost"


def client_en(**extra: Any) -> Client:
    """A browser on Botoșani's site that chose English (the city's default is Romanian)."""
    client = Client(HTTP_HOST=BOTOSANI, **extra)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def forum_meeting(botosani: Municipality):  # type: ignore[no-untyped-def]
    return MeetingFactory.create(
        municipality=botosani, slug="forum", questions_enabled=True, questions_open=True
    )


def fragment_url(slug: str = "forum") -> str:
    return reverse("participation:meeting_questions_fragment", kwargs={"slug": slug})


def questions_url(slug: str = "forum") -> str:
    return reverse("participation:meeting_questions", kwargs={"slug": slug})


# Sending and upvoting


def test_a_question_waits_for_the_moderator_and_only_its_author_sees_it(
    forum_meeting, resident: User
) -> None:
    author = client_en()
    author.force_login(resident)

    response = author.post(
        questions_url(), {"body": "  Unde se opresc autobuzele electrice?  "}, follow=True
    )

    question = ForumQuestion.objects.get()
    assert question.status == ForumQuestionStatus.PENDING
    assert question.body == "Unde se opresc autobuzele electrice?"
    assert question.author_name == ""
    assert "your question is waiting for the moderator" in response.content.decode()
    assert "Unde se opresc autobuzele electrice?" in author.get(fragment_url()).content.decode()
    other = client_en()
    other.force_login(UserFactory.create())
    assert "Unde se opresc" not in other.get(fragment_url()).content.decode()
    assert "Unde se opresc" not in client_en().get(questions_url()).content.decode()


def test_the_name_is_shown_only_when_asked(forum_meeting, resident: User) -> None:
    question = forum.question_submit(
        meeting=forum_meeting, user=resident, body="Întrebare", show_name=True
    )
    anonymous = forum.question_submit(meeting=forum_meeting, user=resident, body="Alta")

    assert question.author_name == "Ana Popescu"
    assert anonymous.author_name == ""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", "Write your question."),
        ("x" * 1001, "A question has at most 1000 characters (this one has 1001)."),
    ],
)
def test_a_bad_question_is_refused_with_a_message_and_nothing_written(
    forum_meeting, resident: User, body: str, message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        forum.question_submit(meeting=forum_meeting, user=resident, body=body)

    assert error.value.messages == [message]
    assert not ForumQuestion.objects.exists()


def test_a_1000_character_question_is_taken(forum_meeting, resident: User) -> None:
    question = forum.question_submit(meeting=forum_meeting, user=resident, body="é" * 1000)
    assert len(question.body) == 1000


def test_closed_questions_refuse_new_ones(forum_meeting, resident: User) -> None:
    forum_meeting.questions_open = False
    forum_meeting.save()
    client = client_en()
    client.force_login(resident)

    response = client.post(questions_url(), {"body": "Întrebare"})

    assert response.status_code == 400
    assert "Questions are closed" in response.content.decode()
    assert not ForumQuestion.objects.exists()


def test_an_unconfirmed_account_cannot_ask(forum_meeting) -> None:
    person = UserFactory.create(email_confirmed_at=None)
    with pytest.raises(ValidationError):
        forum.question_submit(meeting=forum_meeting, user=person, body="Întrebare")
    assert not ForumQuestion.objects.exists()


def test_anonymous_visitors_cannot_ask(forum_meeting) -> None:
    client = client_en()
    page = client.get(questions_url())
    response = client.post(questions_url(), {"body": "Întrebare"})

    assert "Log in to ask and upvote questions" in page.content.decode()
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ForumQuestion.objects.exists()


def test_questions_are_rate_limited_per_participant(forum_meeting, resident: User) -> None:
    client = client_en()
    client.force_login(resident)
    for number in range(forum.QUESTION_RATE_LIMIT):
        client.post(questions_url(), {"body": f"Întrebarea {number}"})

    refused = client.post(questions_url(), {"body": "Încă una"})

    assert refused.status_code == 429
    assert "You have sent many questions in a short time." in refused.content.decode()
    assert ForumQuestion.objects.count() == forum.QUESTION_RATE_LIMIT
    # Another participant is not held back.
    forum.question_submit(meeting=forum_meeting, user=UserFactory.create(), body="Alta")
    assert ForumQuestion.objects.count() == forum.QUESTION_RATE_LIMIT + 1


def test_an_upvote_counts_once_per_account(forum_meeting, resident: User) -> None:
    question = ForumQuestionFactory.create(meeting=forum_meeting)
    client = client_en()
    client.force_login(resident)
    url = reverse(
        "participation:meeting_question_vote", kwargs={"slug": "forum", "pk": question.pk}
    )

    client.post(url)
    client.post(url)
    forum.question_vote(question=question, user=UserFactory.create())

    question.refresh_from_db()
    assert question.vote_count == 2
    assert QuestionVote.objects.count() == 2
    vote = QuestionVote.objects.get(voter_key=voter_key(resident))
    assert resident.email not in vote.voter_key
    assert len(vote.voter_key) == 64
    assert voter_key(resident) != voter_key(UserFactory.create())


def test_an_htmx_upvote_answers_the_list_with_the_new_count(forum_meeting, resident: User) -> None:
    question = ForumQuestionFactory.create(meeting=forum_meeting, body="Tramvai sau autobuz?")
    client = client_en()
    client.force_login(resident)

    response = client.post(
        reverse("participation:meeting_question_vote", kwargs={"slug": "forum", "pk": question.pk}),
        HTTP_HX_REQUEST="true",
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in text
    assert "1 vote" in text and "You upvoted this question." in text


@pytest.mark.parametrize("status", ["pending", "hidden", "answered"])
def test_only_open_questions_can_be_upvoted(forum_meeting, resident: User, status: str) -> None:
    question = ForumQuestionFactory.create(meeting=forum_meeting, status=status)
    with pytest.raises(ValidationError):
        forum.question_vote(question=question, user=resident)
    question.refresh_from_db()
    assert question.vote_count == 0
    assert not QuestionVote.objects.exists()


def test_the_public_list_is_sorted_by_votes_and_hides_pending_and_hidden(
    forum_meeting,
) -> None:
    ForumQuestionFactory.create(meeting=forum_meeting, body="Puțin votată", vote_count=1)
    ForumQuestionFactory.create(meeting=forum_meeting, body="Cea mai votată", vote_count=9)
    ForumQuestionFactory.create(meeting=forum_meeting, body="În așteptare", status="pending")
    ForumQuestionFactory.create(meeting=forum_meeting, body="Ascunsă", status="hidden")
    ForumQuestionFactory.create(
        meeting=forum_meeting, body="Cu răspuns", status="answered", answer="Da, în 2027."
    )

    text = client_en().get(fragment_url()).content.decode()

    assert text.index("Cea mai votată") < text.index("Puțin votată")
    assert "Cu răspuns" in text and "Da, în 2027." in text
    assert "În așteptare" not in text and "Ascunsă" not in text


# The page cache holds the live fragment


def test_the_fragment_is_cached_without_a_token_and_changes_after_approval(
    forum_meeting, botosani: Municipality, botosani_admin: StaffMembership
) -> None:
    pending = ForumQuestionFactory.create(
        meeting=forum_meeting, body="Câte stații noi?", status="pending"
    )
    viewer = client_en(HTTP_HX_REQUEST="true")

    first = viewer.get(fragment_url())
    second = viewer.get(fragment_url())

    assert first["X-Cache"] == "miss" and second["X-Cache"] == "hit"
    assert first.content == second.content
    for response in (first, second):
        text = response.content.decode()
        assert "csrfmiddlewaretoken" not in text and CSRF_PLACEHOLDER not in text
        assert "Câte stații noi?" not in text
    assert "public" in second["Cache-Control"]

    forum.question_moderate(
        question=pending, actor=botosani_admin.user, status=ForumQuestionStatus.APPROVED
    )
    third = viewer.get(fragment_url())
    assert third["X-Cache"] == "miss"
    assert "Câte stații noi?" in third.content.decode()
    assert viewer.get(fragment_url())["X-Cache"] == "hit"

    pending.refresh_from_db()
    forum.question_moderate(
        question=pending, actor=botosani_admin.user, status="answered", answer="Șase."
    )
    answered = viewer.get(fragment_url()).content.decode()
    assert answered.index("Câte stații noi?") > answered.index("answered-questions-heading")
    assert "Șase." in answered


def test_the_questions_page_polls_the_fragment(forum_meeting) -> None:
    text = client_en().get(questions_url()).content.decode()
    assert f'hx-get="{fragment_url()}"' in text
    assert 'hx-trigger="every 3s"' in text


# Moderation


def test_moderation_moves_and_refusals(forum_meeting, botosani_admin: StaffMembership) -> None:
    actor = botosani_admin.user
    question = ForumQuestionFactory.create(meeting=forum_meeting, status="pending")

    with pytest.raises(ValidationError):
        forum.question_moderate(question=question, actor=actor, status="answered")
    question.refresh_from_db()
    assert question.status == "pending"

    forum.question_moderate(question=question, actor=actor, status="approved")
    question.refresh_from_db()
    forum.question_moderate(question=question, actor=actor, status="answered", answer=" Da. ")
    question.refresh_from_db()
    assert (question.status, question.answer) == ("answered", "Da.")

    entries = AuditLogEntry.objects.filter(target_type="participation.ForumQuestion")
    assert entries.count() == 2
    assert entries.order_by("pk").last().after == {"status": "answered", "answer": "Da."}  # type: ignore[union-attr]


def test_a_room_question_is_public_at_once_and_audited(
    forum_meeting, botosani_admin: StaffMembership
) -> None:
    question = forum.question_add_in_room(
        meeting=forum_meeting, actor=botosani_admin.user, body="Din sală", author_name="Ion"
    )
    assert (question.status, question.in_room, question.author_id) == ("approved", True, None)
    assert AuditLogEntry.objects.filter(action="create", target_id=str(question.pk)).exists()
    assert "Din sală" in client_en().get(fragment_url()).content.decode()


def test_opening_and_closing_questions_is_audited(
    forum_meeting, botosani_admin: StaffMembership
) -> None:
    forum.questions_open_set(meeting=forum_meeting, actor=botosani_admin.user, is_open=False)
    forum_meeting.refresh_from_db()
    assert forum_meeting.questions_open is False
    entry = AuditLogEntry.objects.get(target_type="participation.Meeting")
    assert entry.after == {"questions_open": False}
