"""Reads of entities for the NGSI-LD API (and any page that lists entities by filters).

The database narrows by municipality, type, ids, id pattern, attribute names and a
bounding box on the indexed latitude/longitude columns; a ``check`` (the ``q`` language,
an exact geo-relation) then runs on the narrowed rows. Pages are ordered by entity id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ..models import Entity

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# Rows read at a time when a check runs in Python.
CHUNK = 2000


@dataclass(frozen=True)
class BoundingBox:
    south: float
    west: float
    north: float
    east: float


@dataclass(frozen=True)
class EntityFilter:
    types: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    id_pattern: str = ""
    # Entities having at least one of these attributes (stored names); None: any.
    any_attributes: frozenset[str] | None = None
    bounding_box: BoundingBox | None = None
    # The types the reader may see; None: all.
    readable_types: frozenset[str] | None = None
    check: Callable[[Entity], bool] | None = None


@dataclass(frozen=True)
class EntityPage:
    entities: list[Entity]
    # Every matching entity, counted when asked (or when a check ran anyway).
    total: int | None
    has_more: bool


def entity_get(*, municipality: Municipality, entity_id: str) -> Entity | None:
    """The city's entity with this NGSI-LD id (another city's is not found)."""
    return Entity.objects.filter(municipality=municipality, entity_id=entity_id).first()


def _queryset(municipality: Municipality, entity_filter: EntityFilter) -> QuerySet[Entity]:
    entities = Entity.objects.filter(municipality=municipality)
    if entity_filter.types:
        entities = entities.filter(type__in=entity_filter.types)
    if entity_filter.readable_types is not None:
        entities = entities.filter(type__in=sorted(entity_filter.readable_types))
    if entity_filter.ids:
        entities = entities.filter(entity_id__in=entity_filter.ids)
    if entity_filter.id_pattern:
        entities = entities.filter(entity_id__regex=entity_filter.id_pattern)
    box = entity_filter.bounding_box
    if box is not None:
        entities = entities.filter(
            latitude__gte=box.south,
            latitude__lte=box.north,
            longitude__gte=box.west,
            longitude__lte=box.east,
        )
    if entity_filter.any_attributes is not None:
        having = Q()
        for name in sorted(entity_filter.any_attributes):
            having |= Q(attributes__has_key=name)
        entities = entities.filter(having)
    return entities.order_by("entity_id")


def entities_query(
    *,
    municipality: Municipality,
    entity_filter: EntityFilter,
    limit: int,
    offset: int,
    count: bool,
) -> EntityPage:
    """One page of the city's entities matching ``entity_filter``."""
    entities = _queryset(municipality, entity_filter)
    check = entity_filter.check
    if check is None:
        total = entities.count() if count else None
        rows = list(entities[offset : offset + limit + 1]) if limit else []
        has_more = len(rows) > limit if limit else False
        if total is not None:
            has_more = offset + limit < total
        return EntityPage(rows[:limit], total, has_more)
    matched: list[Entity] = []
    found = 0
    for entity in entities.iterator(chunk_size=CHUNK):
        if not check(entity):
            continue
        if offset <= found < offset + limit:
            matched.append(entity)
        found += 1
    return EntityPage(matched, found, offset + limit < found)
