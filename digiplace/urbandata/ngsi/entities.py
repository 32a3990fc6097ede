"""NGSI-LD entity operations (ETSI GS CIM 009, clauses 5.6, 5.7 and 6.4–6.6, 6.14–6.17):

- ``POST entities`` (201 + Location), ``GET entities`` (query, paging, count);
- ``GET`` / ``DELETE entities/{id}``;
- ``PATCH entities/{id}/attrs`` (update), ``POST entities/{id}/attrs`` (append, with
  ``options=noOverwrite``), ``DELETE entities/{id}/attrs/{attrId}``;
- ``POST entityOperations/create|upsert|update|delete`` (batches: 201/204 when every
  entity succeeded, 207 with a BatchOperationResult otherwise).

Writes go through ``services.ingest`` only; reads through ``selectors.entities``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from ..errors import NgsiError
from ..selectors import entities as entity_selectors
from ..services import ingest
from ..services.ingest import EntityResult, WriteMode
from .contexts import ActiveContext, context_resolve, request_context
from .http import (
    JSON,
    LD_JSON,
    MERGE_PATCH_JSON,
    NgsiCall,
    context_link,
    empty_response,
    json_body,
    json_response,
    ngsi_endpoint,
)
from .query import entity_query_parse
from .representation import (
    Rendering,
    attributes_to_stored,
    entity_document_to_stored,
    entity_render,
    format_from,
    options_parse,
)

MAX_BATCH = 5000
QUERY_OPTIONS = ("keyValues", "simplified", "concise", "normalized", "sysAttrs")
BATCH_OPERATIONS = ("create", "upsert", "update", "delete")
# Characters left as they are in paging links' query values (RFC 3986 allows them there).
_QUERY_SAFE = ":/*.,;!$'()@~-_|[]"


def _not_found(entity_id: str) -> NgsiError:
    return NgsiError(
        "ResourceNotFound", _("There is no entity %(id)s here.") % {"id": entity_id[:200]}
    )


def _check_entity_id(entity_id: str) -> None:
    if ":" not in entity_id or any(character.isspace() for character in entity_id):
        raise NgsiError(
            "BadRequestData",
            _("The entity id must be a URI (for example urn:ngsi-ld:Type:name): %(id)s.")
            % {"id": entity_id[:80]},
        )


def _rendering(call: NgsiCall, context: ActiveContext, parameters: QueryDict) -> Rendering:
    options = options_parse(parameters.get("options", ""), allowed=QUERY_OPTIONS)
    attrs_text = parameters.get("attrs", "") or parameters.get("pick", "")
    attributes = None
    if attrs_text:
        attributes = frozenset(
            context.to_stored(name.strip()) for name in attrs_text.split(",") if name.strip()
        )
    return Rendering(
        context=context,
        format=format_from(options, parameters.get("format", "").strip()),
        system_attributes="sysAttrs" in options,
        attributes=attributes,
        with_context=call.accept == LD_JSON,
        language=parameters.get("lang", "").strip() or None,
    )


def _answer(
    call: NgsiCall,
    context: ActiveContext,
    data: Any,
    *,
    status: int = 200,
    links: Sequence[str] = (),
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    all_links = list(links)
    if call.accept == JSON:
        all_links.insert(0, context_link(context.link_url))
    response = json_response(data, status=status, content_type=call.accept, headers=headers)
    if all_links:
        response["Link"] = ", ".join(all_links)
    return response


def _raise_first_error(results: Sequence[EntityResult]) -> EntityResult:
    result = results[0]
    if result.error is not None:
        raise result.error
    return result


def _update_result_answer(result: EntityResult) -> HttpResponse:
    """204 when every attribute was written; 207 with an UpdateResult otherwise."""
    if not result.not_updated:
        return empty_response(204)
    return json_response(
        {
            "updated": result.updated,
            "notUpdated": [
                {"attributeName": name, "reason": reason} for name, reason in result.not_updated
            ],
        },
        status=207,
    )


def _entity_path(entity_id: str) -> str:
    return reverse("ngsi:entity", kwargs={"entity_id": entity_id})


# entities


@ngsi_endpoint("GET", "POST")
def entities(request: HttpRequest, call: NgsiCall) -> HttpResponse:
    if request.method == "POST":
        return _entity_create(request, call)
    return _entities_query(request, call)


def _entity_create(request: HttpRequest, call: NgsiCall) -> HttpResponse:
    key = call.require_key()
    body, media_type = json_body(request)
    if not isinstance(body, Mapping):
        raise NgsiError("BadRequestData", _("Send one entity as a JSON object."))
    context = request_context(request, body=body, media_type=media_type)
    document = entity_document_to_stored(body, context)
    results = ingest.entities_write(
        municipality=call.municipality, documents=[document], mode=WriteMode.CREATE, key=key
    )
    result = _raise_first_error(results)
    return empty_response(201, headers={"Location": _entity_path(result.entity_id)})


def _paging_links(
    request: HttpRequest, call: NgsiCall, *, limit: int, offset: int, has_more: bool
) -> list[str]:
    if limit == 0:
        return []

    def link(new_offset: int, relation: str) -> str:
        values = {name: request.GET.getlist(name) for name in request.GET}
        values["offset"] = [str(new_offset)]
        values["limit"] = [str(limit)]
        query = "&".join(
            f"{quote(name, safe=_QUERY_SAFE)}={quote(value, safe=_QUERY_SAFE)}"
            for name in sorted(values)
            for value in values[name]
        )
        return f'<{request.path}?{query}>;rel="{relation}";type="{call.accept}"'

    links = []
    if offset > 0:
        links.append(link(max(offset - limit, 0), "prev"))
    if has_more:
        links.append(link(offset + limit, "next"))
    return links


def _entities_query(request: HttpRequest, call: NgsiCall) -> HttpResponse:
    context = request_context(request)
    query = entity_query_parse(request.GET, context)
    if query.types:
        call.require_read(query.types)
    rendering = _rendering(call, context, request.GET)
    page = entity_selectors.entities_query(
        municipality=call.municipality,
        entity_filter=query.entity_filter(readable_types=call.readable_types),
        limit=query.limit,
        offset=query.offset,
        count=query.count,
    )
    headers = {}
    if query.count:
        headers["NGSILD-Results-Count"] = str(page.total or 0)
    return _answer(
        call,
        context,
        [entity_render(entity, rendering) for entity in page.entities],
        links=_paging_links(
            request, call, limit=query.limit, offset=query.offset, has_more=page.has_more
        ),
        headers=headers,
    )


# entities/{id}


@ngsi_endpoint("GET", "DELETE")
def entity(request: HttpRequest, call: NgsiCall, entity_id: str) -> HttpResponse:
    _check_entity_id(entity_id)
    if request.method == "DELETE":
        key = call.require_key()
        ingest.entity_delete(municipality=call.municipality, entity_id=entity_id, key=key)
        return empty_response(204)
    context = request_context(request)
    found = entity_selectors.entity_get(municipality=call.municipality, entity_id=entity_id)
    if found is None:
        raise _not_found(entity_id)
    call.require_read([found.type])
    return _answer(call, context, entity_render(found, _rendering(call, context, request.GET)))


# entities/{id}/attrs


@ngsi_endpoint("PATCH", "POST")
def entity_attributes(request: HttpRequest, call: NgsiCall, entity_id: str) -> HttpResponse:
    _check_entity_id(entity_id)
    key = call.require_key()
    body, media_type = json_body(request, accepted=(JSON, LD_JSON, MERGE_PATCH_JSON))
    if not isinstance(body, Mapping):
        raise NgsiError("BadRequestData", _("Send the attributes as a JSON object."))
    context = request_context(request, body=body, media_type=media_type)
    found = entity_selectors.entity_get(municipality=call.municipality, entity_id=entity_id)
    if found is None:
        raise _not_found(entity_id)
    attributes = attributes_to_stored(body, context)
    if not attributes:
        raise NgsiError("BadRequestData", _("Name at least one attribute."))
    if request.method == "PATCH":
        mode, no_overwrite = WriteMode.PATCH, False
    else:
        options = options_parse(request.GET.get("options", ""), allowed=("noOverwrite",))
        mode, no_overwrite = WriteMode.APPEND, "noOverwrite" in options
    results = ingest.entities_write(
        municipality=call.municipality,
        documents=[{"id": found.entity_id, "type": found.type, **attributes}],
        mode=mode,
        key=key,
        no_overwrite=no_overwrite,
    )
    return _update_result_answer(_raise_first_error(results))


@ngsi_endpoint("DELETE")
def entity_attribute(
    request: HttpRequest, call: NgsiCall, entity_id: str, attribute: str
) -> HttpResponse:
    _check_entity_id(entity_id)
    key = call.require_key()
    context = request_context(request)
    ingest.entity_attribute_delete(
        municipality=call.municipality,
        entity_id=entity_id,
        attribute=context.to_stored(attribute),
        key=key,
    )
    return empty_response(204)


# entityOperations/{operation}


def _batch_documents(request: HttpRequest, body: Any, media_type: str) -> list[Any]:
    """Each entity with its names as stored; an entity whose context cannot be had is
    refused as a whole request (its names could not be read)."""
    if media_type == LD_JSON:
        request_context(request, media_type=media_type)  # refuses a Link @context
        documents = []
        for document in body:
            if not isinstance(document, Mapping):
                documents.append(document)
                continue
            if "@context" not in document:
                raise NgsiError(
                    "BadRequestData",
                    _("Each entity of an application/ld+json batch needs its @context."),
                )
            context = context_resolve(document["@context"])
            documents.append(entity_document_to_stored(document, context))
        return documents
    if any(isinstance(document, Mapping) and "@context" in document for document in body):
        raise NgsiError(
            "BadRequestData",
            _(
                "With application/json the @context goes in a Link header; send the body "
                "as application/ld+json to include it."
            ),
        )
    context = request_context(request)
    return [entity_document_to_stored(document, context) for document in body]


def _batch_answer(
    results: Sequence[tuple[str, NgsiError | None, bool]], *, operation: str
) -> HttpResponse:
    errors = [(entity_id, error) for entity_id, error, _created in results if error is not None]
    successes = [entity_id for entity_id, error, _created in results if error is None]
    if not errors:
        if operation == "create":
            return json_response(successes, status=201)
        created = [entity_id for entity_id, _error, was_created in results if was_created]
        if operation == "upsert" and created:
            return json_response(created, status=201)
        return empty_response(204)
    return json_response(
        {
            "success": successes,
            "errors": [
                {"entityId": entity_id, "error": error.problem()} for entity_id, error in errors
            ],
        },
        status=207,
    )


def _batch_delete(call: NgsiCall, body: list[Any]) -> HttpResponse:
    key = call.require_key()
    outcomes: list[tuple[str, NgsiError | None, bool]] = []
    for entity_id in body:
        if not isinstance(entity_id, str) or not entity_id:
            outcomes.append(
                (
                    str(entity_id)[:200],
                    NgsiError("BadRequestData", _("Each item must be an entity id.")),
                    False,
                )
            )
            continue
        try:
            ingest.entity_delete(municipality=call.municipality, entity_id=entity_id, key=key)
        except NgsiError as error:
            outcomes.append((entity_id, error, False))
        else:
            outcomes.append((entity_id, None, False))
    return _batch_answer(outcomes, operation="delete")


@ngsi_endpoint("POST")
def entity_operations(request: HttpRequest, call: NgsiCall, operation: str) -> HttpResponse:
    if operation not in BATCH_OPERATIONS:
        raise NgsiError(
            "ResourceNotFound",
            _("Unknown batch operation %(operation)s; use create, upsert, update or delete.")
            % {"operation": operation[:40]},
        )
    key = call.require_key()
    body, media_type = json_body(request)
    if not isinstance(body, list) or not body:
        raise NgsiError("BadRequestData", _("Send the batch as a non-empty JSON array."))
    if len(body) > MAX_BATCH:
        raise NgsiError(
            "BadRequestData",
            _("A batch holds at most %(max)d entities; split it.") % {"max": MAX_BATCH},
        )
    if operation == "delete":
        return _batch_delete(call, body)
    options = options_parse(
        request.GET.get("options", ""),
        allowed=("update", "replace") if operation == "upsert" else ("noOverwrite", "replace"),
    )
    if operation == "create":
        mode = WriteMode.CREATE
    elif operation == "upsert":
        mode = WriteMode.UPSERT_MERGE if "update" in options else WriteMode.UPSERT_REPLACE
    else:
        mode = WriteMode.APPEND
    documents = _batch_documents(request, body, media_type)
    results = ingest.entities_write(
        municipality=call.municipality,
        documents=documents,
        mode=mode,
        key=key,
        no_overwrite="noOverwrite" in options,
    )
    return _batch_answer(
        [(result.entity_id, result.error, result.created) for result in results],
        operation=operation,
    )
