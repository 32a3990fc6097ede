"""NGSI-LD API: subscriptions (ETSI GS CIM 009, clauses 5.8 and 6.10–6.11).

``POST subscriptions`` creates (201, ``Location``), ``GET subscriptions`` lists the city's in
pages, ``GET/PATCH/DELETE subscriptions/{id}`` read, change (204) and delete (204) one.
Every operation needs a key: a subscription names an endpoint, which is no public data.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import NgsiError
from ..selectors import subscriptions as selectors
from ..services import subscriptions as services
from .http import (
    JSON,
    LD_JSON,
    MERGE_PATCH_JSON,
    NgsiCall,
    context_link,
    empty_response,
    json_body,
    json_response,
    link_header_contexts,
    ngsi_endpoint,
)
from .notification import CORE_CONTEXT, moment_text
from .paging import page_headers, page_of

if TYPE_CHECKING:
    from ..models import Subscription


def _document_and_context(request: HttpRequest, *, accepted: tuple[str, ...]) -> tuple[Any, Any]:
    """The body as a JSON object without its @context, and the @context the client gave
    (in the body for JSON-LD, in a Link header for JSON)."""
    body, media_type = json_body(request, accepted=accepted)
    if not isinstance(body, dict):
        raise NgsiError("BadRequestData", _("Send a subscription as a JSON object."))
    links = link_header_contexts(request)
    if media_type == LD_JSON:
        if "@context" not in body:
            raise NgsiError(
                "BadRequestData", _("A body in application/ld+json needs its @context.")
            )
        if links:
            raise NgsiError(
                "BadRequestData",
                _("Give the @context in the body or in a Link header, not both."),
            )
        context = body.pop("@context")
    else:
        if "@context" in body:
            raise NgsiError(
                "BadRequestData",
                _("A body in application/json cannot carry an @context; use a Link header."),
            )
        if len(links) > 1:
            raise NgsiError("BadRequestData", _("Give one @context Link header at most."))
        context = links[0] if links else None
    return body, context


def _status(subscription: Subscription, now: datetime.datetime) -> str:
    if subscription.expires_at is not None and subscription.expires_at <= now:
        return "expired"
    return "active" if subscription.is_active else "paused"


def subscription_render(subscription: Subscription, *, now: datetime.datetime) -> dict[str, Any]:
    """The subscription as the client created it, with the members the platform keeps:
    ``status`` and, once notifications went out, the notification's ``status``,
    ``timesSent``, ``lastNotification``, ``lastSuccess`` and ``lastFailure``."""
    document = dict(subscription.document)
    document["id"] = subscription.subscription_id
    document["type"] = "Subscription"
    document["status"] = _status(subscription, now)
    notification = dict(document.get("notification", {}))
    if subscription.times_sent:
        notification["timesSent"] = subscription.times_sent
        succeeded, failed = subscription.last_success_at, subscription.last_failure_at
        notification["status"] = (
            "failed" if failed is not None and (succeeded is None or failed > succeeded) else "ok"
        )
        if succeeded is not None:
            notification["lastSuccess"] = moment_text(succeeded)
        if failed is not None:
            notification["lastFailure"] = moment_text(failed)
    if subscription.last_notification_at is not None:
        notification["lastNotification"] = moment_text(subscription.last_notification_at)
    document["notification"] = notification
    return document


def _answer(call: NgsiCall, data: Any, *, headers: dict[str, str] | None = None) -> HttpResponse:
    context = link_header_contexts(call.request)
    context_url = context[0] if context else CORE_CONTEXT
    sent = dict(headers or {})
    if call.accept == LD_JSON:
        if isinstance(data, list):
            data = [{**item, "@context": context_url} for item in data]
        else:
            data = {**data, "@context": context_url}
        return json_response(data, content_type=LD_JSON, headers=sent)
    sent["Link"] = ", ".join(filter(None, [sent.get("Link"), context_link(context_url)]))
    return json_response(data, content_type=JSON, headers=sent)


@ngsi_endpoint("GET", "POST")
def subscriptions(request: HttpRequest, call: NgsiCall) -> HttpResponse:
    key = call.require_key()
    if request.method == "POST":
        document, context = _document_and_context(request, accepted=(JSON, LD_JSON))
        subscription = services.subscription_create(
            municipality=call.municipality, document=document, context=context, key=key
        )
        location = reverse("ngsi:subscription", args=[subscription.subscription_id])
        return empty_response(201, headers={"Location": location})
    page = page_of(request.GET)
    rows, total = selectors.subscriptions_page(
        municipality=call.municipality,
        offset=page.offset,
        limit=page.limit,
        with_count=page.with_count,
    )
    now = timezone.now()
    headers = page_headers(request, page, returned=len(rows), total=total, media_type=call.accept)
    return _answer(call, [subscription_render(row, now=now) for row in rows], headers=headers)


@ngsi_endpoint("GET", "PATCH", "DELETE")
def subscription(request: HttpRequest, call: NgsiCall, subscription_id: str) -> HttpResponse:
    key = call.require_key()
    if not services.URI_PATTERN.match(subscription_id):
        raise NgsiError("BadRequestData", _("A subscription's id must be a URI."))
    if request.method == "PATCH":
        fragment, _context = _document_and_context(
            request, accepted=(JSON, LD_JSON, MERGE_PATCH_JSON)
        )
        services.subscription_update(
            municipality=call.municipality,
            subscription_id=subscription_id,
            fragment=fragment,
            key=key,
        )
        return empty_response(204)
    if request.method == "DELETE":
        services.subscription_delete(
            municipality=call.municipality, subscription_id=subscription_id, key=key
        )
        return empty_response(204)
    found = selectors.subscription_get(
        municipality=call.municipality, subscription_id=subscription_id
    )
    if found is None:
        raise NgsiError(
            "ResourceNotFound",
            _("There is no subscription %(id)s.") % {"id": subscription_id[:256]},
        )
    return _answer(call, subscription_render(found, now=timezone.now()))
