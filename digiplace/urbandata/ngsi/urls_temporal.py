"""NGSI-LD API: temporal operations (under /ngsi-ld/v1/)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
