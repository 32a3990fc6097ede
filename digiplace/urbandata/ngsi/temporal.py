"""NGSI-LD API: the temporal evolution of entities (ETSI GS CIM 009, clauses 4.5.7–4.5.9,
4.5.19, 4.11, 5.6.11–5.6.16 and 5.7.3–5.7.4).

``GET temporal/entities`` and ``GET temporal/entities/{id}`` answer the temporal
representation (each attribute an array of instances with ``value`` and ``observedAt``),
the simplified one (``options=temporalValues``) or the aggregated one
(``options=aggregatedValues`` with ``aggrMethods`` and ``aggrPeriodDuration``), within
``timerel``/``timeAt``/``endTimeAt`` and with ``lastN``. ``POST temporal/entities`` loads
history (creating the entity from the latest instance of each attribute when the city has
none), ``DELETE temporal/entities/{id}`` removes the entity with its history.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ..errors import NgsiError
from ..models import Entity
from ..selectors import entities as entity_selectors
from ..selectors import temporal as selectors
from ..services import ingest
from ..services.ingest import HistoryPoint, WriteMode
from ..types import entity_type
from .contexts import ActiveContext, request_context
from .http import (
    JSON,
    LD_JSON,
    NgsiCall,
    context_link,
    empty_response,
    json_body,
    json_response,
    ngsi_endpoint,
)
from .paging import Page, page_headers
from .query import entity_query_parse
from .representation import entity_document_to_stored, options_parse

TEMPORAL_VALUES = "temporalValues"
AGGREGATED_VALUES = "aggregatedValues"
OPTIONS = (TEMPORAL_VALUES, AGGREGATED_VALUES, "sysAttrs", "normalized")
FORMATS = {
    "normalized": "normalized",
    "temporalValues": TEMPORAL_VALUES,
    "simplified": TEMPORAL_VALUES,
    "aggregatedValues": AGGREGATED_VALUES,
}
# Attribute members that are not instances' data.
GEO_TYPES = {"GeoProperty"}


def _bad(detail: str) -> NgsiError:
    return NgsiError("BadRequestData", detail)


@dataclass(frozen=True)
class TemporalQuery:
    """The temporal parameters of a request, checked."""

    window: selectors.TimeWindow
    last_n: int | None
    representation: str
    aggregation: selectors.AggregationQuery | None


def _moment(parameters: QueryDict, name: str) -> datetime.datetime | None:
    text = parameters.get(name, "").strip()
    if not text:
        return None
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _bad(
            _("%(name)s must be a date and time in ISO 8601 with its time zone: %(value)s.")
            % {"name": name, "value": text[:40]}
        )
    return moment.astimezone(datetime.UTC)


def temporal_query_parse(parameters: QueryDict) -> TemporalQuery:
    """``timerel``, ``timeAt``, ``endTimeAt``, ``timeproperty``, ``lastN``, ``options``,
    ``format``, ``aggrMethods`` and ``aggrPeriodDuration``; ``BadRequestData`` for a bad
    one."""
    timerel = parameters.get("timerel", "").strip() or None
    time_at = _moment(parameters, "timeAt")
    end_time_at = _moment(parameters, "endTimeAt")
    if timerel is not None and timerel not in selectors.TIMERELS:
        raise _bad(_("timerel must be before, after or between."))
    if timerel is None and (time_at or end_time_at):
        raise _bad(_("timeAt and endTimeAt need timerel (before, after or between)."))
    if timerel is not None and time_at is None:
        raise _bad(_("timerel needs timeAt."))
    if timerel == "between":
        if end_time_at is None:
            raise _bad(_("timerel=between needs endTimeAt."))
        if time_at is not None and end_time_at <= time_at:
            raise _bad(_("endTimeAt must be after timeAt."))
    timeproperty = parameters.get("timeproperty", "observedAt").strip() or "observedAt"
    if timeproperty in ("createdAt", "modifiedAt", "deletedAt"):
        raise NgsiError(
            "OperationNotSupported",
            _("This platform keeps history by observedAt only."),
        )
    if timeproperty != "observedAt":
        raise _bad(_("timeproperty must be observedAt, createdAt, modifiedAt or deletedAt."))
    last_n = None
    last_n_text = parameters.get("lastN", "").strip()
    if last_n_text:
        if not last_n_text.isdigit() or int(last_n_text) < 1:
            raise _bad(_("lastN must be a whole number of at least 1."))
        last_n = int(last_n_text)
    options = options_parse(parameters.get("options", ""), allowed=OPTIONS)
    wanted = {option for option in options if option in (TEMPORAL_VALUES, AGGREGATED_VALUES)}
    format_text = parameters.get("format", "").strip()
    if format_text:
        if format_text not in FORMATS:
            raise _bad(
                _("format must be normalized, temporalValues or aggregatedValues, not %(f)s.")
                % {"f": format_text[:40]}
            )
        if FORMATS[format_text] != "normalized":
            wanted.add(FORMATS[format_text])
    if len(wanted) > 1:
        raise _bad(_("Ask for one representation: temporalValues or aggregatedValues."))
    representation = wanted.pop() if wanted else "normalized"
    window = selectors.TimeWindow.of(timerel, time_at, end_time_at)
    aggregation = None
    if representation == AGGREGATED_VALUES:
        aggregation = _aggregation_parse(parameters, window)
    return TemporalQuery(window, last_n, representation, aggregation)


def _aggregation_parse(
    parameters: QueryDict, window: selectors.TimeWindow
) -> selectors.AggregationQuery:
    methods_text = parameters.get("aggrMethods", "").strip()
    methods = tuple(dict.fromkeys(part.strip() for part in methods_text.split(",") if part.strip()))
    if not methods:
        raise _bad(_("options=aggregatedValues needs aggrMethods."))
    unknown = [method for method in methods if method not in selectors.AGGREGATION_METHODS]
    if unknown:
        raise _bad(
            _("Unknown aggrMethods %(methods)s; use %(allowed)s.")
            % {
                "methods": ", ".join(unknown),
                "allowed": ", ".join(selectors.AGGREGATION_METHODS),
            }
        )
    duration_text = parameters.get("aggrPeriodDuration", "").strip() or "PT0S"
    try:
        period = selectors.Duration.parse(duration_text)
    except ValueError:
        raise _bad(
            _("aggrPeriodDuration must be an ISO 8601 duration such as PT1H or P1D: %(d)s.")
            % {"d": duration_text[:40]}
        ) from None
    return selectors.AggregationQuery(methods=methods, period=period, window=window)


# Rendering


class _Moments:
    """NGSI-LD DateTime texts (UTC, milliseconds, final Z), each moment formatted once: a
    year of hourly periods repeats the same 8,761 moments across methods."""

    def __init__(self) -> None:
        self._texts: dict[datetime.datetime, str] = {}

    def __call__(self, moment: datetime.datetime) -> str:
        text = self._texts.get(moment)
        if text is None:
            utc = moment.astimezone(datetime.UTC)
            text = (
                f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:"
                f"{utc.minute:02d}:{utc.second:02d}.{utc.microsecond // 1000:03d}Z"
            )
            self._texts[moment] = text
        return text


def _number(value: float, *, simplified: bool) -> float | int:
    """Whole numbers as integers in instances (as devices send them), floats in the
    simplified and aggregated representations."""
    if simplified or not value.is_integer():
        return value
    return int(value)


def _data(instance: selectors.Instance, *, simplified: bool) -> Any:
    if instance.value is not None:
        return _number(instance.value, simplified=simplified)
    return instance.text


def temporal_render(
    entity: Entity,
    *,
    context: ActiveContext,
    query: TemporalQuery,
    series: Mapping[str, Sequence[selectors.Instance]] | None = None,
    aggregates: Mapping[str, Sequence[selectors.Aggregate]] | None = None,
    with_context: bool = False,
) -> dict[str, Any]:
    """One entity in the temporal representation the query asks for."""
    iso = _Moments()
    out: dict[str, Any] = {"id": entity.entity_id, "type": context.from_stored(entity.type)}
    if aggregates is not None:
        for name in sorted(aggregates):
            periods = aggregates[name]
            attribute: dict[str, Any] = {"type": "Property"}
            assert query.aggregation is not None
            for method in query.aggregation.methods:
                attribute[method] = [
                    [period.values[method], iso(period.start), iso(period.end)]
                    for period in periods
                    if method in period.values
                ]
            out[context.from_stored(name)] = attribute
    for name in sorted(series or {}):
        instances = (series or {})[name]
        term = context.from_stored(name)
        if query.representation == TEMPORAL_VALUES:
            out[term] = {
                "type": "Property",
                "values": [
                    [_data(instance, simplified=True), iso(instance.observed_at)]
                    for instance in instances
                ],
            }
        else:
            out[term] = [
                {
                    "type": "Property",
                    "value": _data(instance, simplified=False),
                    "observedAt": iso(instance.observed_at),
                }
                for instance in instances
            ]
    if with_context:
        out["@context"] = context.body_context
    return out


def _render_all(
    entities: Sequence[Entity],
    *,
    attributes: frozenset[str] | None,
    context: ActiveContext,
    query: TemporalQuery,
    with_context: bool,
) -> list[dict[str, Any]]:
    pks = [entity.pk for entity in entities]
    if query.aggregation is not None:
        aggregated = selectors.aggregates_read(
            entity_pks=pks, attributes=attributes, query=query.aggregation
        )
        return [
            temporal_render(
                entity,
                context=context,
                query=query,
                aggregates=aggregated.get(entity.pk, {}),
                with_context=with_context,
            )
            for entity in entities
        ]
    series = selectors.instances_read(
        entity_pks=pks, attributes=attributes, window=query.window, last_n=query.last_n
    )
    return [
        temporal_render(
            entity,
            context=context,
            query=query,
            series=series.get(entity.pk, {}),
            with_context=with_context,
        )
        for entity in entities
    ]


def _answer(
    call: NgsiCall, context: ActiveContext, data: Any, *, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    sent = dict(headers or {})
    if call.accept == JSON:
        sent["Link"] = ", ".join(filter(None, [context_link(context.link_url), sent.get("Link")]))
    return json_response(data, content_type=call.accept, headers=sent)


# Views


@ngsi_endpoint("GET", "POST")
def temporal_entities(request: HttpRequest, call: NgsiCall) -> HttpResponse:
    if request.method == "POST":
        return _temporal_create(request, call)
    context = request_context(request)
    query = entity_query_parse(request.GET, context)
    temporal = temporal_query_parse(request.GET)
    if query.types:
        call.require_read(query.types)
    page = entity_selectors.entities_query(
        municipality=call.municipality,
        entity_filter=query.entity_filter(readable_types=call.readable_types),
        limit=query.limit,
        offset=query.offset,
        count=query.count,
    )
    data = _render_all(
        page.entities,
        attributes=query.attributes,
        context=context,
        query=temporal,
        with_context=call.accept == LD_JSON,
    )
    headers = page_headers(
        request,
        Page(offset=query.offset, limit=query.limit, with_count=query.count),
        returned=len(page.entities),
        total=page.total,
        media_type=call.accept,
        has_more=page.has_more,
    )
    return _answer(call, context, data, headers=headers)


def _check_entity_id(entity_id: str) -> None:
    if ":" not in entity_id or any(character.isspace() for character in entity_id):
        raise _bad(
            _("The entity id must be a URI (for example urn:ngsi-ld:Type:name): %(id)s.")
            % {"id": entity_id[:80]}
        )


@ngsi_endpoint("GET", "DELETE")
def temporal_entity(request: HttpRequest, call: NgsiCall, entity_id: str) -> HttpResponse:
    _check_entity_id(entity_id)
    if request.method == "DELETE":
        key = call.require_key()
        ingest.entity_delete(municipality=call.municipality, entity_id=entity_id, key=key)
        return empty_response(204)
    context = request_context(request)
    temporal = temporal_query_parse(request.GET)
    found = entity_selectors.entity_get(municipality=call.municipality, entity_id=entity_id)
    if found is None:
        raise NgsiError("ResourceNotFound", _("There is no entity %(id)s.") % {"id": entity_id})
    call.require_read([found.type])
    attrs_text = request.GET.get("attrs", "") or request.GET.get("pick", "")
    attributes = (
        frozenset(context.to_stored(name.strip()) for name in attrs_text.split(",") if name.strip())
        if attrs_text
        else None
    )
    [data] = _render_all(
        [found],
        attributes=attributes,
        context=context,
        query=temporal,
        with_context=call.accept == LD_JSON,
    )
    return _answer(call, context, data)


# Loading history


def _instances(name: str, value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise _bad(_("%(attribute)s has no instances.") % {"attribute": name})
    for item in items:
        if not isinstance(item, Mapping):
            raise _bad(
                _("Each instance of %(attribute)s must be an attribute object.")
                % {"attribute": name}
            )
    return [dict(item) for item in items]


def _is_series(type_name: str, name: str, instance: Mapping[str, Any]) -> bool:
    spec = entity_type(type_name)
    attribute = spec.attributes.get(name) if spec is not None else None
    if attribute is not None:
        return attribute.is_series
    if instance.get("type", "Property") != "Property":
        return False
    value = instance.get("value")
    return isinstance(value, int | float) and not isinstance(value, bool)


def _observed(instance: Mapping[str, Any], name: str) -> datetime.datetime:
    text = instance.get("observedAt")
    moment = parse_datetime(text) if isinstance(text, str) else None
    if moment is None or moment.tzinfo is None:
        raise _bad(
            _("Each instance of %(attribute)s needs observedAt, a date and time with its zone.")
            % {"attribute": name}
        )
    return moment.astimezone(datetime.UTC)


def _temporal_create(request: HttpRequest, call: NgsiCall) -> HttpResponse:
    key = call.require_key()
    body, media_type = json_body(request)
    if not isinstance(body, Mapping):
        raise _bad(_("Send one entity in its temporal representation, as a JSON object."))
    context = request_context(request, body=body, media_type=media_type)
    document = entity_document_to_stored(body, context)
    entity_id, type_name = document.get("id"), document.get("type")
    if not isinstance(entity_id, str) or not entity_id:
        raise _bad(_("The entity needs an id."))
    _check_entity_id(entity_id)
    if not isinstance(type_name, str) or not type_name:
        raise _bad(_("The entity needs a type."))
    latest: dict[str, dict[str, Any]] = {}
    points: list[HistoryPoint] = []
    for name, value in document.items():
        if name in ("id", "type", "@context", "scope"):
            continue
        instances = _instances(name, value)
        if not _is_series(type_name, name, instances[0]):
            # Not a time series: its newest instance is the current value, if any.
            latest[name] = max(instances, key=lambda item: str(item.get("observedAt", "")))
            continue
        dated = sorted(((_observed(item, name), item) for item in instances), key=lambda p: p[0])
        for moment, item in dated:
            if "value" not in item:
                raise _bad(_("Each instance of %(attribute)s needs a value.") % {"attribute": name})
            points.append(HistoryPoint(attribute=name, observed_at=moment, value=item["value"]))
        latest[name] = dated[-1][1]
    existing = entity_selectors.entity_get(municipality=call.municipality, entity_id=entity_id)
    if existing is not None and existing.type != type_name:
        raise _bad(_("The entity %(id)s exists with another type.") % {"id": entity_id})
    created = existing is None
    with transaction.atomic():
        if created or (existing is not None and set(latest) - {p.attribute for p in points}):
            mode = WriteMode.CREATE if created else WriteMode.UPSERT_MERGE
            current = {"id": entity_id, "type": type_name, **latest}
            if not created:
                series_names = {point.attribute for point in points}
                current = {k: v for k, v in current.items() if k not in series_names}
            [result] = ingest.entities_write(
                municipality=call.municipality, documents=[current], mode=mode, key=key
            )
            if result.error is not None:
                raise result.error
        entity = entity_selectors.entity_get(municipality=call.municipality, entity_id=entity_id)
        assert entity is not None
        if points:
            ingest.history_write(
                municipality=call.municipality, entity=entity, points=points, key=key
            )
    if created:
        location = reverse("ngsi:temporal-entity", kwargs={"entity_id": entity_id})
        return empty_response(201, headers={"Location": location})
    return empty_response(204)
