"""Staff pages of meetings: who may open them, the meeting form (bad input writes nothing),
publish, cancel with notices, registrations and their CSV, the documents (PDF only,
size-limited), and moderation through the pages."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from digiplace.core.models import (
    AuditLogEntry,
    Municipality,
    Notification,
    StaffMembership,
    StaffRole,
    User,
)
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import ForumQuestion, Meeting, RegistrationStatus
from digiplace.participation.services import meetings as services
from digiplace.participation.tests.factories_meetings import (
    ForumQuestionFactory,
    MeetingFactory,
    RegistrationFactory,
)

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"


def client_en(**extra: Any) -> Client:
    """A browser on Botoșani's site that chose English (the city's default is Romanian)."""
    client = Client(HTTP_HOST=BOTOSANI, **extra)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def moderator(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="moderator@botosani.example"),
        role=StaffRole.STAFF,
        modules=["participation"],
    )


def staff_client(membership: StaffMembership, host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(membership.user)
    return client


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "slug": "forum-2031",
        "title_ro": "Forumul public anual 2031",
        "title_en": "Annual public forum 2031",
        "description_ro": "Dezbatere hibridă",
        "agenda_ro": "18:00 Deschidere",
        "starts_at": "2031-06-12T18:00",
        "ends_at": "2031-06-12T21:00",
        "place_name": "Teatrul Mihai Eminescu",
        "address": "Bulevardul Mihai Eminescu 10",
        "latitude": "47.7451",
        "longitude": "26.6654",
        "stream_url": "https://stream.example.org/forum",
        "capacity": "120",
        "registration_open": "on",
        "questions_enabled": "on",
    }
    data.update(overrides)
    return data


# Who may open the pages


def test_pages_need_the_participation_module(
    botosani: Municipality, botosani_staff: StaffMembership
) -> None:
    meeting = MeetingFactory.create(municipality=botosani, questions_enabled=True)
    urls = [
        reverse("participation_backoffice:meeting_staff_list"),
        reverse("participation_backoffice:meeting_create"),
        reverse("participation_backoffice:meeting_edit", kwargs={"pk": meeting.pk}),
        reverse("participation_backoffice:meeting_registrations", kwargs={"pk": meeting.pk}),
        reverse("participation_backoffice:meeting_registrations_csv", kwargs={"pk": meeting.pk}),
        reverse("participation_backoffice:meeting_moderate", kwargs={"pk": meeting.pk}),
        reverse("participation_backoffice:meeting_documents", kwargs={"pk": meeting.pk}),
    ]
    no_module = staff_client(botosani_staff)
    anonymous = client_en()

    for url in urls:
        assert no_module.get(url).status_code == 403, url
        assert anonymous.get(url).status_code == 302, url


def test_staff_without_the_module_change_nothing(
    botosani: Municipality, botosani_staff: StaffMembership
) -> None:
    meeting = MeetingFactory.create(municipality=botosani, is_published=False)
    question = ForumQuestionFactory.create(meeting=meeting, status="pending")
    client = staff_client(botosani_staff)

    client.post(reverse("participation_backoffice:meeting_publish", kwargs={"pk": meeting.pk}))
    client.post(reverse("participation_backoffice:meeting_cancel", kwargs={"pk": meeting.pk}))
    client.post(
        reverse(
            "participation_backoffice:meeting_question_moderate",
            kwargs={"pk": meeting.pk, "question_pk": question.pk},
        ),
        {"status": "approved"},
    )

    meeting.refresh_from_db()
    question.refresh_from_db()
    assert (meeting.is_published, meeting.is_cancelled, question.status) == (
        False,
        False,
        "pending",
    )


def test_another_citys_admin_finds_nothing_here(
    botosani: Municipality, timisoara_admin: StaffMembership
) -> None:
    meeting = MeetingFactory.create(municipality=botosani)
    client = staff_client(timisoara_admin, host=TIMISOARA)

    edit = client.get(reverse("participation_backoffice:meeting_edit", kwargs={"pk": meeting.pk}))
    cancel = client.post(
        reverse("participation_backoffice:meeting_cancel", kwargs={"pk": meeting.pk})
    )

    assert edit.status_code == cancel.status_code == 404
    meeting.refresh_from_db()
    assert meeting.is_cancelled is False


def test_every_staff_page_of_another_citys_meeting_is_404_whatever_the_method(
    botosani: Municipality, timisoara_admin: StaffMembership
) -> None:
    meeting = MeetingFactory.create(municipality=botosani, questions_enabled=True)
    question = ForumQuestionFactory.create(meeting=meeting, status="pending")
    names = [
        "meeting_edit",
        "meeting_publish",
        "meeting_cancel",
        "meeting_registrations",
        "meeting_registrations_csv",
        "meeting_documents",
        "meeting_moderate",
        "meeting_moderate_fragment",
        "meeting_question_add",
        "meeting_questions_toggle",
    ]
    urls = [
        reverse(f"participation_backoffice:{name}", kwargs={"pk": meeting.pk}) for name in names
    ]
    urls.append(
        reverse(
            "participation_backoffice:meeting_question_moderate",
            kwargs={"pk": meeting.pk, "question_pk": question.pk},
        )
    )
    client = staff_client(timisoara_admin, host=TIMISOARA)

    answers = {
        (method, url): getattr(client, method)(url).status_code
        for url in urls
        for method in ("get", "post", "put", "delete")
    }

    assert set(answers.values()) == {404}, answers
    question.refresh_from_db()
    assert question.status == "pending"


# The meeting form


def test_staff_create_a_meeting_in_the_citys_time_and_it_is_audited(
    botosani: Municipality, moderator: StaffMembership
) -> None:
    client = staff_client(moderator)

    response = client.post(reverse("participation_backoffice:meeting_create"), form_data())

    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert meeting.is_published is False
    assert (getattr(meeting, "title_ro"), getattr(meeting, "title_en")) == (  # noqa: B009
        "Forumul public anual 2031",
        "Annual public forum 2031",
    )
    # 18:00 in Bucharest in June is 15:00 UTC.
    assert meeting.starts_at.isoformat() == "2031-06-12T15:00:00+00:00"
    assert (meeting.latitude, meeting.longitude, meeting.capacity) == (47.7451, 26.6654, 120)
    assert AuditLogEntry.objects.filter(
        action="create", target_type="participation.Meeting", target_id=str(meeting.pk)
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"latitude": "45.75", "longitude": "21.22"}, "This place is outside the city."),
        ({"longitude": ""}, "Give both the latitude and the longitude, or neither."),
        ({"ends_at": "2031-06-12T17:00"}, "The meeting must end after it starts."),
        ({"capacity": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"slug": "Forum 2031!"}, "Enter a valid “slug”"),
        ({"starts_at": "mâine"}, "Enter a valid date/time."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(
    botosani: Municipality,
    moderator: StaffMembership,
    overrides: dict[str, object],
    message: str,
) -> None:
    response = staff_client(moderator).post(
        reverse("participation_backoffice:meeting_create"), form_data(**overrides)
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_slug_taken_in_the_city_is_refused(
    botosani: Municipality, moderator: StaffMembership
) -> None:
    MeetingFactory.create(municipality=botosani, slug="forum-2031")

    response = staff_client(moderator).post(
        reverse("participation_backoffice:meeting_create"), form_data()
    )

    assert response.status_code == 400
    assert Meeting.objects.count() == 1


def test_editing_more_seats_promotes_the_people_waiting(
    botosani: Municipality, moderator: StaffMembership
) -> None:
    meeting = MeetingFactory.create(municipality=botosani, capacity=1, slug="forum-2031")
    RegistrationFactory.create(meeting=meeting)
    waiting = RegistrationFactory.create(meeting=meeting, status=RegistrationStatus.WAITING)
    client = staff_client(moderator)
    page = client.get(reverse("participation_backoffice:meeting_edit", kwargs={"pk": meeting.pk}))
    assert page.status_code == 200

    client.post(
        reverse("participation_backoffice:meeting_edit", kwargs={"pk": meeting.pk}),
        form_data(capacity="2", starts_at="2031-06-12T18:00"),
    )

    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert Notification.objects.filter(
        recipient=waiting.user, kind=services.NOTIFICATION_KIND_SEAT
    ).exists()


def test_publish_then_cancel_notifies_everyone_registered(
    botosani: Municipality, moderator: StaffMembership
) -> None:
    meeting = MeetingFactory.create(municipality=botosani, is_published=False, capacity=1)
    client = staff_client(moderator)
    client.post(reverse("participation_backoffice:meeting_publish", kwargs={"pk": meeting.pk}))
    meeting.refresh_from_db()
    assert meeting.is_published is True
    seated = RegistrationFactory.create(meeting=meeting)
    waiting = RegistrationFactory.create(meeting=meeting, status=RegistrationStatus.WAITING)
    gone = RegistrationFactory.create(meeting=meeting, status=RegistrationStatus.CANCELLED)

    confirm = client.get(
        reverse("participation_backoffice:meeting_cancel", kwargs={"pk": meeting.pk})
    )
    assert "The 2 people registered or waiting will be notified." in confirm.content.decode()
    client.post(reverse("participation_backoffice:meeting_cancel", kwargs={"pk": meeting.pk}))

    meeting.refresh_from_db()
    assert meeting.is_cancelled is True
    notified = set(
        Notification.objects.filter(kind=services.NOTIFICATION_KIND_CANCELLED).values_list(
            "recipient_id", flat=True
        )
    )
    assert notified == {seated.user_id, waiting.user_id}
    assert gone.user_id not in notified
    page = client_en().get(reverse("participation:meeting_detail", kwargs={"slug": meeting.slug}))
    assert "This meeting is cancelled." in page.content.decode()


# Registrations: names and emails for staff only


def test_registrations_list_and_csv_for_staff_only(
    botosani: Municipality, moderator: StaffMembership
) -> None:
    meeting = MeetingFactory.create(municipality=botosani, capacity=1)
    RegistrationFactory.create(
        meeting=meeting, user=UserFactory.create(email="ion@example.org", full_name="Ion Ionescu")
    )
    RegistrationFactory.create(
        meeting=meeting,
        user=UserFactory.create(email="eva@example.org", full_name="=HYPERLINK(1)"),
        status=RegistrationStatus.WAITING,
    )
    client = staff_client(moderator)

    page = client.get(
        reverse("participation_backoffice:meeting_registrations", kwargs={"pk": meeting.pk})
    )
    export = client.get(
        reverse("participation_backoffice:meeting_registrations_csv", kwargs={"pk": meeting.pk})
    )
    public = client_en().get(reverse("participation:meeting_detail", kwargs={"slug": meeting.slug}))

    assert "ion@example.org" in page.content.decode()
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Email", "Status", "Registered", "Waiting position"]
    assert rows[1][:3] == ["Ion Ionescu", "ion@example.org", "Seat confirmed"]
    assert rows[2][0] == "'=HYPERLINK(1)"
    assert rows[2][2:][0] == "On the waiting list" and rows[2][4] == "1"
    assert export["Cache-Control"] == "private, no-store"
    assert "ion@example.org" not in public.content.decode()
    assert "Ion Ionescu" not in public.content.decode()


# Documents: the minutes and a PDF position paper


def test_a_pdf_position_paper_and_the_minutes_are_saved(
    botosani: Municipality, moderator: StaffMembership
) -> None:
    meeting = MeetingFactory.create(municipality=botosani)
    pdf = SimpleUploadedFile(
        "paper.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "application/pdf"
    )

    response = staff_client(moderator).post(
        reverse("participation_backoffice:meeting_documents", kwargs={"pk": meeting.pk}),
        {"minutes": "Au participat 84 de persoane.", "position_paper": pdf},
    )

    meeting.refresh_from_db()
    assert response.status_code == 302
    assert meeting.minutes == "Au participat 84 de persoane."
    assert meeting.position_paper.read().startswith(b"%PDF-")


def test_a_file_that_is_not_a_pdf_is_refused(
    botosani: Municipality, moderator: StaffMembership
) -> None:
    meeting = MeetingFactory.create(municipality=botosani)
    fake = SimpleUploadedFile("paper.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")

    response = staff_client(moderator).post(
        reverse("participation_backoffice:meeting_documents", kwargs={"pk": meeting.pk}),
        {"minutes": "Text", "position_paper": fake},
    )

    meeting.refresh_from_db()
    assert response.status_code == 400
    assert "Upload a PDF file." in response.content.decode()
    assert (meeting.minutes, meeting.position_paper.name) == ("", "")


def test_a_position_paper_over_the_limit_is_refused(
    botosani: Municipality, moderator: StaffMembership, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = MeetingFactory.create(municipality=botosani)
    big = SimpleUploadedFile(
        "paper.pdf", b"%PDF-1.4\n" + b"0" * (services.POSITION_PAPER_MAX_BYTES + 1)
    )

    response = staff_client(moderator).post(
        reverse("participation_backoffice:meeting_documents", kwargs={"pk": meeting.pk}),
        {"minutes": "Text", "position_paper": big},
    )

    meeting.refresh_from_db()
    assert response.status_code in {400, 413}
    assert "too large" in response.content.decode()
    assert meeting.position_paper.name == ""


# Moderation through the pages


def test_the_moderator_approves_and_answers_through_the_page(
    botosani: Municipality, moderator: StaffMembership
) -> None:
    meeting = MeetingFactory.create(
        municipality=botosani, questions_enabled=True, questions_open=True
    )
    question = ForumQuestionFactory.create(meeting=meeting, status="pending", body="Câte stații?")
    client = staff_client(moderator)
    page = client.get(
        reverse("participation_backoffice:meeting_moderate", kwargs={"pk": meeting.pk})
    )
    assert "Câte stații?" in page.content.decode()
    url = reverse(
        "participation_backoffice:meeting_question_moderate",
        kwargs={"pk": meeting.pk, "question_pk": question.pk},
    )

    client.post(url, {"status": "approved"})
    fragment = client.post(url, {"status": "answered", "answer": "Șase."}, HTTP_HX_REQUEST="true")

    question.refresh_from_db()
    assert (question.status, question.answer) == ("answered", "Șase.")
    assert "<html" not in fragment.content.decode() and "Șase." in fragment.content.decode()
    client.post(
        reverse("participation_backoffice:meeting_question_add", kwargs={"pk": meeting.pk}),
        {"body": "Din sală: și pistele de biciclete?", "author_name": ""},
    )
    assert ForumQuestion.objects.filter(in_room=True, status="approved").count() == 1
    client.post(
        reverse("participation_backoffice:meeting_questions_toggle", kwargs={"pk": meeting.pk}),
        {"open": "0"},
    )
    meeting.refresh_from_db()
    assert meeting.questions_open is False


def test_people_on_public_pages_never_see_emails(botosani: Municipality, resident: User) -> None:
    meeting = MeetingFactory.create(
        municipality=botosani, questions_enabled=True, questions_open=True
    )
    ForumQuestionFactory.create(meeting=meeting, author=resident, author_name="")
    text = (
        client_en()
        .get(reverse("participation:meeting_questions", kwargs={"slug": meeting.slug}))
        .content.decode()
    )
    assert resident.email not in text and "Ana Popescu" not in text
