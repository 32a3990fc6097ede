"""NGSI-LD API: temporal operations (under /ngsi-ld/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import temporal

urlpatterns: list[URLPattern | URLResolver] = [
    path("temporal/entities", temporal.temporal_entities, name="temporal-entities"),
    path("temporal/entities/", temporal.temporal_entities),
    path(
        "temporal/entities/<path:entity_id>",
        temporal.temporal_entity,
        name="temporal-entity",
    ),
]
