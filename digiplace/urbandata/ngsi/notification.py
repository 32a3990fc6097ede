"""What subscriptions' notifications borrow from the API: the query language (``q``), the
entity representations (normalized, keyValues, concise) compacted with the subscriber's
@context, and NGSI-LD's date-time text."""

from __future__ import annotations

import datetime
import operator
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from ..errors import NgsiError
from .http import JSON, LD_JSON, context_link

if TYPE_CHECKING:
    from ..models import Entity, Subscription

CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"


def moment_text(moment: datetime.datetime) -> str:
    """An NGSI-LD DateTime: UTC, with a final ``Z``."""
    text = moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


# -- q (interim: the comparisons of clause 4.9 joined by ";" and "|") -------------------

_COMPARISON = re.compile(r"^\s*([A-Za-z_][\w.\[\]:/#-]*)\s*(==|!=|>=|<=|>|<)\s*(.+?)\s*$")
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


def _bad_q(q: str) -> NgsiError:
    return NgsiError("BadRequestData", _("q is not a valid query: %(q)s") % {"q": q[:200]})


def _literal(text: str, q: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    try:
        return float(text)
    except ValueError:
        raise _bad_q(q) from None


def _parse(q: str) -> list[list[tuple[str, str, Any]]]:
    """Alternatives (``|``) of conjunctions (``;``) of comparisons."""
    alternatives = []
    for alternative in q.split("|"):
        terms = []
        for term in alternative.split(";"):
            match = _COMPARISON.match(term)
            if match is None:
                raise _bad_q(q)
            name, op, value = match.groups()
            terms.append((name, op, _literal(value, q)))
        alternatives.append(terms)
    return alternatives


def q_check(q: str) -> None:
    """``BadRequestData`` when ``q`` is not a query this platform understands."""
    _parse(q)


def _value(entity: Entity, name: str) -> Any:
    attribute = (entity.attributes or {}).get(name)
    if isinstance(attribute, dict):
        return attribute.get("value", attribute.get("object"))
    return None


def q_holds(q: str, entity: Entity) -> bool:
    """Whether ``q`` holds on the entity's current state."""
    for terms in _parse(q):
        held = True
        for name, op, expected in terms:
            actual = _value(entity, name)
            if isinstance(expected, float) and isinstance(actual, int | float):
                actual = float(actual)
            try:
                held = actual is not None and _OPERATORS[op](actual, expected)
            except TypeError:
                held = False
            if not held:
                break
        if held:
            return True
    return False


# -- Representation -------------------------------------------------------------------


def entity_render(
    entity: Entity,
    *,
    format: str,
    attributes: Sequence[str] | None,
    context: Any,
) -> dict[str, Any]:
    """The entity in the subscription's format, with only ``attributes`` when given."""
    state = dict(entity.attributes or {})
    if attributes:
        state = {name: value for name, value in state.items() if name in attributes}
    rendered: dict[str, Any] = {"id": entity.entity_id, "type": entity.type}
    for name, attribute in state.items():
        if not isinstance(attribute, dict):
            continue
        if format == "keyValues":
            rendered[name] = attribute.get("value", attribute.get("object"))
        elif format == "concise":
            concise = {key: value for key, value in attribute.items() if key != "type"}
            rendered[name] = concise if len(concise) > 1 else concise.get("value")
        else:
            rendered[name] = attribute
    return rendered


def context_of(context: Any) -> Any:
    """The @context a notification in JSON-LD carries: the subscriber's, else the core."""
    return context or CORE_CONTEXT


def headers_for(subscription: Subscription) -> dict[str, str]:
    """The notification request's headers: JSON-LD carries its @context in the body,
    plain JSON names it in a Link header (clause 6.3.5)."""
    if subscription.accept == LD_JSON:
        return {"Content-Type": LD_JSON}
    context = subscription.context
    url = context if isinstance(context, str) else CORE_CONTEXT
    if isinstance(context, list) and len(context) == 1 and isinstance(context[0], str):
        url = context[0]
    return {"Content-Type": JSON, "Link": context_link(url)}
