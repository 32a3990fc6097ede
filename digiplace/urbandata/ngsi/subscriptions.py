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
from .contexts import CORE_ONLY, ActiveContext, request_context
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
from .notification import moment_text
from .paging import page_headers, page_of

if TYPE_CHECKING:
    from ..models import Subscription


def _document_and_context(
    request: HttpRequest, *, accepted: tuple[str, ...]
) -> tuple[dict[str, Any], ActiveContext]:
    """The body as a JSON object without its @context, and the active @context the client
    gave (in the body for JSON-LD, in a Link header for JSON)."""
    body, media_type = json_body(request, accepted=accepted)
    if not isinstance(body, dict):
        raise NgsiError("BadRequestData", _("Send a subscription as a JSON object."))
    context = request_context(request, body=body, media_type=media_type)
    body.pop("@context", None)
    return body, context


def _status(subscription: Subscription, now: datetime.datetime) -> str:
    if subscription.expires_at is not None and subscription.expires_at <= now:
        return "expired"
    return "active" if subscription.is_active else "paused"


def subscription_render(
    subscription: Subscription, *, now: datetime.datetime, context: ActiveContext = CORE_ONLY
) -> dict[str, Any]:
    """The subscription as the client created it, with the members the platform keeps:
    ``status`` and, once notifications went out, the notification's ``status``,
    ``timesSent``, ``lastNotification``, ``lastSuccess`` and ``lastFailure``."""
    document = dict(subscription.document)
    if "entities" in document:
        document["entities"] = [
            {**selector, "type": context.from_stored(selector["type"])}
            for selector in document["entities"]
        ]
    if "watchedAttributes" in document:
        document["watchedAttributes"] = [
            context.from_stored(name) for name in document["watchedAttributes"]
        ]
    document["id"] = subscription.subscription_id
    document["type"] = "Subscription"
    document["status"] = _status(subscription, now)
    notification = dict(document.get("notification", {}))
    if "attributes" in notification:
        notification["attributes"] = [
            context.from_stored(name) for name in notification["attributes"]
        ]
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


def _answer(
    call: NgsiCall, context: ActiveContext, data: Any, *, headers: dict[str, str] | None = None
) -> HttpResponse:
    sent = dict(headers or {})
    if call.accept == LD_JSON:
        if isinstance(data, list):
            data = [{**item, "@context": context.body_context} for item in data]
        else:
            data = {**data, "@context": context.body_context}
        return json_response(data, content_type=LD_JSON, headers=sent)
    sent["Link"] = ", ".join(filter(None, [context_link(context.link_url), sent.get("Link")]))
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
    context = request_context(request)
    page = page_of(request.GET)
    rows, total = selectors.subscriptions_page(
        municipality=call.municipality,
        offset=page.offset,
        limit=page.limit,
        with_count=page.with_count,
    )
    now = timezone.now()
    headers = page_headers(request, page, returned=len(rows), total=total, media_type=call.accept)
    rendered = [subscription_render(row, now=now, context=context) for row in rows]
    return _answer(call, context, rendered, headers=headers)


@ngsi_endpoint("GET", "PATCH", "DELETE")
def subscription(request: HttpRequest, call: NgsiCall, subscription_id: str) -> HttpResponse:
    key = call.require_key()
    if not services.URI_PATTERN.match(subscription_id):
        raise NgsiError("BadRequestData", _("A subscription's id must be a URI."))
    if request.method == "PATCH":
        fragment, context = _document_and_context(
            request, accepted=(JSON, LD_JSON, MERGE_PATCH_JSON)
        )
        services.subscription_update(
            municipality=call.municipality,
            subscription_id=subscription_id,
            fragment=fragment,
            context=context,
            key=key,
        )
        return empty_response(204)
    if request.method == "DELETE":
        services.subscription_delete(
            municipality=call.municipality, subscription_id=subscription_id, key=key
        )
        return empty_response(204)
    context = request_context(request)
    found = selectors.subscription_get(
        municipality=call.municipality, subscription_id=subscription_id
    )
    if found is None:
        raise NgsiError(
            "ResourceNotFound",
            _("There is no subscription %(id)s.") % {"id": subscription_id[:256]},
        )
    return _answer(call, context, subscription_render(found, now=timezone.now(), context=context))
