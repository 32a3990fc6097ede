"""factory_boy factories shared by urban data's tests (also used by the isolation tests).

``EntityFactory`` makes an entity straight in the database (tests that need one to read);
``device_key_make`` issues a real key through the service and returns it with its secret,
which tests send as ``Authorization: Bearer <secret>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import factory
from django.utils import timezone

from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.urbandata.models import (
    Alert,
    AlertRule,
    AlertRuleKind,
    DeviceKey,
    Entity,
    Subscription,
)
from digiplace.urbandata.services.keys import (
    KEY_PREFIX,
    device_key_issue,
    key_digest,
    mosquitto_password_hash,
)

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

_same_city = factory.SelfAttribute("..municipality")


def bearer(secret: str) -> dict[str, str]:
    """The test client's keyword for ``Authorization: Bearer <secret>``."""
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def property_of(value: Any, **extra: Any) -> dict[str, Any]:
    """An attribute in NGSI-LD's normalized form: ``{"type": "Property", "value": …}``."""
    return {"type": "Property", "value": value, **extra}


def point(longitude: float, latitude: float) -> dict[str, Any]:
    """A location GeoProperty at a point (GeoJSON order: longitude, latitude)."""
    return {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [longitude, latitude]}}


class EntityFactory(factory.django.DjangoModelFactory[Entity]):
    """A waste container near Botoșani's centre, full to 40 %, unless told otherwise."""

    class Meta:
        model = Entity

    municipality = factory.SubFactory(MunicipalityFactory)
    type = "WasteContainer"
    entity_id = factory.LazyAttributeSequence(
        lambda entity, number: f"urn:ngsi-ld:{entity.type}:test-{number:04d}"
    )
    latitude = 47.7486
    longitude = 26.6694
    attributes = factory.LazyFunction(lambda: {"fillingLevel": {"type": "Property", "value": 0.4}})
    created_at = factory.LazyFunction(timezone.now)
    modified_at = factory.LazyFunction(timezone.now)


class DeviceKeyFactory(factory.django.DjangoModelFactory[DeviceKey]):
    """A key row whose secret is ``secret`` (default ``dpk_test-<n>``), for tests that do not
    go through the service; prefer ``device_key_make``."""

    class Meta:
        model = DeviceKey
        exclude = ("secret",)

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda number: f"Sensor {number}")
    username = factory.Sequence(lambda number: f"device-{number:05d}")
    secret = factory.Sequence(lambda number: f"{KEY_PREFIX}test-{number:05d}")
    prefix = factory.LazyAttribute(lambda key: key.secret[: len(KEY_PREFIX) + 6])
    digest = factory.LazyAttribute(lambda key: key_digest(key.secret))
    mqtt_password_hash = factory.LazyAttribute(
        lambda key: mosquitto_password_hash(key.secret, salt=b"0123456789ab")
    )


class SubscriptionFactory(factory.django.DjangoModelFactory[Subscription]):
    """A subscription to waste containers' fillingLevel, notifying example.org."""

    class Meta:
        model = Subscription

    municipality = factory.SubFactory(MunicipalityFactory)
    subscription_id = factory.Sequence(lambda number: f"urn:ngsi-ld:Subscription:test-{number}")
    entity_types = factory.LazyFunction(lambda: ["WasteContainer"])
    watched_attributes = factory.LazyFunction(lambda: ["fillingLevel"])
    endpoint = "https://example.org/notify"
    document = factory.LazyAttribute(
        lambda subscription: {
            "id": subscription.subscription_id,
            "type": "Subscription",
            "entities": [{"type": "WasteContainer"}],
            "watchedAttributes": ["fillingLevel"],
            "notification": {"endpoint": {"uri": subscription.endpoint}},
        }
    )


class AlertRuleFactory(factory.django.DjangoModelFactory[AlertRule]):
    """A rule: a waste container fuller than 90 %."""

    class Meta:
        model = AlertRule

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda number: f"Full container {number}")
    entity_type = "WasteContainer"
    kind = AlertRuleKind.ABOVE
    attribute = "fillingLevel"
    threshold = 0.9


class AlertFactory(factory.django.DjangoModelFactory[Alert]):
    class Meta:
        model = Alert

    municipality = factory.SubFactory(MunicipalityFactory)
    rule = factory.SubFactory(AlertRuleFactory, municipality=_same_city)
    entity = factory.SubFactory(EntityFactory, municipality=_same_city)
    message = "Container full"
    value = "0.95"


def device_key_make(
    *, municipality: Municipality, name: str = "Test client", entity: Entity | None = None
) -> tuple[DeviceKey, str]:
    """A real key issued by ``services.keys.device_key_issue``, with its secret."""
    return device_key_issue(municipality=municipality, name=name, entity=entity)
