"""NGSI-LD API: subscriptions operations (under /ngsi-ld/v1/)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
