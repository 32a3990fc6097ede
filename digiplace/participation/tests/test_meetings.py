"""Meetings: registration with a capacity and a waiting list, promotion and its notice,
the public pages, and another city's meetings never shown."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import Municipality, Notification, User
from digiplace.core.tests.factories import UserFactory
from digiplace.participation.models import Meeting, Registration, RegistrationStatus
from digiplace.participation.selectors.meetings import meeting_seats, registration_for
from digiplace.participation.services import meetings as services
from digiplace.participation.tests.factories import ProcessFactory
from digiplace.participation.tests.factories_meetings import MeetingFactory, RegistrationFactory

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"


def client_en(**extra: Any) -> Client:
    """A browser on Botoșani's site that chose English (the city's default is Romanian)."""
    client = Client(HTTP_HOST=BOTOSANI, **extra)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def statuses(meeting: Meeting) -> dict[str, str]:
    return {
        registration.user.email: registration.status
        for registration in Registration.objects.filter(meeting=meeting).select_related("user")
    }


# Registration, capacity and the waiting list


def test_seats_go_in_order_then_the_waiting_list(botosani: Municipality) -> None:
    meeting = MeetingFactory.create(municipality=botosani, capacity=2)
    people = [UserFactory.create(email=f"p{number}@example.org") for number in range(4)]

    results = [services.registration_create(meeting=meeting, user=person) for person in people]

    assert [result.status for result in results] == ["confirmed", "confirmed", "waiting", "waiting"]
    seats = meeting_seats(meeting=meeting)
    assert (seats.taken, seats.left, seats.waiting, seats.is_full) == (2, 0, 2, True)
    assert registration_for(meeting=meeting, user=people[3]).waiting_position == 2  # type: ignore[union-attr]


def test_a_cancellation_promotes_the_first_waiting_person_and_notifies_them(
    botosani: Municipality,
) -> None:
    meeting = MeetingFactory.create(municipality=botosani, capacity=1, title_en="Public forum")
    first, second, third = (UserFactory.create(email=f"w{n}@example.org") for n in range(3))
    for person in (first, second, third):
        services.registration_create(meeting=meeting, user=person)

    services.registration_cancel(meeting=meeting, user=first)

    assert statuses(meeting) == {
        "w0@example.org": "cancelled",
        "w1@example.org": "confirmed",
        "w2@example.org": "waiting",
    }
    notice = Notification.objects.get(recipient=second)
    assert notice.kind == services.NOTIFICATION_KIND_SEAT
    assert notice.url == reverse("participation:meeting_detail", kwargs={"slug": meeting.slug})
    assert not Notification.objects.filter(recipient=third).exists()
    assert registration_for(meeting=meeting, user=third).waiting_position == 1  # type: ignore[union-attr]


def test_the_notice_is_in_the_persons_language(botosani: Municipality) -> None:
    meeting = MeetingFactory.create(
        municipality=botosani, capacity=1, title_ro="Forumul public", title_en="Public forum"
    )
    taken = UserFactory.create()
    waiting = UserFactory.create(preferred_language="ro")
    services.registration_create(meeting=meeting, user=taken)
    services.registration_create(meeting=meeting, user=waiting)

    services.registration_cancel(meeting=meeting, user=taken)

    notice = Notification.objects.get(recipient=waiting)
    assert notice.language == "ro"
    assert "Forumul public" in notice.subject and "Forumul public" in notice.body


def test_a_waiting_person_who_cancels_frees_no_seat(botosani: Municipality) -> None:
    meeting = MeetingFactory.create(municipality=botosani, capacity=1)
    seated, waiting = UserFactory.create(), UserFactory.create()
    services.registration_create(meeting=meeting, user=seated)
    services.registration_create(meeting=meeting, user=waiting)

    services.registration_cancel(meeting=meeting, user=waiting)

    assert meeting_seats(meeting=meeting).taken == 1
    assert not Notification.objects.exists()


def test_registering_again_after_cancelling_goes_to_the_end_of_the_queue(
    botosani: Municipality,
) -> None:
    meeting = MeetingFactory.create(municipality=botosani, capacity=1)
    seated, waiting = UserFactory.create(), UserFactory.create()
    services.registration_create(meeting=meeting, user=seated)
    services.registration_create(meeting=meeting, user=waiting)
    services.registration_cancel(meeting=meeting, user=seated)

    again = services.registration_create(meeting=meeting, user=seated)

    assert again.status == RegistrationStatus.WAITING
    assert Registration.objects.filter(meeting=meeting).count() == 2


def test_no_one_jumps_the_waiting_list_when_a_seat_is_free(botosani: Municipality) -> None:
    # Staff raise the capacity: the people waiting take the new seats, not a newcomer.
    meeting = MeetingFactory.create(municipality=botosani, capacity=1)
    RegistrationFactory.create(meeting=meeting, status=RegistrationStatus.CONFIRMED)
    waiting = RegistrationFactory.create(meeting=meeting, status=RegistrationStatus.WAITING)
    Meeting.objects.filter(pk=meeting.pk).update(capacity=2)
    meeting.refresh_from_db()

    newcomer = services.registration_create(meeting=meeting, user=UserFactory.create())

    assert newcomer.status == RegistrationStatus.WAITING
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.WAITING


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"is_published": False}, "unpublished"),
        ({"is_cancelled": True}, "cancelled"),
        ({"capacity": None}, "no_registration"),
        ({"registration_open": False}, "closed"),
    ],
)
def test_registration_refused_writes_nothing(
    botosani: Municipality, change: dict[str, object], code: str
) -> None:
    meeting = MeetingFactory.create(municipality=botosani, **change)

    with pytest.raises(ValidationError) as error:
        services.registration_create(meeting=meeting, user=UserFactory.create())

    assert error.value.code == code
    assert not Registration.objects.exists()


def test_no_registration_once_the_meeting_started(botosani: Municipality) -> None:
    started = timezone.now() - datetime.timedelta(minutes=5)
    meeting = MeetingFactory.create(
        municipality=botosani, starts_at=started, ends_at=started + datetime.timedelta(hours=2)
    )

    with pytest.raises(ValidationError) as error:
        services.registration_create(meeting=meeting, user=UserFactory.create())

    assert error.value.code == "started"
    assert not Registration.objects.exists()


def test_an_unconfirmed_account_cannot_register(botosani: Municipality) -> None:
    meeting = MeetingFactory.create(municipality=botosani)
    person = UserFactory.create(email_confirmed_at=None)

    with pytest.raises(ValidationError) as error:
        services.registration_create(meeting=meeting, user=person)

    assert error.value.code == "unconfirmed"
    assert not Registration.objects.exists()


def test_registering_twice_is_refused(botosani: Municipality, resident: User) -> None:
    meeting = MeetingFactory.create(municipality=botosani)
    services.registration_create(meeting=meeting, user=resident)

    with pytest.raises(ValidationError) as error:
        services.registration_create(meeting=meeting, user=resident)

    assert error.value.code == "registered"
    assert Registration.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_people_asking_for_the_last_seat_get_one_seat_and_one_waiting_place(
    botosani: Municipality,
) -> None:
    meeting = MeetingFactory.create(municipality=botosani, capacity=3)
    for _ in range(2):
        RegistrationFactory.create(meeting=meeting, status=RegistrationStatus.CONFIRMED)
    people = [UserFactory.create(email=f"race{n}@example.org") for n in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def register(person: User) -> None:
        try:
            barrier.wait()
            services.registration_create(meeting=meeting, user=person)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    raced = sorted(Registration.objects.filter(user__in=people).values_list("status", flat=True))
    assert raced == ["confirmed", "waiting"]
    assert meeting_seats(meeting=meeting).taken == 3


# Public pages


def test_register_and_cancel_through_the_page(botosani: Municipality, resident: User) -> None:
    meeting = MeetingFactory.create(municipality=botosani, capacity=1)
    client = client_en()
    client.force_login(resident)
    url = reverse("participation:meeting_detail", kwargs={"slug": meeting.slug})

    response = client.post(
        reverse("participation:meeting_register", kwargs={"slug": meeting.slug}), follow=True
    )

    assert response.redirect_chain[-1][0] == url
    assert "You are registered: your seat is confirmed." in response.content.decode()
    assert statuses(meeting) == {resident.email: "confirmed"}
    page = client.get(url).content.decode()
    assert "0 seats left of 1." in page

    client.post(reverse("participation:meeting_unregister", kwargs={"slug": meeting.slug}))

    assert statuses(meeting) == {resident.email: "cancelled"}
    assert "1 seat left of 1." in client.get(url).content.decode()


def test_a_full_meeting_offers_the_waiting_list(botosani: Municipality, resident: User) -> None:
    meeting = MeetingFactory.create(municipality=botosani, capacity=1)
    RegistrationFactory.create(meeting=meeting)
    client = client_en()
    client.force_login(resident)

    page = client.get(reverse("participation:meeting_detail", kwargs={"slug": meeting.slug}))
    assert "Join the waiting list" in page.content.decode()
    response = client.post(
        reverse("participation:meeting_register", kwargs={"slug": meeting.slug}), follow=True
    )

    assert "you are on the waiting list" in response.content.decode()
    assert "You are on the waiting list, number 1." in response.content.decode()


def test_an_anonymous_visitor_is_asked_to_log_in_and_nothing_is_written(
    botosani: Municipality,
) -> None:
    meeting = MeetingFactory.create(municipality=botosani)
    client = client_en()

    page = client.get(reverse("participation:meeting_detail", kwargs={"slug": meeting.slug}))
    response = client.post(reverse("participation:meeting_register", kwargs={"slug": meeting.slug}))

    assert "Log in to register" in page.content.decode()
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Registration.objects.exists()


def test_the_detail_page_shows_the_meeting_in_the_citys_time(botosani: Municipality) -> None:
    # 15:00 UTC in June is 18:00 in Bucharest (summer time).
    starts = datetime.datetime(2031, 6, 12, 15, 0, tzinfo=datetime.UTC)
    meeting = MeetingFactory.create(
        municipality=botosani,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        latitude=47.7486,
        longitude=26.6694,
        stream_url="https://stream.example.org/forum",
        agenda_ro="18:00 Deschidere\n18:30 Întrebări, online și din sală",
    )
    # In Romanian, the city's language: times on the 24-hour clock.
    client = Client(HTTP_HOST=BOTOSANI)

    page = client.get(reverse("participation:meeting_detail", kwargs={"slug": meeting.slug}))

    text = page.content.decode()
    assert page.status_code == 200
    assert "18:00" in text and "20:00" in text
    assert 'datetime="2031-06-12T15:00:00+00:00"' in text
    assert "https://stream.example.org/forum" in text
    assert "<li>18:30 Întrebări, online și din sală</li>" in text
    assert "data-map" in text and "meeting-map-features" in text


def test_the_list_splits_upcoming_and_past_and_filters_by_process(
    botosani: Municipality,
) -> None:
    process = ProcessFactory.create(municipality=botosani, slug="forum")
    past_start = timezone.now() - datetime.timedelta(days=30)
    MeetingFactory.create(municipality=botosani, title_ro="Viitoare", process=process)
    MeetingFactory.create(
        municipality=botosani,
        title_ro="Trecută",
        starts_at=past_start,
        ends_at=past_start + datetime.timedelta(hours=2),
    )
    MeetingFactory.create(municipality=botosani, title_ro="Ciornă", is_published=False)
    client = Client(HTTP_HOST=BOTOSANI)

    everything = client.get(reverse("participation:meeting_list")).content.decode()
    filtered = client.get(reverse("participation:meeting_list") + "?process=forum")

    upcoming, past = everything.split('id="past-heading"')
    assert "Viitoare" in upcoming and "Trecută" in past
    assert "Ciornă" not in everything
    assert "Viitoare" in filtered.content.decode()
    assert "Trecută" not in filtered.content.decode()
    assert client.get(reverse("participation:meeting_list") + "?process=nope").status_code == 404


def test_another_citys_meeting_is_not_found(
    botosani: Municipality, timisoara: Municipality, resident: User
) -> None:
    meeting = MeetingFactory.create(municipality=timisoara, slug="ascultare")
    client = client_en()
    client.force_login(resident)

    for name in ("meeting_detail", "meeting_ical", "meeting_questions"):
        assert (
            client.get(reverse(f"participation:{name}", kwargs={"slug": "ascultare"})).status_code
            == 404
        )
    response = client.post(reverse("participation:meeting_register", kwargs={"slug": "ascultare"}))

    assert response.status_code == 404
    assert not Registration.objects.exists()
    assert "ascultare" not in client.get(reverse("participation:meeting_list")).content.decode()
    assert (
        Client(HTTP_HOST=TIMISOARA)
        .get(reverse("participation:meeting_detail", kwargs={"slug": meeting.slug}))
        .status_code
        == 200
    )


def test_an_unpublished_meeting_is_not_public(botosani: Municipality) -> None:
    meeting = MeetingFactory.create(municipality=botosani, is_published=False)

    response = client_en().get(
        reverse("participation:meeting_detail", kwargs={"slug": meeting.slug})
    )

    assert response.status_code == 404


def test_a_past_meeting_shows_minutes_the_paper_and_answered_questions(
    botosani: Municipality,
) -> None:
    from django.core.files.base import ContentFile

    from digiplace.participation.tests.factories_meetings import ForumQuestionFactory

    start = timezone.now() - datetime.timedelta(days=60)
    meeting = MeetingFactory.create(
        municipality=botosani,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        minutes="Au participat 84 de persoane.",
        questions_enabled=True,
    )
    meeting.position_paper.save("paper.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    ForumQuestionFactory.create(
        meeting=meeting, body="Când vine tramvaiul?", status="answered", answer="În 2027."
    )
    ForumQuestionFactory.create(meeting=meeting, body="Întrebare ascunsă", status="hidden")
    ForumQuestionFactory.create(meeting=meeting, body="Întrebare în așteptare", status="pending")
    client = client_en()

    page = client.get(reverse("participation:meeting_detail", kwargs={"slug": meeting.slug}))
    paper = client.get(
        reverse("participation:meeting_position_paper", kwargs={"slug": meeting.slug})
    )

    text = page.content.decode()
    assert "Au participat 84 de persoane." in text
    assert "Când vine tramvaiul?" in text and "În 2027." in text
    assert "Întrebare ascunsă" not in text and "Întrebare în așteptare" not in text
    assert paper.status_code == 200
    assert paper["Content-Type"] == "application/pdf"
    assert b"".join(paper.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
