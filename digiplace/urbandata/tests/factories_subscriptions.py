"""factory_boy factory for NGSI-LD subscriptions (also used by the isolation tests)."""

from __future__ import annotations

import factory

from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.urbandata.models import Subscription


class SubscriptionFactory(factory.django.DjangoModelFactory[Subscription]):
    """A subscription to Botoșani-like waste containers' filling level, notified by HTTP."""

    class Meta:
        model = Subscription

    municipality = factory.SubFactory(MunicipalityFactory)
    subscription_id = factory.Sequence(lambda number: f"urn:ngsi-ld:Subscription:test-{number}")
    endpoint = "http://203.0.113.5/notify"
    entity_types = factory.LazyFunction(lambda: ["WasteContainer"])
    watched_attributes = factory.LazyFunction(lambda: ["fillingLevel"])
    document = factory.LazyAttribute(
        lambda subscription: {
            "id": subscription.subscription_id,
            "type": "Subscription",
            "entities": [{"type": "WasteContainer"}],
            "watchedAttributes": ["fillingLevel"],
            "notification": {"endpoint": {"uri": subscription.endpoint}},
        }
    )
