"""What every urban-data demo loader does with its entities: write their current values
through the one write path, then mark them as demo data owned by a department."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from digiplace.core.models import Department

from ..models import Entity
from ..services.ingest import WriteMode, entities_write

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


def demo_department(municipality: Municipality, names: Mapping[str, str]) -> Department:
    """The department owning a demo's devices, found by its Romanian name (``demo_load``
    made most of them), its English name kept up to date. ``name`` itself is not written:
    modeltranslation would put the Romanian name into the active language's field."""
    department, _created = Department.objects.update_or_create(
        municipality=municipality, name_ro=names["ro"], defaults={"name_en": names["en"]}
    )
    return department


def demo_entities_write(
    *,
    municipality: Municipality,
    documents: Sequence[Mapping[str, Any]],
    department: Department,
    moment: datetime.datetime,
    what: str,
) -> list[Entity]:
    """Write ``documents`` (call it inside a transaction) and return their entities, marked
    as demo data of ``department``; a refused one stops the demo with the reason. Ingest
    records each new entity's first place as its registered one (the movement rule's)."""
    results = entities_write(
        municipality=municipality,
        documents=documents,
        mode=WriteMode.UPSERT_MERGE,
        key=None,
        now=moment,
    )
    errors = [result for result in results if result.error is not None]
    if errors:
        raise RuntimeError(f"demo {what} refused: {errors[0].error}")
    ids = [document["id"] for document in documents]
    query = Entity.objects.filter(municipality=municipality, entity_id__in=ids)
    query.update(is_demo=True, department=department)
    return list(query)
