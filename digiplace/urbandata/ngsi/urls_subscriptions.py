"""NGSI-LD API: subscriptions operations (under /ngsi-ld/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import subscriptions

urlpatterns: list[URLPattern | URLResolver] = [
    path("subscriptions", subscriptions.subscriptions, name="subscriptions"),
    path("subscriptions/", subscriptions.subscriptions),
    path(
        "subscriptions/<path:subscription_id>",
        subscriptions.subscription,
        name="subscription",
    ),
]
