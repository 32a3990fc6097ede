"""The meetings demo: Botoșani's annual forum (a past edition with minutes, a position paper
and answered questions; an upcoming one taking registrations) and Timișoara's
neighbourhood listening in its zones; loading twice changes nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import UserFactory
from digiplace.participation.demo import meetings as demo
from digiplace.participation.models import ForumQuestion, Meeting
from digiplace.participation.services.meetings import registration_create
from digiplace.participation.tests.factories import ZoneFactory

BOTOSANI = "botosani.localhost"


def client_en(**extra: Any) -> Client:
    """A browser on Botoșani's site that chose English (the city's default is Romanian)."""
    client = Client(HTTP_HOST=BOTOSANI, **extra)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_demo_loads_once_and_its_pages_work(
    botosani: Municipality, timisoara: Municipality
) -> None:
    ZoneFactory.create(
        municipality=timisoara,
        slug="zona-1",
        name="Cetate",
        name_ro="Cetate",
        name_en="Cetate",
        position=1,
        geometry={
            "type": "Polygon",
            "coordinates": [
                [[21.22, 45.75], [21.24, 45.75], [21.24, 45.76], [21.22, 45.76], [21.22, 45.75]]
            ],
        },
    )
    ZoneFactory.create(municipality=timisoara, slug="zona-2", name="Fabric", position=2)

    lines = demo.demo_load(botosani=botosani, timisoara=timisoara)
    again = demo.demo_load(botosani=botosani, timisoara=timisoara)

    assert len(lines) == 2 and again == []
    forum = Meeting.objects.filter(municipality=botosani).order_by("starts_at")
    past, upcoming = list(forum)
    assert past.ends_at < timezone.now() < upcoming.starts_at
    assert getattr(past, "title_en").startswith("Annual public forum")  # noqa: B009
    assert past.title_ro.startswith("Forumul public anual")  # type: ignore[attr-defined]
    assert past.position_paper.read().startswith(b"%PDF-")
    assert ForumQuestion.objects.filter(meeting=past, status="answered").count() == 5
    client = client_en()
    page = client.get(reverse("participation:meeting_detail", kwargs={"slug": past.slug}))
    text = page.content.decode()
    assert "Tramvai sau autobuze electrice" in text and "Piața Revoluției 1" in text
    paper = client.get(reverse("participation:meeting_position_paper", kwargs={"slug": past.slug}))
    assert paper.status_code == 200
    assert registration_create(meeting=upcoming, user=UserFactory.create()).status == "confirmed"
    listening = Meeting.objects.filter(municipality=timisoara).order_by("starts_at")
    assert [meeting.slug for meeting in listening] == ["ascultare-zona-1", "ascultare-zona-2"]
    first, second = listening
    assert first.latitude is not None and timisoara.contains_point(first.latitude, first.longitude)  # type: ignore[arg-type]
    assert second.latitude is None


def test_without_zones_timisoara_gets_no_listening_meetings(timisoara: Municipality) -> None:
    lines = demo.demo_load(botosani=None, timisoara=timisoara)
    assert not Meeting.objects.exists()
    assert lines == ["Timișoara: no zones yet, so no neighbourhood listening meetings."]
