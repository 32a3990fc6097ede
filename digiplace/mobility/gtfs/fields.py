"""GTFS field formats: times (seconds after the service day's start, 25:10:00 allowed),
dates (YYYYMMDD), colours (six hex digits)."""

from __future__ import annotations

import datetime
import re

_TIME = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
_COLOUR = re.compile(r"^[0-9A-Fa-f]{6}$")


def parse_time(text: str) -> int:
    """``H:MM:SS`` or ``HH:MM:SS`` (hours may pass 24) to seconds; ValueError otherwise."""
    match = _TIME.match(text)
    if match is None:
        raise ValueError(text)
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def format_time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def parse_date(text: str) -> datetime.date:
    if len(text) != 8 or not text.isdigit():
        raise ValueError(text)
    return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))


def format_date(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def is_colour(text: str) -> bool:
    return bool(_COLOUR.match(text))


def format_float(value: float) -> str:
    """Shortest text that reads back to the same float (so an export re-imports equal)."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text
