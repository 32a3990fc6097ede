"""Parsing and checking of Open311 parameters; every refusal is an ``Open311Error``."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AttributeDatatype
from .queries import Circle, RequestFilters

MAX_REQUESTS = 1000
DEFAULT_WINDOW = datetime.timedelta(days=90)
MAX_RADIUS_METRES = 50_000
DEFAULT_RADIUS_METRES = 1_000
# W3C date and time formats (https://www.w3.org/TR/NOTE-datetime): a time needs its zone.
_W3C_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$"
)
_ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class Open311Error(Exception):
    """Refuses a request with the specification's error list and an HTTP status."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = list(descriptions)


def bad_request(*descriptions: str) -> Open311Error:
    return Open311Error(400, *descriptions)


def not_found(*descriptions: str) -> Open311Error:
    return Open311Error(404, *descriptions)


def forbidden(*descriptions: str) -> Open311Error:
    return Open311Error(403, *descriptions)


def text(data: Mapping[str, Any], name: str) -> str:
    """An optional argument: empty and absent are the same (the specification says so)."""
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def comma_list(data: Mapping[str, Any], name: str) -> list[str]:
    return [item.strip() for item in text(data, name).split(",") if item.strip()]


def parse_datetime(value: str, *, name: str) -> datetime.datetime:
    """A W3C date or date-time; a bare date is midnight in the municipality's time zone."""
    if not _W3C_DATETIME.match(value):
        raise bad_request(
            _("%(name)s must be a W3C date and time with its time zone, such as %(example)s.")
            % {"name": name, "example": "2010-01-01T00:00:00Z"}
        )
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(_("%(name)s is not a valid date.") % {"name": name}) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def optional_datetime(data: Mapping[str, Any], name: str) -> datetime.datetime | None:
    value = text(data, name)
    return parse_datetime(value, name=name) if value else None


def _positive_integer(data: Mapping[str, Any], name: str, *, default: int, maximum: int) -> int:
    value = text(data, name)
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise bad_request(
            _("%(name)s must be a whole number from 1 to %(maximum)s.")
            % {"name": name, "maximum": maximum}
        )
    return int(value)


def _coordinate(value: str, *, name: str, limit: float) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise bad_request(
            _("%(name)s must be a number from -%(limit)s to %(limit)s (WGS84 degrees).")
            % {"name": name, "limit": int(limit)}
        )
    return number


def location(data: Mapping[str, Any]) -> tuple[float, float] | None:
    """``lat`` and ``long`` together, or None when neither is sent."""
    latitude, longitude = text(data, "lat"), text(data, "long")
    if not latitude and not longitude:
        return None
    if not latitude or not longitude:
        raise bad_request(_("lat and long must be sent together."))
    return (
        _coordinate(latitude, name="lat", limit=90),
        _coordinate(longitude, name="long", limit=180),
    )


def request_filters(query: QueryDict) -> RequestFilters:
    """GET requests arguments, with the extensions page, page_size, updated_after and
    lat/long/radius. Ids override every other argument, as the specification says."""
    page_size = _positive_integer(query, "page_size", default=MAX_REQUESTS, maximum=MAX_REQUESTS)
    page = _positive_integer(query, "page", default=1, maximum=1_000_000)
    offset, limit = (page - 1) * page_size, page_size
    raw_ids = comma_list(query, "service_request_id")
    if raw_ids:
        if not all(item.isdigit() for item in raw_ids):
            raise bad_request(_("service_request_id must be a comma-separated list of numbers."))
        if len(raw_ids) > MAX_REQUESTS:
            raise bad_request(
                _("At most %(count)s service_request_id values can be asked for at once.")
                % {"count": MAX_REQUESTS}
            )
        return RequestFilters(
            service_request_ids=tuple(int(item) for item in raw_ids), offset=offset, limit=limit
        )

    statuses = frozenset(comma_list(query, "status"))
    if not statuses <= {"open", "closed"}:
        raise bad_request(_("status must be open, closed, or both separated by a comma."))

    start, end = optional_datetime(query, "start_date"), optional_datetime(query, "end_date")
    updated_after = optional_datetime(query, "updated_after")
    if start is not None and end is not None:
        if end < start:
            raise bad_request(_("end_date must not be before start_date."))
        if end - start > DEFAULT_WINDOW:
            raise bad_request(_("start_date and end_date may not span more than 90 days."))
    elif start is not None:
        end = start + DEFAULT_WINDOW
    elif end is not None:
        start = end - DEFAULT_WINDOW
    elif updated_after is None:
        # The specification's default window; polling by update date has its own.
        start = timezone.now() - DEFAULT_WINDOW

    return RequestFilters(
        service_codes=tuple(comma_list(query, "service_code")),
        statuses=statuses,
        requested_after=start,
        requested_before=end,
        updated_after=updated_after,
        circle=_circle(query),
        offset=offset,
        limit=limit,
    )


def _circle(query: QueryDict) -> Circle | None:
    point = location(query)
    radius = text(query, "radius")
    if point is None:
        if radius:
            raise bad_request(_("radius needs lat and long."))
        return None
    return Circle(
        latitude=point[0],
        longitude=point[1],
        radius_metres=_positive_integer(
            query, "radius", default=DEFAULT_RADIUS_METRES, maximum=MAX_RADIUS_METRES
        ),
    )


def attribute_answers(data: QueryDict, *, datatypes: Mapping[str, str]) -> dict[str, Any]:
    """``attribute[code]=value`` and ``attribute[code][]=value`` (multi-value lists).

    Values stay text; the service checks them against each attribute (unknown codes too).
    """
    answers: dict[str, Any] = {}
    for name, values in data.lists():
        match = _ATTRIBUTE_FIELD.match(name)
        if match is None:
            continue
        code = match.group(1)
        values = [value.strip() for value in values if value.strip()]
        if not values:
            continue
        if datatypes.get(code) == AttributeDatatype.MULTI or match.group(2):
            answers.setdefault(code, []).extend(values)
        elif len(values) > 1:
            raise bad_request(
                _("%(field)s takes one value: it is not a multi-value list.") % {"field": name}
            )
        else:
            answers[code] = values[0]
    return answers


def messages_by_field(error_dict: Mapping[str, Iterable[str]]) -> list[str]:
    """A service's ValidationError as Open311 error descriptions, naming Open311 fields."""
    descriptions = []
    for name, messages in error_dict.items():
        label = OPEN311_FIELD_NAMES.get(name, name)
        for message in messages:
            descriptions.append(message if label == "__all__" else f"{label}: {message}")
    return descriptions


# The service's argument names as a client of Open311 knows them.
OPEN311_FIELD_NAMES = {
    "location": "lat/long",
    "latitude": "lat",
    "longitude": "long",
    "category": "service_code",
    "reporter_email": "email",
    "reporter_name": "first_name/last_name",
    "reporter_phone": "phone",
    "address": "address_string",
    "attributes": "attribute",
}
