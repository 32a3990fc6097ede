"""What subscriptions' notifications borrow from the API: the subscriber's @context, the
query language (``q``), the entity representations (normalized, keyValues, concise)
compacted with that context, and NGSI-LD's date-time text."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import query, representation
from .contexts import CORE_CONTEXT_URL, ActiveContext, context_resolve
from .http import JSON, LD_JSON, context_link

if TYPE_CHECKING:
    from ..models import Entity, Subscription

CORE_CONTEXT = CORE_CONTEXT_URL


def moment_text(moment: datetime.datetime) -> str:
    """An NGSI-LD DateTime: UTC, with a final ``Z``."""
    text = moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


# -- q ---------------------------------------------------------------------------------


def subscription_context(subscription: Subscription) -> ActiveContext:
    """The @context the subscriber gave (fetched or cached as any user context)."""
    return context_resolve(subscription.context or None)


def q_check(q: str, context: ActiveContext) -> None:
    """``BadRequestData`` when ``q`` is not a query of NGSI-LD's language."""
    query.q_parse(q, context)


def q_holds(q: str, entity: Entity, context: ActiveContext) -> bool:
    """Whether ``q`` holds on the entity's current state."""
    return query.q_matches(query.q_parse(q, context), entity)


# -- Representation -------------------------------------------------------------------


def entity_render(
    entity: Entity,
    *,
    format: str,
    attributes: Sequence[str] | None,
    context: ActiveContext,
    system_attributes: bool = False,
) -> dict[str, Any]:
    """The entity in the subscription's format, with only ``attributes`` (stored names)
    when given, compacted with the subscriber's @context."""
    return representation.entity_render(
        entity,
        representation.Rendering(
            context=context,
            format=format,
            attributes=frozenset(attributes) if attributes else None,
            system_attributes=system_attributes,
        ),
    )


def headers_for(subscription: Subscription, context: ActiveContext) -> dict[str, str]:
    """The notification request's headers: JSON-LD carries its @context in the body,
    plain JSON names it in a Link header (clause 6.3.5)."""
    endpoint = subscription.document.get("notification", {}).get("endpoint", {})
    headers = {item["key"]: item["value"] for item in endpoint.get("receiverInfo", [])}
    if subscription.accept == LD_JSON:
        return {**headers, "Content-Type": LD_JSON}
    return {**headers, "Content-Type": JSON, "Link": context_link(context.link_url)}
