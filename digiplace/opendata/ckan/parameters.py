"""The action API's parameters, read as CKAN reads them: ``data`` is the request's data dict
(query string values, or a JSON body's values of any JSON type). Every refusal is one of
``errors``' exceptions, named after the parameter, in the request's language."""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from digiplace.core import parsing

from .errors import SearchQueryError, ValidationError

# CKAN's ``ckan.search.rows_max``.
ROWS_MAX = 1000
ROWS_DEFAULT = 10
FACET_LIMIT_DEFAULT = 50
# Longer q or fq are refused before they are read (no harvester writes a page of filters).
MAX_QUERY_LENGTH = 2000

# Fields ``fq`` (and ``field:value`` terms in ``q``) may filter on.
TEXT_FIELDS = frozenset(
    {"tags", "organization", "groups", "res_format", "name", "id", "license_id", "type"}
)
DATE_FIELDS = frozenset({"metadata_modified", "metadata_created"})
# CKAN adds ``+dataset_type:dataset`` itself; clients copy it, and every package here is one.
TYPE_ALIASES = {"dataset_type": "type"}
FACET_FIELDS = ("tags", "organization", "groups", "res_format", "license_id")
SORT_FIELDS = {
    "score": "score",
    "metadata_modified": "metadata_modified",
    "metadata_created": "metadata_created",
    "name": "name",
    "title_string": "title",
    "title": "title",
}
DEFAULT_SORT = "score desc, metadata_modified desc"

_TRUE = frozenset({"true", "yes", "on", "y", "t", "1"})
_FALSE = frozenset({"false", "no", "off", "n", "f", "0", ""})
_NOW_OFFSET = re.compile(r"NOW(?:-([0-9]{1,5})DAYS?)?(?:/DAY)?", re.ASCII)


def normalised(text: str) -> str:
    """Text as the search compares it: case and diacritics folded (ș, ş and s alike)."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _scalar(data: Mapping[str, Any], name: str) -> Any:
    value = data.get(name)
    # A repeated query parameter arrives as a list (CKAN's "mixed" dict): the last one counts.
    if isinstance(value, list) and value and name != "facet.field":
        return value[-1]
    return value


def text(data: Mapping[str, Any], name: str, *, max_length: int = MAX_QUERY_LENGTH) -> str:
    value = _scalar(data, name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({name: [_("Must be a string")]})
    try:
        return parsing.parse_text(value, name=name, max_length=max_length)
    except parsing.ParseError as error:
        raise ValidationError({name: [str(error)]}) from None


def natural_number(
    data: Mapping[str, Any], name: str, *, default: int | None, maximum: int = parsing.INT64_MAX
) -> int | None:
    """A whole number from 0 (CKAN's ``natural_number_validator``); absent or empty: default."""
    value = _scalar(data, name)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError({name: [_("Invalid integer")]})
    if isinstance(value, str):
        text_value = value.strip()
        if len(text_value) > 32 or not re.fullmatch(r"[+-]?[0-9]+", text_value, re.ASCII):
            raise ValidationError({name: [_("Invalid integer")]})
        value = int(text_value)
    number: int = value
    if number < 0:
        raise ValidationError({name: [_("Must be a natural number")]})
    if number > maximum:
        raise ValidationError(
            {name: [_("Must be less than or equal to %(maximum)s") % {"maximum": maximum}]}
        )
    return number


def boolean(data: Mapping[str, Any], name: str) -> bool:
    """CKAN's ``asbool``: true/false, yes/no, on/off, 1/0 (absent: false)."""
    value = _scalar(data, name)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ValidationError({name: [_("Must be true or false")]})


def name_list(data: Mapping[str, Any], name: str) -> list[str] | None:
    """A list of names (a JSON list, repeated parameters, or one name); None when absent."""
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError({name: [_("Must be a list of names")]})
    return [item.strip() for item in value if item.strip()]


def facet_fields(data: Mapping[str, Any]) -> list[str]:
    """``facet.field``: a JSON list of field names (as CKAN wants it), or a list in a body."""
    value = data.get("facet.field")
    if value is None or value == "":
        return []
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        value = value[0]
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError({"facet.field": [_("Must be a JSON list of field names")]})
    unknown = sorted(set(value) - set(FACET_FIELDS))
    if unknown:
        raise ValidationError(
            {
                "facet.field": [
                    _("Unknown facet field %(fields)s; use: %(allowed)s.")
                    % {"fields": ", ".join(unknown), "allowed": ", ".join(FACET_FIELDS)}
                ]
            }
        )
    return list(dict.fromkeys(value))


def facet_limit(data: Mapping[str, Any]) -> int | None:
    """``facet.limit``: how many values per facet (-1: all)."""
    value = _scalar(data, "facet.limit")
    if value in ("-1", -1):
        return None
    return natural_number(data, "facet.limit", default=FACET_LIMIT_DEFAULT, maximum=ROWS_MAX)


@dataclass(frozen=True)
class SortKey:
    field: str  # a value of SORT_FIELDS
    descending: bool


def sort_keys(data: Mapping[str, Any]) -> tuple[str, tuple[SortKey, ...]]:
    """``sort``: "field direction" pairs separated by commas, as Solr takes them."""
    written = text(data, "sort", max_length=200) or DEFAULT_SORT
    keys = []
    for part in written.split(","):
        words = part.split()
        field = SORT_FIELDS.get(words[0]) if words else None
        direction = words[1].lower() if len(words) == 2 else "asc" if len(words) == 1 else ""
        if field is None or direction not in ("asc", "desc"):
            raise ValidationError(
                {
                    "sort": [
                        _(
                            "Cannot sort by %(sort)s: use a field of %(fields)s followed by "
                            "asc or desc, such as %(example)s."
                        )
                        % {
                            "sort": part.strip() or written,
                            "fields": ", ".join(SORT_FIELDS),
                            "example": "metadata_modified desc",
                        }
                    ]
                }
            )
        keys.append(SortKey(field=field, descending=direction == "desc"))
    return written, tuple(keys)


# Filters


@dataclass(frozen=True)
class TermFilter:
    """``field:value`` (or ``field:(a OR b)``); ``negated`` for a leading ``-``."""

    field: str
    values: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class RangeFilter:
    """``field:[start TO end]`` on a date field; None stands for ``*``."""

    field: str
    start: datetime.datetime | None
    end: datetime.datetime | None
    include_start: bool = True
    include_end: bool = True
    negated: bool = False


Filter = TermFilter | RangeFilter


@dataclass(frozen=True)
class Query:
    """What ``q`` and ``fq`` ask for: free-text terms (all must be found) and filters."""

    terms: tuple[str, ...]
    filters: tuple[Filter, ...]


_TOKEN = re.compile(
    r"""\s*(
        [+-]?[A-Za-z_.]+:(?:"(?:[^"\\]|\\.)*"|[\[{][^\]}]*[\]}]|\([^)]*\)|[^\s"()\[\]{}]+)
      | "(?:[^"\\]|\\.)*"
      | [^\s]+
    )""",
    re.VERBOSE,
)
_CLAUSE = re.compile(r"([+-]?)([A-Za-z_.]+):(.+)", re.DOTALL)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return re.sub(r"\\(.)", r"\1", value)


def _moment(value: str, *, now: datetime.datetime) -> datetime.datetime | None:
    """A range end: ``*``, ``NOW`` (``NOW-7DAYS``), or an ISO date-time, UTC unless zoned."""
    if value == "*":
        return None
    offset = _NOW_OFFSET.fullmatch(value)
    if offset:
        return now - datetime.timedelta(days=int(offset.group(1) or 0))
    written = value if re.search(r"(?:Z|[+-][0-9]{2}:?[0-9]{2})$", value) else value + "Z"
    if len(written) == 11:  # a bare date, with the Z added above
        written = written[:10] + "T00:00:00Z"
    # Solr writes milliseconds, Python's isoformat() microseconds: at most 6 digits here.
    written = re.sub(r"(\.[0-9]{6})[0-9]+", r"\1", written)
    try:
        return parsing.parse_datetime(written, name="fq", require_zone_with_time=True)
    except parsing.ParseError:
        raise SearchQueryError(
            _("%(value)s is not a date and time such as %(example)s")
            % {"value": value, "example": "2026-03-01T00:00:00Z"}
        ) from None


def _range(field: str, written: str, *, negated: bool, now: datetime.datetime) -> RangeFilter:
    match = re.fullmatch(r"([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])", written)
    if match is None:
        raise SearchQueryError(
            _("%(field)s needs a range such as %(example)s")
            % {"field": field, "example": "[2026-01-01T00:00:00Z TO *]"}
        )
    opening, start, end, closing = match.groups()
    return RangeFilter(
        field=field,
        start=_moment(start, now=now),
        end=_moment(end, now=now),
        include_start=opening == "[",
        include_end=closing == "]",
        negated=negated,
    )


def _clause(token: str, *, now: datetime.datetime) -> Filter | None:
    """One ``field:value`` clause, or None when the token is not one (free text)."""
    match = _CLAUSE.fullmatch(token)
    if match is None:
        return None
    sign, field, value = match.groups()
    field = TYPE_ALIASES.get(field, field)
    negated = sign == "-"
    if field in DATE_FIELDS:
        return _range(field, value, negated=negated, now=now)
    if field not in TEXT_FIELDS:
        raise SearchQueryError(
            _("undefined field %(field)s; filter on: %(fields)s")
            % {"field": field, "fields": ", ".join(sorted(TEXT_FIELDS | DATE_FIELDS))}
        )
    if value.startswith("(") and value.endswith(")"):
        # Padded, so that an OR with nothing on one side leaves an empty part.
        parts = [part.strip() for part in re.split(r"\s+OR\s+", f" {value[1:-1]} ")]
        if not all(parts):
            raise SearchQueryError(_("%(field)s has an empty value") % {"field": field})
        values = tuple(_unquote(part) for part in parts)
    else:
        values = (_unquote(value),)
    if not all(values):
        raise SearchQueryError(_("%(field)s has an empty value") % {"field": field})
    return TermFilter(field=field, values=values, negated=negated)


def _tokens(written: str, name: str) -> list[str]:
    # Solr's ranges may mix ends: [start TO end} includes the start, not the end.
    ranges = (written.count("[") + written.count("{"), written.count("]") + written.count("}"))
    if written.count('"') % 2 or written.count("(") != written.count(")") or ranges[0] != ranges[1]:
        raise SearchQueryError(
            _("%(name)s has an unclosed quote or bracket: %(value)s")
            % {"name": name, "value": written}
        )
    return [match.group(1) for match in _TOKEN.finditer(written) if match.group(1).strip()]


def search_query(data: Mapping[str, Any], *, now: datetime.datetime) -> Query:
    """``q`` (free text; ``field:value`` terms filter) and ``fq`` (filters only)."""
    terms: list[str] = []
    filters: list[Filter] = []
    q = text(data, "q")
    if q not in ("", "*:*", "*"):
        for token in _tokens(q, "q"):
            if token in ("AND", "&&"):
                continue
            clause = _clause(token, now=now)
            if clause is not None:
                filters.append(clause)
            else:
                word = normalised(_unquote(token.lstrip("+")))
                if word:
                    terms.append(word)
    fq = text(data, "fq")
    if fq not in ("", "*:*"):
        for token in _tokens(fq, "fq"):
            if token in ("AND", "&&"):
                continue
            clause = _clause(token, now=now)
            if clause is None:
                raise SearchQueryError(
                    _("fq takes field:value filters, such as %(example)s; not %(token)s")
                    % {"example": 'tags:"air quality"', "token": token}
                )
            filters.append(clause)
    return Query(terms=tuple(terms), filters=tuple(filters))
