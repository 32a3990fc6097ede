"""Parsing and checking of Open311 parameters; every refusal is an ``Open311Error``."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core import parsing
from digiplace.core.parsing import ParseError, parse_text

from ..models import CLOSED_STATUSES, OPEN_STATUSES, AttributeDatatype
from ..selectors import ORDER_NEWEST, ORDER_UPDATED, Circle, ReportFilters
from .queries import RequestFilters

MAX_REQUESTS = 1000
DEFAULT_WINDOW = datetime.timedelta(days=90)
MAX_RADIUS_METRES = 50_000
DEFAULT_RADIUS_METRES = 1_000
MAX_PAGE = 1_000_000
MAX_PATH_PART_LENGTH = 200
_ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class Open311Error(Exception):
    """Refuses a request with the specification's error list and an HTTP status."""

    def __init__(
        self, status: int, *descriptions: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = list(descriptions)
        self.headers = dict(headers or {})


def bad_request(*descriptions: str) -> Open311Error:
    return Open311Error(400, *descriptions)


def not_found(*descriptions: str) -> Open311Error:
    return Open311Error(404, *descriptions)


def forbidden(*descriptions: str) -> Open311Error:
    return Open311Error(403, *descriptions)


def text(data: Mapping[str, Any], name: str, *, max_length: int | None = None) -> str:
    """An optional argument: empty and absent are the same (the specification says so).
    NUL characters are refused here, before they reach PostgreSQL (which cannot store them)."""
    value = data.get(name)
    if not isinstance(value, str):
        return ""
    try:
        return parse_text(value, name=name, max_length=max_length)
    except ParseError as error:
        raise bad_request(str(error)) from None


def comma_list(data: Mapping[str, Any], name: str) -> list[str]:
    return [item.strip() for item in text(data, name).split(",") if item.strip()]


def path_text(value: str, *, name: str) -> str:
    """A part of the URL path (service code, request id, token), checked like an argument."""
    return text({name: value}, name, max_length=MAX_PATH_PART_LENGTH)


def parse_datetime(value: str, *, name: str) -> datetime.datetime:
    """A W3C date or date-time (a time needs its zone); a bare date is midnight in the
    municipality's time zone."""
    try:
        return parsing.parse_datetime(value, name=name, require_zone_with_time=True)
    except ParseError as error:
        if error.code == "invalid":
            raise bad_request(
                _("%(name)s must be a W3C date and time with its time zone, such as %(example)s.")
                % {"name": name, "example": "2010-01-01T00:00:00Z"}
            ) from None
        if error.code == "invalid_date":
            raise bad_request(_("%(name)s is not a valid date.") % {"name": name}) from None
        raise bad_request(str(error)) from None


def optional_datetime(data: Mapping[str, Any], name: str) -> datetime.datetime | None:
    value = text(data, name)
    return parse_datetime(value, name=name) if value else None


def _positive_integer(data: Mapping[str, Any], name: str, *, default: int, maximum: int) -> int:
    value = text(data, name)
    if not value:
        return default
    try:
        return parsing.parse_integer(value, name=name, minimum=1, maximum=maximum)
    except ParseError as error:
        raise bad_request(str(error)) from None


def location(data: Mapping[str, Any]) -> tuple[float, float] | None:
    """``lat`` and ``long`` together, or None when neither is sent."""
    latitude, longitude = text(data, "lat"), text(data, "long")
    if not latitude and not longitude:
        return None
    if not latitude or not longitude:
        raise bad_request(_("lat and long must be sent together."))
    try:
        return (
            parsing.parse_latitude(latitude, name="lat"),
            parsing.parse_longitude(longitude, name="long"),
        )
    except ParseError as error:
        raise bad_request(str(error)) from None


def parse_service_request_id(value: str) -> int | None:
    """A service request id from the URL; None when it cannot name any request."""
    try:
        return parsing.parse_id(path_text(value, name="service_request_id"), name="id")
    except ParseError:
        return None


def request_filters(query: QueryDict) -> RequestFilters:
    """GET requests arguments, with the extensions page, page_size, updated_after and
    lat/long/radius. Ids override every other argument, as the specification says."""
    page_size = _positive_integer(query, "page_size", default=MAX_REQUESTS, maximum=MAX_REQUESTS)
    page = _positive_integer(query, "page", default=1, maximum=MAX_PAGE)
    offset, limit = (page - 1) * page_size, page_size
    raw_ids = text(query, "service_request_id")
    if raw_ids:
        try:
            ids = parsing.parse_id_list(
                raw_ids, name="service_request_id", maximum_count=MAX_REQUESTS
            )
        except ParseError as error:
            raise bad_request(str(error)) from None
        return RequestFilters(search=ReportFilters(ids=ids), offset=0, limit=limit)

    status_names = frozenset(comma_list(query, "status"))
    if not status_names <= {"open", "closed"}:
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

    statuses: tuple[str, ...] = ()
    if status_names == {"open"}:
        statuses = tuple(OPEN_STATUSES)
    elif status_names == {"closed"}:
        statuses = tuple(CLOSED_STATUSES)
    search = ReportFilters(
        category_codes=tuple(comma_list(query, "service_code")),
        statuses=statuses,
        created_from=start,
        created_to=end,
        updated_after=updated_after,
        circle=_circle(query),
        order=ORDER_UPDATED if updated_after is not None else ORDER_NEWEST,
    )
    return RequestFilters(search=search, offset=offset, limit=limit)


def _circle(query: QueryDict) -> Circle | None:
    point = location(query)
    radius = text(query, "radius")
    if point is None:
        if radius:
            raise bad_request(_("radius needs lat and long."))
        return None
    try:
        radius_metres = (
            parsing.parse_radius(radius, name="radius", maximum=MAX_RADIUS_METRES)
            if radius
            else DEFAULT_RADIUS_METRES
        )
    except ParseError as error:
        raise bad_request(str(error)) from None
    return Circle(latitude=point[0], longitude=point[1], radius_metres=radius_metres)


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
        values = [text({name: value}, name) for value in values]
        values = [value for value in values if value]
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
