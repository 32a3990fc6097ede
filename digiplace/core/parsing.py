"""Strict parsers for request parameters: integers, dates, date-times, coordinates, radii.

Every parameter a person or a client sends passes through one of these before it reaches
a query, so that no input can overflow a date, a database integer or a float. Each refusal
is one ``ParseError`` (a ``ValidationError``) with a translatable message naming the
parameter; forms show it under the field, APIs put it in their own error format.

Why not the built-ins: ``str.isdigit()`` accepts '²' which ``int()`` refuses; ``int()`` and
``float()`` accept other scripts' digits, underscores, 'inf' and 'nan'; a year-1 or year-9999
date overflows as soon as a view adds a day or converts it to another time zone.
"""

from __future__ import annotations

import datetime
import math
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# Database integer ranges: ids are 64-bit (BigAutoField), plain integer columns 32-bit.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
# Dates outside these years are refused: every report, plan and measurement lies well
# inside, and a day or a time-zone shift added to them can never overflow.
MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2999, 12, 31)
# Map edges beyond this many degrees are not a viewport but a mistake.
_BOX_EDGE_LIMIT = 10_000
# Longest text accepted before a number is even looked at (20 digits hold any 64-bit value).
_MAX_NUMBER_LENGTH = 32

_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
# ISO 8601 date and time (W3C profile): seconds and fractions optional, zone optional.
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?",
    re.ASCII,
)
_ZONE = re.compile(r"(?:Z|[+-][0-9]{2}:?[0-9]{2})$", re.ASCII)


class ParseError(ValidationError):
    """A request parameter that cannot be used; ``message`` says why, in the active language."""

    def __init__(self, message: str, *, name: str, code: str = "invalid") -> None:
        super().__init__(message, code=code)
        self.name = name

    def __str__(self) -> str:
        return str(self.message)


def parse_integer(
    value: str, *, name: str, minimum: int = -INT64_MAX, maximum: int = INT64_MAX
) -> int:
    """A whole number written in ASCII digits, from ``minimum`` to ``maximum``."""
    text = value.strip()
    if len(text) > _MAX_NUMBER_LENGTH or not _INTEGER.fullmatch(text):
        raise ParseError(
            _("%(name)s must be a whole number written in digits 0-9.") % {"name": name},
            name=name,
        )
    number = int(text)
    if not minimum <= number <= maximum:
        raise ParseError(
            _("%(name)s must be a whole number from %(minimum)s to %(maximum)s.")
            % {"name": name, "minimum": minimum, "maximum": maximum},
            name=name,
            code="out_of_range",
        )
    return number


def parse_id(value: str, *, name: str) -> int:
    """A database id: a positive 64-bit integer."""
    return parse_integer(value, name=name, minimum=1, maximum=INT64_MAX)


def parse_id_list(value: str, *, name: str, maximum_count: int) -> tuple[int, ...]:
    """Comma-separated ids (empty items are left out), at most ``maximum_count`` of them."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if len(items) > maximum_count:
        raise ParseError(
            _("At most %(count)s %(name)s values can be asked for at once.")
            % {"count": maximum_count, "name": name},
            name=name,
            code="too_many",
        )
    return tuple(parse_id(item, name=name) for item in items)


def parse_number(value: str, *, name: str, minimum: float, maximum: float) -> float:
    """A finite decimal number in ASCII digits (no exponent, inf or nan) within the range."""
    text = value.strip()
    if len(text) > _MAX_NUMBER_LENGTH or not _DECIMAL.fullmatch(text):
        raise ParseError(
            _("%(name)s must be a number written in digits 0-9, such as 12.5.") % {"name": name},
            name=name,
        )
    number = float(text)
    if not math.isfinite(number) or not minimum <= number <= maximum:
        raise ParseError(
            _("%(name)s must be a number from %(minimum)s to %(maximum)s.")
            % {"name": name, "minimum": _plain(minimum), "maximum": _plain(maximum)},
            name=name,
            code="out_of_range",
        )
    return number


def _plain(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)


def parse_latitude(value: str, *, name: str = "latitude") -> float:
    """WGS84 degrees north, -90 to 90."""
    return parse_number(value, name=name, minimum=-90, maximum=90)


def parse_longitude(value: str, *, name: str = "longitude") -> float:
    """WGS84 degrees east, -180 to 180."""
    return parse_number(value, name=name, minimum=-180, maximum=180)


def parse_radius(value: str, *, name: str = "radius", maximum: float) -> float:
    """A distance in metres, more than 0 and at most ``maximum``."""
    radius = parse_number(value, name=name, minimum=0, maximum=maximum)
    if radius <= 0:
        raise ParseError(
            _("%(name)s must be more than 0 metres.") % {"name": name},
            name=name,
            code="out_of_range",
        )
    return radius


def parse_bounding_box(value: str, *, name: str = "bbox") -> tuple[float, float, float, float]:
    """``south,west,north,east`` in WGS84 degrees; swapped edges are put in order. A map
    zoomed out past the world's edges sends edges beyond ±90/±180: they are clamped to the
    world, which the viewport then holds whole."""
    parts = value.split(",")
    if len(parts) != 4:
        raise ParseError(
            _("%(name)s must be four numbers: south,west,north,east.") % {"name": name},
            name=name,
        )
    edges = [
        parse_number(part, name=name, minimum=-_BOX_EDGE_LIMIT, maximum=_BOX_EDGE_LIMIT)
        for part in parts
    ]
    south, north = sorted(min(max(edges[index], -90.0), 90.0) for index in (0, 2))
    west, east = sorted(min(max(edges[index], -180.0), 180.0) for index in (1, 3))
    return south, west, north, east


def check_date_range(day: datetime.date, *, name: str) -> datetime.date:
    if not MIN_DATE <= day <= MAX_DATE:
        raise ParseError(
            _("%(name)s must be a date from %(minimum)s to %(maximum)s.")
            % {"name": name, "minimum": MIN_DATE.isoformat(), "maximum": MAX_DATE.isoformat()},
            name=name,
            code="out_of_range",
        )
    return day


def parse_date(value: str, *, name: str) -> datetime.date:
    """An ISO 8601 calendar date, YYYY-MM-DD, within MIN_DATE and MAX_DATE."""
    match = _DATE.fullmatch(value.strip())
    if match is None:
        raise ParseError(
            _("%(name)s must be a date written as YYYY-MM-DD, such as %(example)s.")
            % {"name": name, "example": "2026-03-01"},
            name=name,
        )
    try:
        day = datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ParseError(
            _("%(name)s is not a date of the calendar.") % {"name": name},
            name=name,
            code="invalid_date",
        ) from None
    return check_date_range(day, name=name)


def parse_datetime(
    value: str, *, name: str, require_zone_with_time: bool = False
) -> datetime.datetime:
    """An ISO 8601 date or date-time, aware. A date alone is midnight in the current time
    zone, and so is a time without a zone (unless ``require_zone_with_time``, as the W3C
    profile used by Open311 asks). Only dates from MIN_DATE to MAX_DATE are accepted."""
    text = value.strip()
    if not _DATETIME.fullmatch(text) or (
        require_zone_with_time and len(text) > 10 and not _ZONE.search(text)
    ):
        raise ParseError(
            _("%(name)s must be a date and time with its time zone, such as %(example)s.")
            % {"name": name, "example": "2026-03-01T08:30:00Z"},
            name=name,
        )
    try:
        check_date_range(datetime.date.fromisoformat(text[:10]), name=name)
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ParseError(
            _("%(name)s is not a date of the calendar.") % {"name": name},
            name=name,
            code="invalid_date",
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the current time zone (``day`` within range)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def day_end(day: datetime.date) -> datetime.datetime:
    """The last microsecond of ``day`` in the current time zone (``day`` within range)."""
    return day_start(day + datetime.timedelta(days=1)) - datetime.timedelta(microseconds=1)


def parse_text(value: str, *, name: str, max_length: int | None = None) -> str:
    """Text without NUL characters (PostgreSQL cannot store them), stripped, not too long."""
    if "\x00" in value:
        raise ParseError(
            _("%(name)s must not contain NUL characters.") % {"name": name},
            name=name,
            code="null_characters_not_allowed",
        )
    text = value.strip()
    if max_length is not None and len(text) > max_length:
        raise ParseError(
            _("%(name)s must be at most %(count)s characters long.")
            % {"name": name, "count": max_length},
            name=name,
            code="max_length",
        )
    return text
