"""NGSI-LD API: entities operations (under /ngsi-ld/v1/)."""

from django.urls import URLPattern, URLResolver, path

from . import entities

urlpatterns: list[URLPattern | URLResolver] = [
    path("entities", entities.entities, name="entities"),
    path("entities/<str:entity_id>", entities.entity, name="entity"),
    path(
        "entities/<str:entity_id>/attrs",
        entities.entity_attributes,
        name="entity_attributes",
    ),
    path(
        "entities/<str:entity_id>/attrs/<str:attribute>",
        entities.entity_attribute,
        name="entity_attribute",
    ),
    path(
        "entityOperations/<str:operation>",
        entities.entity_operations,
        name="entity_operations",
    ),
]
