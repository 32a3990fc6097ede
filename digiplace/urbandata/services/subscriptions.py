"""NGSI-LD subscriptions (ETSI GS CIM 009, clauses 5.2.12, 5.8 and 5.11.7): created, changed
and deleted through the API, and notified over HTTP when the entities they watch change.

Matching runs on committed change batches (``services.changes``): a subscription of the
entity's city is notified when it is active and not expired, one of its entity selectors
takes the entity (type, and ``id`` or ``idPattern``), its ``watchedAttributes`` (all
attributes when absent) meet the changed ones, its ``q`` holds on the entity's current
state, and its ``throttling`` has elapsed since its last notification. Each notification
is POSTed by a task of its own through ``netguard`` (private addresses refused unless the
setting lists them), which records the outcome on the subscription. The standard sends no
notification when a subscription is created, only on later changes (clause 5.8.1).
Subscriptions with a ``timeInterval`` are notified periodically instead, with every entity
they match (the scheduler's minute is the shortest interval).
"""

from __future__ import annotations

import datetime
import logging
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_tasks import task

from .. import netguard
from ..errors import NgsiError
from ..models import Entity, Subscription
from ..ngsi import notification as notification_format
from ..ngsi.contexts import CORE_ONLY, ActiveContext
from .changes import EntityChange, listener_register

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

    from ..models import DeviceKey

logger = logging.getLogger(__name__)

FORMATS = ("normalized", "keyValues", "concise")
ACCEPTS = ("application/json", "application/ld+json")
SUBSCRIPTION_PREFIX = "urn:ngsi-ld:Subscription:"
NOTIFICATION_PREFIX = "urn:ngsi-ld:Notification:"
NOTIFICATION_TIMEOUT = 10.0
# Entities one periodic notification carries at most.
MAX_PERIODIC_ENTITIES = 1000
MAX_ID_LENGTH = 256
MAX_URI_LENGTH = 1000
MAX_TEXT_LENGTH = 1000
# Members a client may send; the others are refused rather than silently ignored.
MEMBERS = {
    "id",
    "type",
    "subscriptionName",
    "description",
    "entities",
    "watchedAttributes",
    "notificationTrigger",
    "timeInterval",
    "q",
    "notification",
    "expiresAt",
    "isActive",
    "throttling",
    "lang",
}
NOT_SUPPORTED = {"geoQ", "csf", "scopeQ", "temporalQ", "jsonldContext", "datasetId"}
TRIGGERS = ("attributeCreated", "attributeUpdated")
# Members the platform keeps up to date itself: not the client's to write.
SYSTEM_MEMBERS = {"status", "createdAt", "modifiedAt"}
NOTIFICATION_SYSTEM_MEMBERS = {
    "status",
    "timesSent",
    "timesFailed",
    "lastNotification",
    "lastSuccess",
    "lastFailure",
}
URI_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")
# Headers a subscriber's receiverInfo may not set: the platform writes them.
RESERVED_HEADERS = {"host", "content-type", "content-length", "link", "transfer-encoding"}
MAX_RECEIVER_INFO = 20


def _bad(detail: str) -> NgsiError:
    return NgsiError("BadRequestData", detail)


def _strings(value: Any, *, member: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise _bad(_("%(member)s must be a non-empty list of names.") % {"member": member})
    names: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise _bad(_("%(member)s must list names (text).") % {"member": member})
        if item not in names:
            names.append(item)
    return names


def _positive_seconds(value: Any, *, member: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise _bad(_("%(member)s must be a positive number of seconds.") % {"member": member})
    if not math.isfinite(value):
        raise _bad(_("%(member)s must be a positive number of seconds.") % {"member": member})
    return math.ceil(float(value))


def _moment(value: Any, *, member: str) -> datetime.datetime:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or timezone.is_naive(moment):
        raise _bad(
            _("%(member)s must be a date and time in ISO 8601 with its time zone.")
            % {"member": member}
        )
    return moment.astimezone(datetime.UTC)


def _entities(value: Any, context: ActiveContext) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise _bad(_("entities must be a non-empty list of entity selectors."))
    selectors: list[dict[str, str]] = []
    for item in value:
        if not isinstance(item, dict):
            raise _bad(_("Each of entities must be an object with a type."))
        unknown = set(item) - {"type", "id", "idPattern"}
        if unknown:
            raise _bad(
                _("An entity selector has members this platform does not know: %(names)s.")
                % {"names": ", ".join(sorted(unknown))}
            )
        entity_type = item.get("type")
        if not isinstance(entity_type, str) or not entity_type.strip():
            raise _bad(_("Each of entities must name a type."))
        selector = {"type": context.to_stored(entity_type)}
        if "id" in item:
            entity_id = item["id"]
            if not isinstance(entity_id, str) or not URI_PATTERN.match(entity_id):
                raise _bad(_("An entity selector's id must be a URI."))
            selector["id"] = entity_id
        if "idPattern" in item:
            pattern = item["idPattern"]
            try:
                re.compile(pattern)
            except (re.error, TypeError) as error:
                raise _bad(
                    _("An entity selector's idPattern is not a regular expression.")
                ) from error
            selector["idPattern"] = pattern
        selectors.append(selector)
    return selectors


def _notification(value: Any, context: ActiveContext) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(_("notification must be an object with an endpoint."))
    unknown = (
        set(value) - {"attributes", "format", "endpoint", "sysAttrs"} - NOTIFICATION_SYSTEM_MEMBERS
    )
    if unknown:
        raise _bad(
            _("notification has members this platform does not know: %(names)s.")
            % {"names": ", ".join(sorted(unknown))}
        )
    params: dict[str, Any] = {}
    if "attributes" in value:
        names = _strings(value["attributes"], member="notification.attributes")
        params["attributes"] = [context.to_stored(name) for name in names]
    notification_format_name = value.get("format", "normalized")
    if notification_format_name not in FORMATS:
        raise _bad(
            _("notification.format must be one of: %(formats)s.") % {"formats": ", ".join(FORMATS)}
        )
    if "format" in value:
        params["format"] = notification_format_name
    if "sysAttrs" in value:
        if not isinstance(value["sysAttrs"], bool):
            raise _bad(_("notification.sysAttrs must be true or false."))
        params["sysAttrs"] = value["sysAttrs"]
    endpoint = value.get("endpoint")
    if not isinstance(endpoint, dict):
        raise _bad(_("notification.endpoint must be an object with a uri."))
    unknown = set(endpoint) - {"uri", "accept", "receiverInfo"}
    if unknown:
        raise _bad(
            _("notification.endpoint has members this platform does not know: %(names)s.")
            % {"names": ", ".join(sorted(unknown))}
        )
    uri = endpoint.get("uri")
    if not isinstance(uri, str) or not URI_PATTERN.match(uri) or len(uri) > MAX_URI_LENGTH:
        raise _bad(_("notification.endpoint.uri must be an absolute URI."))
    if not uri.lower().startswith(("http://", "https://")):
        raise NgsiError(
            "OperationNotSupported",
            _("This platform sends notifications over HTTP only (http:// or https:// URIs)."),
        )
    accept = endpoint.get("accept", "application/json")
    if accept not in ACCEPTS:
        raise _bad(
            _("notification.endpoint.accept must be one of: %(types)s.")
            % {"types": ", ".join(ACCEPTS)}
        )
    params["endpoint"] = {"uri": uri, **({"accept": accept} if "accept" in endpoint else {})}
    if "receiverInfo" in endpoint:
        params["endpoint"]["receiverInfo"] = _receiver_info(endpoint["receiverInfo"])
    return params


def _receiver_info(value: Any) -> list[dict[str, str]]:
    """``receiverInfo``: key-value pairs sent as HTTP headers with each notification."""
    problem = _bad(
        _(
            "notification.endpoint.receiverInfo must be a list of {key, value} pairs naming "
            "HTTP headers."
        )
    )
    if not isinstance(value, list) or len(value) > MAX_RECEIVER_INFO:
        raise problem
    pairs: list[dict[str, str]] = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"key", "value"}:
            raise problem
        name, header = item["key"], item["value"]
        if not isinstance(name, str) or not HEADER_NAME.match(name):
            raise problem
        if name.lower() in RESERVED_HEADERS:
            raise problem
        if not isinstance(header, str) or len(header) > MAX_TEXT_LENGTH:
            raise problem
        if any(character in header for character in "\r\n\0"):
            raise problem
        pairs.append({"key": name, "value": header})
    return pairs


def _validated(
    document: Mapping[str, Any], *, creating: bool, context: ActiveContext
) -> dict[str, Any]:
    """The subscription's members, checked; ``BadRequestData`` (or
    ``OperationNotSupported``) naming the first problem."""
    unsupported = sorted(NOT_SUPPORTED & set(document))
    if unsupported:
        raise NgsiError(
            "OperationNotSupported",
            _("This platform does not support %(names)s in subscriptions.")
            % {"names": ", ".join(unsupported)},
        )
    unknown = sorted(set(document) - MEMBERS - SYSTEM_MEMBERS - {"@context"})
    if unknown:
        raise _bad(
            _("The subscription has members this platform does not know: %(names)s.")
            % {"names": ", ".join(unknown)}
        )
    clean: dict[str, Any] = {}
    if "type" in document or creating:
        if document.get("type") != "Subscription":
            raise _bad(_('A subscription\'s type must be "Subscription".'))
        clean["type"] = "Subscription"
    if "id" in document:
        subscription_id = document["id"]
        if (
            not isinstance(subscription_id, str)
            or not URI_PATTERN.match(subscription_id)
            or len(subscription_id) > MAX_ID_LENGTH
        ):
            raise _bad(_("A subscription's id must be a URI."))
        clean["id"] = subscription_id
    for member in ("subscriptionName", "description", "lang"):
        if member in document:
            text = document[member]
            if not isinstance(text, str) or len(text) > MAX_TEXT_LENGTH:
                raise _bad(
                    _("%(member)s must be text of at most %(limit)d characters.")
                    % {"member": member, "limit": MAX_TEXT_LENGTH}
                )
            clean[member] = text
    if "entities" in document:
        clean["entities"] = _entities(document["entities"], context)
    if "watchedAttributes" in document:
        names = _strings(document["watchedAttributes"], member="watchedAttributes")
        clean["watchedAttributes"] = [context.to_stored(name) for name in names]
    if "notificationTrigger" in document:
        triggers = _strings(document["notificationTrigger"], member="notificationTrigger")
        if not set(triggers) <= set(TRIGGERS):
            raise NgsiError(
                "OperationNotSupported",
                _("This platform notifies on these triggers only: %(triggers)s.")
                % {"triggers": ", ".join(TRIGGERS)},
            )
        clean["notificationTrigger"] = triggers
    if "timeInterval" in document:
        clean["timeInterval"] = _positive_seconds(document["timeInterval"], member="timeInterval")
    if "throttling" in document:
        clean["throttling"] = _positive_seconds(document["throttling"], member="throttling")
    if "q" in document:
        q = document["q"]
        if not isinstance(q, str) or not q.strip():
            raise _bad(_("q must be a query in NGSI-LD's query language."))
        notification_format.q_check(q, context)
        clean["q"] = q
    if "notification" in document:
        clean["notification"] = _notification(document["notification"], context)
    if "expiresAt" in document:
        expires_at = _moment(document["expiresAt"], member="expiresAt")
        if creating and expires_at <= timezone.now():
            raise _bad(_("expiresAt must be in the future."))
        clean["expiresAt"] = document["expiresAt"]
    if "isActive" in document:
        if not isinstance(document["isActive"], bool):
            raise _bad(_("isActive must be true or false."))
        clean["isActive"] = document["isActive"]
    return clean


def _check_whole(document: Mapping[str, Any]) -> None:
    if "entities" not in document and "watchedAttributes" not in document:
        raise _bad(_("A subscription needs entities, watchedAttributes or both."))
    if "notification" not in document:
        raise _bad(_("A subscription needs a notification with an endpoint."))
    if "timeInterval" in document and ("watchedAttributes" in document or "throttling" in document):
        raise _bad(_("timeInterval cannot be combined with watchedAttributes or throttling."))


def _apply(subscription: Subscription, document: dict[str, Any]) -> None:
    """Copy what matching and sending read from the document into the columns."""
    subscription.document = document
    subscription.entity_types = sorted({item["type"] for item in document.get("entities", [])})
    subscription.watched_attributes = list(document.get("watchedAttributes", []))
    subscription.q = document.get("q", "")
    endpoint = document["notification"]["endpoint"]
    subscription.endpoint = endpoint["uri"]
    subscription.accept = endpoint.get("accept", "application/json")
    subscription.throttling = int(document.get("throttling", 0))
    subscription.is_active = bool(document.get("isActive", True))
    expires = document.get("expiresAt")
    subscription.expires_at = _moment(expires, member="expiresAt") if expires else None


def _check_key(key: DeviceKey | None) -> None:
    if key is not None and key.entity_id is not None:
        raise NgsiError(
            "Forbidden",
            _("A device's key writes its own entity only; use a client key for subscriptions."),
        )


def subscription_create(
    *,
    municipality: Municipality,
    document: Mapping[str, Any],
    context: ActiveContext = CORE_ONLY,
    key: DeviceKey | None,
) -> Subscription:
    """Create a subscription from its NGSI-LD document (without its @context: ``context``
    is the one the client gave, which expands its terms and is kept for notifications);
    its id is generated when the document has none."""
    _check_key(key)
    clean = _validated(document, creating=True, context=context)
    _check_whole(clean)
    clean.setdefault("id", SUBSCRIPTION_PREFIX + str(uuid.uuid4()))
    subscription = Subscription(
        municipality=municipality,
        subscription_id=clean["id"],
        context=list(context.given),
        created_by=key,
    )
    _apply(subscription, clean)
    exists = NgsiError(
        "AlreadyExists",
        _("A subscription with the id %(id)s already exists.") % {"id": clean["id"]},
    )
    if Subscription.objects.filter(municipality=municipality, subscription_id=clean["id"]).exists():
        raise exists
    try:
        with transaction.atomic():
            subscription.save()
    except IntegrityError as error:  # created meanwhile by another request
        raise exists from error
    return subscription


def _find(*, municipality: Municipality, subscription_id: str) -> Subscription:
    subscription = Subscription.objects.filter(
        municipality=municipality, subscription_id=subscription_id
    ).first()
    if subscription is None:
        raise NgsiError(
            "ResourceNotFound",
            _("There is no subscription %(id)s.") % {"id": subscription_id[:MAX_ID_LENGTH]},
        )
    return subscription


def subscription_update(
    *,
    municipality: Municipality,
    subscription_id: str,
    fragment: Mapping[str, Any],
    context: ActiveContext = CORE_ONLY,
    key: DeviceKey | None,
) -> Subscription:
    """Change the members a fragment gives (clause 5.8.2); a member set to null is
    removed. ``ResourceNotFound``, or ``BadRequestData`` leaving the subscription as it was."""
    _check_key(key)
    if not isinstance(fragment, Mapping) or not fragment:
        raise _bad(_("Send the members to change as a JSON object."))
    with transaction.atomic():
        subscription = _find(municipality=municipality, subscription_id=subscription_id)
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if "id" in fragment and fragment["id"] != subscription.subscription_id:
            raise _bad(_("A subscription's id cannot be changed."))
        removed = {name for name, value in fragment.items() if value is None}
        if removed & {"type", "notification", "id"}:
            raise _bad(_("type, id and notification cannot be removed from a subscription."))
        given = {name: value for name, value in fragment.items() if value is not None}
        if "notification" in given and isinstance(given["notification"], dict):
            # A notification fragment changes the members it names (clause 5.8.2); the
            # attributes kept from before are stored names, given back as the client's.
            kept = dict(subscription.document.get("notification", {}))
            if "attributes" in kept:
                kept["attributes"] = [context.from_stored(name) for name in kept["attributes"]]
            given["notification"] = {**kept, **given["notification"]}
        clean = _validated(given, creating=False, context=context)
        document = {
            **{name: value for name, value in subscription.document.items() if name not in removed},
            **clean,
        }
        _check_whole(document)
        _apply(subscription, document)
        subscription.modified_at = timezone.now()
        subscription.save()
    return subscription


def subscription_delete(
    *, municipality: Municipality, subscription_id: str, key: DeviceKey | None
) -> None:
    _check_key(key)
    subscription = _find(municipality=municipality, subscription_id=subscription_id)
    subscription.delete()


# -- Notifying ---------------------------------------------------------------------------


def _selector_takes(selector: Mapping[str, str], entity: Entity) -> bool:
    if selector["type"] != entity.type:
        return False
    if "id" in selector:
        return selector["id"] == entity.entity_id
    if "idPattern" in selector:
        return re.search(selector["idPattern"], entity.entity_id) is not None
    return True


def subscription_matches(
    subscription: Subscription,
    entity: Entity,
    changed: Sequence[str],
    context: ActiveContext = CORE_ONLY,
) -> bool:
    """Whether a change of ``changed`` attributes of ``entity`` concerns the subscription
    (entities, watchedAttributes, q; activity, expiry and throttling are checked apart)."""
    document = subscription.document
    if "timeInterval" in document:
        return False  # periodic subscriptions are not notified on change
    selectors = document.get("entities")
    if selectors and not any(_selector_takes(selector, entity) for selector in selectors):
        return False
    watched = subscription.watched_attributes
    if watched and not set(watched) & set(changed):
        return False
    return not subscription.q or notification_format.q_holds(subscription.q, entity, context)


def notification_build(
    subscription: Subscription,
    entities: Sequence[Entity],
    *,
    now: datetime.datetime,
    context: ActiveContext = CORE_ONLY,
) -> dict[str, Any]:
    """The NGSI-LD Notification (clause 5.3.1) of ``entities`` for ``subscription``."""
    params = subscription.document.get("notification", {})
    data = [
        notification_format.entity_render(
            entity,
            format=params.get("format", "normalized"),
            attributes=params.get("attributes"),
            context=context,
            system_attributes=bool(params.get("sysAttrs", False)),
        )
        for entity in entities
    ]
    body: dict[str, Any] = {
        "id": NOTIFICATION_PREFIX + str(uuid.uuid4()),
        "type": "Notification",
        "subscriptionId": subscription.subscription_id,
        "notifiedAt": notification_format.moment_text(now),
        "data": data,
    }
    if subscription.accept == "application/ld+json":
        body["@context"] = context.body_context
    return body


def _claim(subscription: Subscription, now: datetime.datetime, gap: int | None = None) -> bool:
    """Take the subscription's next notification slot, atomically: False while ``gap``
    seconds (its throttling) have not elapsed since the last one (another worker may have
    just sent)."""
    gap = subscription.throttling if gap is None else gap
    ready = Q(last_notification_at__isnull=True)
    if gap:
        ready |= Q(last_notification_at__lte=now - datetime.timedelta(seconds=gap))
    else:
        ready = Q()
    claimed = Subscription.objects.filter(ready, pk=subscription.pk).update(
        last_notification_at=now
    )
    return claimed == 1


def changes_notify(changes: Sequence[EntityChange]) -> None:
    """The listener of committed entity changes."""
    notifications_queue(changes)


def notifications_queue(changes: Sequence[EntityChange]) -> int:
    """Queue one notification per subscription concerned by the batch; returns how many
    were queued."""
    now = timezone.now()
    live = [change for change in changes if not change.deleted]
    if not live:
        return 0
    by_city: dict[int, list[EntityChange]] = defaultdict(list)
    for change in live:
        by_city[change.municipality_id].append(change)
    subscriptions = Subscription.objects.filter(
        municipality_id__in=list(by_city), is_active=True
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    candidates: dict[int, list[Subscription]] = defaultdict(list)
    for subscription in subscriptions:
        candidates[subscription.municipality_id].append(subscription)
    if not candidates:
        return 0
    entities = Entity.objects.in_bulk([change.entity_pk for change in live])
    queued = 0
    for municipality_id, city_changes in by_city.items():
        for subscription in candidates.get(municipality_id, []):
            try:
                context = notification_format.subscription_context(subscription)
                matched: dict[int, Entity] = {}
                for change in city_changes:
                    entity = entities.get(change.entity_pk)
                    if entity is None or entity.pk in matched:
                        continue
                    if subscription_matches(subscription, entity, change.attributes, context):
                        matched[entity.pk] = entity
            except NgsiError as error:  # its @context cannot be had now
                logger.warning("subscription %s skipped: %s", subscription.pk, error.detail)
                continue
            if not matched or not _claim(subscription, now):
                continue
            body = notification_build(
                subscription, list(matched.values()), now=now, context=context
            )
            subscription_notification_send.enqueue(
                subscription_pk=subscription.pk,
                notification=body,
                headers=notification_format.headers_for(subscription, context),
            )
            queued += 1
    return queued


@task()
def subscription_notification_send(
    *, subscription_pk: int, notification: dict[str, Any], headers: dict[str, str]
) -> bool:
    """POST one notification to its subscription's endpoint and record the outcome."""
    subscription = Subscription.objects.filter(pk=subscription_pk).first()
    if subscription is None:
        return False
    try:
        response = netguard.safe_request(
            "POST",
            subscription.endpoint,
            json=notification,
            headers=headers,
            timeout=NOTIFICATION_TIMEOUT,
            max_bytes=64_000,
            follow_redirects=False,
        )
        succeeded = response.ok
        if not succeeded:
            logger.info(
                "notification of %s answered %s", subscription.subscription_id, response.status
            )
    except netguard.NetguardError as error:
        logger.info("notification of %s failed: %s", subscription.subscription_id, error)
        succeeded = False
    now = timezone.now()
    outcome = {"last_success_at": now} if succeeded else {"last_failure_at": now}
    Subscription.objects.filter(pk=subscription_pk).update(
        times_sent=F("times_sent") + 1, **outcome
    )
    return succeeded


def _periodic_entities(subscription: Subscription, context: ActiveContext) -> list[Entity]:
    entities = Entity.objects.filter(municipality_id=subscription.municipality_id)
    if subscription.entity_types:
        entities = entities.filter(type__in=subscription.entity_types)
    selectors = subscription.document.get("entities")
    matched: list[Entity] = []
    for entity in entities.order_by("entity_id").iterator(chunk_size=500):
        if selectors and not any(_selector_takes(selector, entity) for selector in selectors):
            continue
        if subscription.q and not notification_format.q_holds(subscription.q, entity, context):
            continue
        matched.append(entity)
        if len(matched) >= MAX_PERIODIC_ENTITIES:
            break
    return matched


@task()
def subscriptions_periodic_notify() -> int:
    """Notify the subscriptions with a ``timeInterval`` whose interval has elapsed, with
    every entity they match (clause 5.8.1; the scheduler runs this every minute, so
    intervals under a minute act as one minute). Returns how many were queued."""
    now = timezone.now()
    due = Subscription.objects.filter(is_active=True, document__has_key="timeInterval").filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    queued = 0
    for subscription in due:
        interval = int(subscription.document["timeInterval"])
        last = subscription.last_notification_at
        if last is not None and last > now - datetime.timedelta(seconds=interval):
            continue
        try:
            context = notification_format.subscription_context(subscription)
            entities = _periodic_entities(subscription, context)
        except NgsiError as error:
            logger.warning("subscription %s skipped: %s", subscription.pk, error.detail)
            continue
        if not entities or not _claim(subscription, now, gap=interval):
            continue
        subscription_notification_send.enqueue(
            subscription_pk=subscription.pk,
            notification=notification_build(subscription, entities, now=now, context=context),
            headers=notification_format.headers_for(subscription, context),
        )
        queued += 1
    return queued


def register() -> None:
    """Listen to entity changes (``services.changes``) and notify periodic subscriptions
    every minute."""
    from digiplace.core.periodic import periodic_register

    listener_register("subscriptions", changes_notify)
    periodic_register(
        name="urbandata.subscriptions_periodic",
        interval=datetime.timedelta(minutes=1),
        task=subscriptions_periodic_notify,
    )
