"""iCalendar files of meetings (RFC 5545): written, then read back by a small parser that
unfolds lines and unescapes text the way the RFC says, so what a calendar reads is checked."""

from __future__ import annotations

import datetime
import re

from django.test import Client
from django.urls import reverse

from digiplace.core.models import Municipality
from digiplace.participation.selectors.meetings_ical import (
    CalendarEvent,
    calendar_text,
    line_fold,
    text_escape,
)
from digiplace.participation.tests.factories import ProcessFactory
from digiplace.participation.tests.factories_meetings import MeetingFactory

BOTOSANI = "botosani.localhost"
UTC_STAMP = re.compile(r"^\d{8}T\d{6}Z$")


def unescape(value: str) -> str:
    out: list[str] = []
    characters = iter(value)
    for character in characters:
        if character == "\\":
            following = next(characters)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(character)
    return "".join(out)


def parse(payload: bytes) -> list[list[tuple[str, str]]]:
    """The components of a calendar: each a list of (name, raw value) pairs, unfolded."""
    text = payload.decode()
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in physical), "CRLF only"
    assert all(len(line.encode()) <= 75 for line in physical), "lines folded at 75 octets"
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    assert logical[0] == "BEGIN:VCALENDAR" and logical[-1] == "END:VCALENDAR"
    events: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] | None = None
    for line in logical:
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = []
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            current.append((name, value))
    return events


def as_dict(event: list[tuple[str, str]]) -> dict[str, str]:
    return dict(event)


def test_text_values_escape_the_rfcs_characters() -> None:
    assert text_escape("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_folding_never_splits_a_character_and_keeps_75_octets() -> None:
    line = "SUMMARY:" + "ș" * 100
    folded = line_fold(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert "".join(piece[1:] if n else piece for n, piece in enumerate(pieces)) == line


def test_one_meeting_reads_back_with_every_field(botosani: Municipality) -> None:
    starts = datetime.datetime(2031, 6, 12, 15, 0, tzinfo=datetime.UTC)
    meeting = MeetingFactory.create(
        municipality=botosani,
        slug="forum-2031",
        title_ro="Forumul public anual, ediția 2031; hibrid",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        place_name="Teatrul Mihai Eminescu",
        address="Bulevardul Mihai Eminescu 10, Botoșani",
        latitude=47.7451,
        longitude=26.6654,
        stream_url="https://stream.example.org/forum",
        agenda_ro="18:00 Deschidere\n" + "Prezentarea strategiei, cu întrebări, " * 5,
    )

    response = Client(HTTP_HOST=BOTOSANI).get(
        reverse("participation:meeting_ical", kwargs={"slug": meeting.slug})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    (event,) = parse(response.content)
    fields = as_dict(event)
    assert fields["UID"] == f"participation-meeting-{meeting.pk}@botosani.localhost"
    assert UTC_STAMP.match(fields["DTSTAMP"])
    assert fields["DTSTART"] == "20310612T150000Z"
    assert fields["DTEND"] == "20310612T180000Z"
    assert unescape(fields["SUMMARY"]) == "Forumul public anual, ediția 2031; hibrid"
    assert fields["SUMMARY"] == "Forumul public anual\\, ediția 2031\\; hibrid"
    assert unescape(fields["LOCATION"]) == (
        "Teatrul Mihai Eminescu, Bulevardul Mihai Eminescu 10, Botoșani"
    )
    assert fields["GEO"] == "47.745100;26.665400"
    assert fields["URL"] == "http://botosani.localhost/participation/meetings/forum-2031/"
    assert fields["STATUS"] == "CONFIRMED"
    assert unescape(fields["DESCRIPTION"]).startswith("18:00 Deschidere\nPrezentarea")
    assert "https://stream.example.org/forum" in unescape(fields["DESCRIPTION"])


def test_the_process_feed_lists_its_meetings_and_marks_the_cancelled_one(
    botosani: Municipality,
) -> None:
    process = ProcessFactory.create(municipality=botosani, slug="forum-public")
    first = MeetingFactory.create(municipality=botosani, process=process)
    cancelled = MeetingFactory.create(municipality=botosani, process=process, is_cancelled=True)
    MeetingFactory.create(municipality=botosani, process=process, is_published=False)
    MeetingFactory.create(municipality=botosani)  # another process's (none)

    response = Client(HTTP_HOST=BOTOSANI).get(
        reverse("participation:meeting_process_ical", kwargs={"slug": "forum-public"})
    )

    events = [as_dict(event) for event in parse(response.content)]
    by_uid = {event["UID"]: event for event in events}
    assert set(by_uid) == {
        f"participation-meeting-{first.pk}@botosani.localhost",
        f"participation-meeting-{cancelled.pk}@botosani.localhost",
    }
    assert by_uid[f"participation-meeting-{cancelled.pk}@botosani.localhost"]["STATUS"] == (
        "CANCELLED"
    )
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")


def test_a_calendar_without_events_is_still_valid() -> None:
    text = calendar_text([], name="Gol")
    assert parse(text.encode()) == []


def test_the_calendar_writes_times_in_utc_whatever_the_zone() -> None:
    bucharest = datetime.timezone(datetime.timedelta(hours=3))
    event = CalendarEvent(
        uid="x@example.org",
        stamp=datetime.datetime(2031, 1, 1, tzinfo=datetime.UTC),
        starts_at=datetime.datetime(2031, 6, 12, 18, 0, tzinfo=bucharest),
        ends_at=datetime.datetime(2031, 6, 12, 20, 0, tzinfo=bucharest),
        summary="S",
        description="",
        location="",
        url="",
        is_cancelled=False,
    )
    (parsed,) = parse(calendar_text([event], name="N").encode())
    assert as_dict(parsed)["DTSTART"] == "20310612T150000Z"
    assert "LOCATION" not in as_dict(parsed)
