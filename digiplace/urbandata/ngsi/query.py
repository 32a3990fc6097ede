"""The parameters of ``GET entities`` (ETSI GS CIM 009, clauses 4.9, 4.10, 4.11, 6.4.3.2)
parsed into a typed, frozen query: ``type``, ``id``, ``idPattern``, ``attrs``, the ``q``
language, geo-queries (``georel`` with ``geometry`` and ``coordinates``), ``limit`` /
``offset`` and ``count``.

``q`` grammar (clause 4.9): terms ``attr``, ``attr<op>value`` with ``== != > >= < <= ~= !~=``,
joined by ``;`` (AND, binding first) and ``|`` (OR), grouped with parentheses; attribute
paths ``attr.subAttr`` (``attr.observedAt``…) and ``attr[key][key]`` into compound values;
values are numbers, ``"quoted strings"``, ``true``/``false``, date-times, URIs, ranges
``a..b`` and lists ``a,b,c``.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import QueryDict
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ..errors import NgsiError
from ..selectors.entities import BoundingBox, EntityFilter
from .contexts import ActiveContext

if TYPE_CHECKING:
    from ..models import Entity

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
MAX_Q_LENGTH = 2000
EARTH_RADIUS_METRES = 6_371_008.8
OPERATORS = ("==", "!=", ">=", "<=", "~=", "!~=", ">", "<")
GEORELS = ("near", "within", "contains", "intersects", "equals", "disjoint", "overlaps")
GEOMETRIES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")


def _bad(detail: str) -> NgsiError:
    return NgsiError("BadRequestData", detail)


# q: the tree


@dataclass(frozen=True)
class AttributePath:
    # The stored attribute name, then sub-attribute names (or member names such as
    # observedAt), then keys into a compound value.
    attribute: str
    members: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Range:
    low: Any
    high: Any


@dataclass(frozen=True)
class Comparison:
    path: AttributePath
    operator: str = ""  # "": the attribute exists
    value: Any = None  # a value, a tuple (list) or a Range


@dataclass(frozen=True)
class Logical:
    operator: str  # ";" (and) or "|" (or)
    terms: tuple[Expression, ...]


Expression = Comparison | Logical


class _Parser:
    def __init__(self, text: str, context: ActiveContext) -> None:
        self.text = text
        self.position = 0
        self.context = context

    def fail(self, reason: str) -> NgsiError:
        return _bad(
            _("q is not valid at character %(position)d: %(reason)s.")
            % {"position": self.position + 1, "reason": reason}
        )

    def peek(self) -> str:
        return self.text[self.position] if self.position < len(self.text) else ""

    def parse(self) -> Expression:
        expression = self.or_expression()
        if self.position != len(self.text):
            raise self.fail(_("unexpected %(text)s") % {"text": self.text[self.position :][:20]})
        return expression

    def or_expression(self) -> Expression:
        terms = [self.and_expression()]
        while self.peek() == "|":
            self.position += 1
            terms.append(self.and_expression())
        return terms[0] if len(terms) == 1 else Logical("|", tuple(terms))

    def and_expression(self) -> Expression:
        terms = [self.primary()]
        while self.peek() == ";":
            self.position += 1
            terms.append(self.primary())
        return terms[0] if len(terms) == 1 else Logical(";", tuple(terms))

    def primary(self) -> Expression:
        if self.peek() == "(":
            self.position += 1
            inner = self.or_expression()
            if self.peek() != ")":
                raise self.fail(_("a parenthesis is not closed"))
            self.position += 1
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        start = self.position
        depth = 0
        while self.position < len(self.text):
            character = self.text[self.position]
            if character == "[":
                depth += 1
            elif character == "]":
                depth -= 1
            elif depth == 0 and (
                character in ";|()" or self.text.startswith(OPERATORS, self.position)
            ):
                # "!~=" and "!=" start with "!"; a lone "!" would be part of a name.
                break
            self.position += 1
        name = self.text[start : self.position].strip()
        if not name:
            raise self.fail(_("an attribute name is missing"))
        path = self.path(name)
        operator = next((op for op in OPERATORS if self.text.startswith(op, self.position)), "")
        if not operator:
            return Comparison(path)
        self.position += len(operator)
        raw = self.raw_value()
        if raw == "":
            raise self.fail(_("a value is missing after %(operator)s") % {"operator": operator})
        if operator in ("~=", "!~="):
            pattern = _unquote(raw) if raw.startswith('"') else raw
            try:
                return Comparison(path, operator, re.compile(pattern))
            except re.error as error:
                raise self.fail(
                    _("the pattern is not valid (%(error)s)") % {"error": error}
                ) from error
        value = _parse_value(raw, self)
        if isinstance(value, (tuple, Range)) and operator not in ("==", "!="):
            raise self.fail(_("ranges and lists go with == or != only"))
        return Comparison(path, operator, value)

    def raw_value(self) -> str:
        start = self.position
        quoted = False
        while self.position < len(self.text):
            character = self.text[self.position]
            if character == "\\" and quoted:
                self.position += 2
                continue
            if character == '"':
                quoted = not quoted
            elif not quoted and character in ";|)":
                break
            self.position += 1
        if quoted:
            raise self.fail(_("a quoted value is not closed"))
        return self.text[start : self.position].strip()

    def path(self, name: str) -> AttributePath:
        keys: list[str] = []
        if "[" in name:
            name, _sep, rest = name.partition("[")
            rest = "[" + rest
            for match in re.finditer(r"\[([^\]]*)\]", rest):
                keys.append(match.group(1).strip().strip('"'))
            if not keys or "".join(f"[{key}]" for key in keys) != rest.replace('"', ""):
                raise self.fail(_("an attribute path is not valid"))
        # An IRI's dots are not a path.
        parts = [name] if "://" in name else name.split(".")
        if any(not part or not re.fullmatch(r"[^\s\"'<>=!~]+", part) for part in parts):
            raise self.fail(_("%(name)s is not an attribute name") % {"name": name[:40]})
        attribute = self.context.to_stored(parts[0])
        members = tuple(
            part
            if part in ("observedAt", "unitCode", "createdAt", "modifiedAt", "datasetId")
            else self.context.to_stored(part)
            for part in parts[1:]
        )
        return AttributePath(attribute, members, tuple(keys))


def _unquote(raw: str) -> str:
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw.strip('"')
    return str(value)


_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def _single_value(raw: str, parser: _Parser) -> Any:
    raw = raw.strip()
    if not raw:
        raise parser.fail(_("a value is empty"))
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"'):
            raise parser.fail(_("a quoted value is not closed"))
        return _unquote(raw)
    if _NUMBER.match(raw):
        number = float(raw)
        if not math.isfinite(number):
            raise parser.fail(_("a number is too large"))
        return number
    if raw in ("true", "false"):
        return raw == "true"
    moment = _moment(raw)
    if moment is not None:
        return moment
    if re.search(r"[\s<>=!~\"'()]", raw):
        raise parser.fail(_("%(value)s is not a value; quote text") % {"value": raw[:20]})
    return raw  # a URI or another unquoted token


def _split_outside_quotes(raw: str, separator: str) -> list[str]:
    parts, current, quoted, index = [], "", False, 0
    while index < len(raw):
        character = raw[index]
        if character == '"':
            quoted = not quoted
        if not quoted and raw.startswith(separator, index):
            parts.append(current)
            current = ""
            index += len(separator)
            continue
        current += character
        index += 1
    parts.append(current)
    return parts


def _parse_value(raw: str, parser: _Parser) -> Any:
    bounds = _split_outside_quotes(raw, "..")
    if len(bounds) == 2:
        low, high = (_single_value(bound, parser) for bound in bounds)
        return Range(low, high)
    if len(bounds) > 2:
        raise parser.fail(_("a range has two ends"))
    items = _split_outside_quotes(raw, ",")
    if len(items) > 1:
        return tuple(_single_value(item, parser) for item in items)
    return _single_value(raw, parser)


def _moment(text: str) -> datetime.datetime | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        moment = parse_datetime(text) if "T" in text else None
    except ValueError:
        return None
    if moment is None:
        try:
            day = datetime.date.fromisoformat(text[:10])
        except ValueError:
            return None
        if len(text) != 10:
            return None
        return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def q_parse(text: str, context: ActiveContext) -> Expression:
    if len(text) > MAX_Q_LENGTH:
        raise NgsiError(
            "TooComplexQuery", _("q is longer than %(n)d characters.") % {"n": MAX_Q_LENGTH}
        )
    return _Parser(text.strip(), context).parse()


# q: evaluation

_MISSING = object()


def _attribute_value(document: Mapping[str, Any]) -> Any:
    kind = document.get("type")
    if kind == "Relationship":
        return document.get("object", _MISSING)
    if kind == "LanguageProperty":
        language_map = document.get("languageMap")
        return list(language_map.values()) if isinstance(language_map, Mapping) else _MISSING
    if kind == "VocabProperty":
        return document.get("vocab", _MISSING)
    if kind == "JsonProperty":
        return document.get("json", _MISSING)
    if kind == "ListProperty":
        return document.get("valueList", _MISSING)
    return document.get("value", _MISSING)


def _resolve(attributes: Mapping[str, Any], path: AttributePath) -> Any:
    document = attributes.get(path.attribute)
    if not isinstance(document, Mapping):
        return _MISSING
    value: Any = _MISSING
    current: Mapping[str, Any] = document
    for position, member in enumerate(path.members):
        inner = current.get(member, _MISSING)
        if inner is _MISSING:
            return _MISSING
        if isinstance(inner, Mapping) and position < len(path.members) - 1:
            current = inner
            continue
        value = _attribute_value(inner) if isinstance(inner, Mapping) else inner
        current = inner if isinstance(inner, Mapping) else {}
    if not path.members:
        value = _attribute_value(document)
    for key in path.keys:
        if isinstance(value, Mapping) and key in value:
            value = value[key]
        else:
            return _MISSING
    return value


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Both sides in one comparable kind, or None when they cannot be compared."""
    if isinstance(right, bool) or isinstance(left, bool):
        return (left, right) if isinstance(left, bool) and isinstance(right, bool) else None
    if isinstance(right, float):
        return (float(left), right) if isinstance(left, int | float) else None
    if isinstance(right, datetime.datetime):
        if isinstance(left, str):
            moment = _moment(left)
            return (moment, right) if moment is not None else None
        return None
    if isinstance(right, str):
        return (left, right) if isinstance(left, str) else None
    return None


def _compare_one(left: Any, operator: str, right: Any) -> bool:
    if isinstance(right, Range):
        low = _comparable(left, right.low)
        high = _comparable(left, right.high)
        return low is not None and high is not None and low[1] <= low[0] <= high[1]
    if isinstance(right, tuple):
        return any(_compare_one(left, "==", item) for item in right)
    pair = _comparable(left, right)
    if pair is None:
        return False
    a, b = pair
    if operator == "==":
        return bool(a == b)
    if operator == ">":
        return bool(a > b)
    if operator == ">=":
        return bool(a >= b)
    if operator == "<":
        return bool(a < b)
    if operator == "<=":
        return bool(a <= b)
    return False


def _matches(expression: Expression, attributes: Mapping[str, Any]) -> bool:
    if isinstance(expression, Logical):
        results = (_matches(term, attributes) for term in expression.terms)
        return all(results) if expression.operator == ";" else any(results)
    value = _resolve(attributes, expression.path)
    if value is _MISSING:
        return False
    operator = expression.operator
    if not operator:
        return True
    values = value if isinstance(value, list) else [value]
    if operator in ("~=", "!~="):
        pattern: re.Pattern[str] = expression.value
        found = any(isinstance(item, str) and pattern.search(item) for item in values)
        return found if operator == "~=" else not found
    if operator == "!=":
        return not any(_compare_one(item, "==", expression.value) for item in values)
    return any(_compare_one(item, operator, expression.value) for item in values)


def q_matches(expression: Expression, entity: Entity) -> bool:
    return _matches(expression, entity.attributes or {})


def q_attributes(expression: Expression) -> set[str]:
    if isinstance(expression, Logical):
        return set().union(*(q_attributes(term) for term in expression.terms))
    return {expression.path.attribute}


# Geo-queries


@dataclass(frozen=True)
class GeoQuery:
    relation: str
    geometry: Mapping[str, Any]
    max_distance: float | None = None
    min_distance: float | None = None
    shape: Any = field(default=None, compare=False)


def distance_metres(
    latitude1: float, longitude1: float, latitude2: float, longitude2: float
) -> float:
    """The great-circle distance (haversine)."""
    phi1, phi2 = math.radians(latitude1), math.radians(latitude2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(longitude2 - longitude1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(a)))


def geo_parse(parameters: QueryDict) -> GeoQuery | None:
    georel = parameters.get("georel", "").strip()
    geometry_name = parameters.get("geometry", "").strip()
    coordinates_text = parameters.get("coordinates", "").strip()
    geoproperty = parameters.get("geoproperty", "location").strip() or "location"
    if not georel:
        if geometry_name or coordinates_text:
            raise _bad(_("geometry and coordinates go with georel."))
        return None
    if geoproperty != "location":
        raise NgsiError("OperationNotSupported", _("Geo-queries are answered on location only."))
    parts = [part.strip() for part in georel.split(";")]
    relation = parts[0]
    if relation not in GEORELS:
        raise _bad(
            _("Unknown georel %(georel)s; use one of: %(known)s.")
            % {"georel": relation[:20], "known": ", ".join(GEORELS)}
        )
    if geometry_name not in GEOMETRIES:
        raise _bad(_("georel needs geometry (Point, Polygon…) and coordinates."))
    if not coordinates_text:
        raise _bad(_("georel needs coordinates."))
    try:
        coordinates = json.loads(coordinates_text)
    except ValueError as error:
        raise _bad(_("coordinates must be a JSON array, such as [26.66,47.75].")) from error
    geometry = {"type": geometry_name, "coordinates": coordinates}
    try:
        from shapely.geometry import shape

        geometry_shape = shape(geometry)
        if geometry_shape.is_empty or not geometry_shape.is_valid:
            raise ValueError("empty or invalid")
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as error:
        raise _bad(
            _("coordinates are not a valid %(geometry)s.") % {"geometry": geometry_name}
        ) from error
    max_distance = min_distance = None
    for modifier in parts[1:]:
        name, separator, value = modifier.partition("==")
        try:
            number = float(value) if separator else -1.0
        except ValueError:
            number = -1.0
        if name not in ("maxDistance", "minDistance") or number < 0 or not math.isfinite(number):
            raise _bad(
                _("georel modifiers are maxDistance==N or minDistance==N (metres), not %(m)s.")
                % {"m": modifier[:30]}
            )
        if name == "maxDistance":
            max_distance = number
        else:
            min_distance = number
    if relation == "near":
        if geometry_name != "Point":
            raise _bad(_("near needs a Point geometry."))
        if max_distance is None and min_distance is None:
            raise _bad(_("near needs maxDistance==N or minDistance==N."))
    return GeoQuery(relation, geometry, max_distance, min_distance, geometry_shape)


def _bounding_box(geo: GeoQuery) -> BoundingBox | None:
    if geo.relation == "near":
        if geo.max_distance is None:
            return None
        longitude, latitude = geo.shape.x, geo.shape.y
        delta_latitude = math.degrees(geo.max_distance / EARTH_RADIUS_METRES)
        cosine = max(math.cos(math.radians(latitude)), 0.01)
        delta_longitude = min(180.0, delta_latitude / cosine)
        return BoundingBox(
            latitude - delta_latitude,
            longitude - delta_longitude,
            latitude + delta_latitude,
            longitude + delta_longitude,
        )
    if geo.relation in ("within", "intersects", "equals", "overlaps"):
        west, south, east, north = geo.shape.bounds
        return BoundingBox(south, west, north, east)
    return None


def _entity_shape(entity: Entity) -> Any:
    from shapely.geometry import Point, shape

    if entity.geometry:
        try:
            return shape(entity.geometry)
        except (ValueError, TypeError, AttributeError, IndexError, KeyError):
            pass
    if entity.latitude is None or entity.longitude is None:
        return None
    return Point(entity.longitude, entity.latitude)


def geo_matches(geo: GeoQuery, entity: Entity) -> bool:
    if entity.latitude is None or entity.longitude is None:
        return False
    if geo.relation == "near":
        distance = distance_metres(entity.latitude, entity.longitude, geo.shape.y, geo.shape.x)
        if geo.max_distance is not None and distance > geo.max_distance:
            return False
        return not (geo.min_distance is not None and distance < geo.min_distance)
    own = _entity_shape(entity)
    if own is None:
        return False
    predicate = {
        "within": own.within,
        "contains": own.contains,
        "intersects": own.intersects,
        "equals": own.equals,
        "disjoint": own.disjoint,
        "overlaps": own.overlaps,
    }[geo.relation]
    return bool(predicate(geo.shape))


# The whole query


@dataclass(frozen=True)
class EntityQuery:
    types: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    id_pattern: str = ""
    attributes: frozenset[str] | None = None
    q: Expression | None = None
    geo: GeoQuery | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    count: bool = False

    def entity_filter(self, *, readable_types: frozenset[str] | None) -> EntityFilter:
        checks: list[Callable[[Entity], bool]] = []
        q, geo = self.q, self.geo
        if q is not None:
            checks.append(lambda entity: q_matches(q, entity))
        if (geo is not None and geo.relation != "disjoint") or geo is not None:
            checks.append(lambda entity: geo_matches(geo, entity))
        return EntityFilter(
            types=self.types,
            ids=self.ids,
            id_pattern=self.id_pattern,
            any_attributes=self.attributes,
            bounding_box=_bounding_box(geo) if geo is not None else None,
            readable_types=readable_types,
            check=(lambda entity: all(check(entity) for check in checks)) if checks else None,
        )


def _integer(parameters: QueryDict, name: str, default: int) -> int:
    text = parameters.get(name, "").strip()
    if not text:
        return default
    if not re.fullmatch(r"\d+", text):
        raise _bad(_("%(name)s must be a whole number of at least 0.") % {"name": name})
    return int(text)


def _list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,|]", text) if part.strip()]


def entity_query_parse(parameters: QueryDict, context: ActiveContext) -> EntityQuery:
    """``GET entities`` parameters, checked; ``BadRequestData`` for a bad one."""
    types = tuple(context.to_stored(name) for name in _list(parameters.get("type", "")))
    ids = tuple(part.strip() for part in parameters.get("id", "").split(",") if part.strip())
    id_pattern = parameters.get("idPattern", "").strip()
    if id_pattern:
        try:
            re.compile(id_pattern)
        except re.error as error:
            raise _bad(
                _("idPattern is not a valid regular expression: %(e)s.") % {"e": error}
            ) from error
    attrs_text = parameters.get("attrs", "") or parameters.get("pick", "")
    attributes = (
        frozenset(context.to_stored(name) for name in _list(attrs_text)) if attrs_text else None
    )
    q_text = parameters.get("q", "").strip()
    q = q_parse(q_text, context) if q_text else None
    geo = geo_parse(parameters)
    if not (types or ids or id_pattern or attributes or q or geo):
        raise _bad(_("Name at least one of type, id, idPattern, attrs, q or georel."))
    count_text = parameters.get("count", "false").strip().lower()
    if count_text not in ("true", "false"):
        raise _bad(_("count is true or false."))
    count = count_text == "true"
    limit = _integer(parameters, "limit", DEFAULT_LIMIT)
    offset = _integer(parameters, "offset", 0)
    if limit == 0 and not count:
        raise _bad(_("limit=0 asks only for the count: add count=true."))
    if limit > MAX_LIMIT:
        raise NgsiError(
            "TooManyResults",
            _("limit may be at most %(max)d; page with offset.") % {"max": MAX_LIMIT},
        )
    return EntityQuery(types, ids, id_pattern, attributes, q, geo, limit, offset, count)
