"""The NGSI-LD API (ETSI GS CIM 009) under /ngsi-ld/v1/ on each city's host."""

from django.urls import include, path

from . import urls_entities, urls_subscriptions, urls_temporal

app_name = "ngsi"

urlpatterns = [
    path("", include(urls_entities.urlpatterns)),
    path("", include(urls_temporal.urlpatterns)),
    path("", include(urls_subscriptions.urlpatterns)),
]
