"""Meetings as iCalendar (RFC 5545), written by hand: one meeting, or a process's feed.

Lines end with CRLF and are folded at 75 octets (never inside a UTF-8 character); text
values escape backslash, semicolon, comma and newlines; times are in UTC (``Z``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from ..models import Meeting

LINE_OCTETS = 75
PRODUCT_ID = "-//DigiPlace//Participation meetings//EN"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    stamp: datetime.datetime
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    summary: str
    description: str
    location: str
    url: str
    is_cancelled: bool
    latitude: float | None = None
    longitude: float | None = None
    sequence: int = 0


def text_escape(value: str) -> str:
    """An iCalendar TEXT value (RFC 5545 §3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def line_fold(line: str) -> str:
    """One content line, folded so that no physical line passes 75 octets (RFC 5545
    §3.1): a continuation starts with one space, which counts within its 75."""
    pieces: list[str] = []
    current = ""
    current_octets = 0
    limit = LINE_OCTETS
    for character in line:
        octets = len(character.encode())
        if current_octets + octets > limit:
            pieces.append(current)
            current, current_octets, limit = "", 0, LINE_OCTETS - 1
        current += character
        current_octets += octets
    pieces.append(current)
    return "\r\n ".join(pieces)


def utc_text(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(event: CalendarEvent) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{utc_text(event.stamp)}",
        f"DTSTART:{utc_text(event.starts_at)}",
        f"DTEND:{utc_text(event.ends_at)}",
        f"SEQUENCE:{event.sequence}",
        f"SUMMARY:{text_escape(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{text_escape(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{text_escape(event.location)}")
    if event.latitude is not None and event.longitude is not None:
        lines.append(f"GEO:{event.latitude:.6f};{event.longitude:.6f}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines.append(f"STATUS:{'CANCELLED' if event.is_cancelled else 'CONFIRMED'}")
    lines.append("END:VEVENT")
    return lines


def calendar_text(events: Iterable[CalendarEvent], *, name: str) -> str:
    """A VCALENDAR with the events, ready to serve as ``text/calendar``."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{text_escape(name)}",
    ]
    for event in events:
        lines.extend(_event_lines(event))
    lines.append("END:VCALENDAR")
    return "".join(f"{line_fold(line)}\r\n" for line in lines)


def meeting_event(meeting: Meeting, *, url: str, host: str) -> CalendarEvent:
    """The calendar event of a meeting; ``url`` is its page's absolute address."""
    location = ", ".join(part for part in (meeting.place_name, meeting.address) if part)
    if not location and meeting.stream_url:
        location = meeting.stream_url
    description_parts = [meeting.description.strip(), meeting.agenda.strip()]
    if meeting.stream_url:
        description_parts.append(meeting.stream_url)
    return CalendarEvent(
        uid=f"participation-meeting-{meeting.pk}@{host}",
        stamp=meeting.updated_at or timezone.now(),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=meeting.title,
        description="\n\n".join(part for part in description_parts if part),
        location=location,
        url=url,
        is_cancelled=meeting.is_cancelled,
        latitude=meeting.latitude,
        longitude=meeting.longitude,
        # Changes must reach calendars that imported the event: the sequence grows.
        sequence=int(meeting.updated_at.timestamp()) if meeting.updated_at else 0,
    )
