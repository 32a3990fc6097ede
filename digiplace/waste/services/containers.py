"""Containers and their collections.

A container is installed with its ``WasteContainer`` entity, made through urban data's
device registration (the one write path, audited), so that sensors write its fill level,
temperature and status over NGSI-LD or MQTT from the first day. A collection is recorded
once per container and moment: it sets the entity's ``dateLastEmptying`` and resets its fill
through the same write path, and estimates the weight from the fill found, the capacity and
the fraction's density when nobody weighed it.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, model_snapshot
from digiplace.core.models import AuditAction
from digiplace.urbandata.services import entities_staff, ingest

from ..models import (
    STORED_WASTE_KIND,
    Collection,
    CollectionPoint,
    CollectionSource,
    Container,
    Fraction,
    PlanStop,
)

if TYPE_CHECKING:
    from digiplace.core.models import Department, Municipality, User

CONTAINER_TYPE = "WasteContainer"
# Kilograms per litre of container volume, as bins are filled (loose, not compacted): rough
# figures for estimating what a collection weighed when nobody weighed it.
DENSITY_KG_PER_LITRE = {
    Fraction.RESIDUAL: 0.12,
    Fraction.PAPER: 0.06,
    Fraction.PLASTIC: 0.03,
    Fraction.GLASS: 0.30,
    Fraction.BIO: 0.40,
}


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def _write_or_refuse(municipality: Municipality, document: dict[str, Any]) -> None:
    results = ingest.entities_write(
        municipality=municipality,
        documents=[document],
        mode=ingest.WriteMode.UPSERT_MERGE,
        key=None,
    )
    error = results[0].error
    if error is not None:
        raise ValidationError(error.detail)


def container_install(
    *,
    point: CollectionPoint,
    actor: User | None,
    code: str,
    fraction: str,
    capacity_litres: int,
    model: str = "",
    department: Department | None = None,
    is_demo: bool = False,
) -> Container:
    """A container at ``point`` with its ``WasteContainer`` entity
    (``urn:ngsi-ld:WasteContainer:<city>-<code>``), standing at the point. Refuses a code in
    use, an unknown fraction or a capacity below one litre, writing nothing."""
    municipality = point.municipality
    errors: dict[str, list[str]] = {}
    if fraction not in Fraction.values:
        errors["fraction"] = [_("Choose one of the listed fractions.")]
    if not isinstance(capacity_litres, int) or capacity_litres < 1:
        errors["capacity_litres"] = [
            _("The capacity must be a whole number of litres, at least 1.")
        ]
    if Container.objects.filter(municipality=municipality, code=code).exists():
        errors["code"] = [_("There is already a container %(code)s.") % {"code": code}]
    if errors:
        raise ValidationError(errors)
    kind = Fraction(fraction)
    with transaction.atomic():
        entity = entities_staff.device_register(
            municipality=municipality,
            actor=actor,
            type_name=CONTAINER_TYPE,
            slug=code,
            name=f"{point.name} · {kind.label}",
            department=department,
            latitude=point.latitude,
            longitude=point.longitude,
            is_demo=is_demo,
        )
        document: dict[str, Any] = {
            "id": entity.entity_id,
            "type": CONTAINER_TYPE,
            "storedWasteKind": {"type": "Property", "value": STORED_WASTE_KIND[kind]},
        }
        if model:
            document["refWasteContainerModel"] = {"type": "Property", "value": model}
        _write_or_refuse(municipality, document)
        container = Container(
            municipality=municipality,
            point=point,
            code=code,
            fraction=kind,
            capacity_litres=capacity_litres,
            model=model,
            entity=entity,
        )
        container.full_clean()
        container.save()
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AuditAction.CREATE,
            instance=container,
            after=model_snapshot(container),
        )
    return container


def collection_weight_estimate(container: Container, fill_before: float | None) -> float | None:
    """Kilograms, from the fill found, the capacity and the fraction's density."""
    if fill_before is None:
        return None
    density = DENSITY_KG_PER_LITRE[Fraction(container.fraction)]
    return round(fill_before * container.capacity_litres * density, 1)


def collection_record(
    *,
    container: Container,
    collected_at: datetime.datetime,
    source: str,
    fill_before: float | None = None,
    weight_kg: float | None = None,
    stop: PlanStop | None = None,
) -> Collection:
    """Record that ``container`` was emptied at ``collected_at``: its entity's
    ``dateLastEmptying`` moves there and its fill goes to 0 (observed then). Recording the
    same moment again returns the collection already there and writes nothing."""
    if timezone.is_naive(collected_at):
        raise ValidationError(_("The collection time needs a time zone."))
    if collected_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError(_("A collection cannot be in the future."))
    if fill_before is not None and not 0 <= fill_before <= 1:
        raise ValidationError(_("The fill before emptying must be between 0 and 1."))
    if weight_kg is not None and weight_kg < 0:
        raise ValidationError(_("The weight cannot be negative."))
    if source not in CollectionSource.values:
        raise ValidationError(_("Choose one of the listed sources."))
    existing = Collection.objects.filter(container=container, collected_at=collected_at).first()
    if existing is not None:
        return existing
    estimated = weight_kg is None
    weight = collection_weight_estimate(container, fill_before) if estimated else weight_kg
    try:
        with transaction.atomic():
            collection = Collection.objects.create(
                municipality_id=container.municipality_id,
                container=container,
                collected_at=collected_at,
                fill_before=fill_before,
                weight_kg=weight,
                weight_estimated=estimated and weight is not None,
                source=source,
                stop=stop,
            )
            if container.entity is not None:
                moment = _iso(collected_at)
                _write_or_refuse(
                    container.municipality,
                    {
                        "id": container.entity.entity_id,
                        "type": CONTAINER_TYPE,
                        "dateLastEmptying": {
                            "type": "Property",
                            "value": {"@type": "DateTime", "@value": moment},
                            "observedAt": moment,
                        },
                        "fillingLevel": {"type": "Property", "value": 0.0, "observedAt": moment},
                    },
                )
    except IntegrityError:
        # Recorded by someone else at the same moment, in between.
        return Collection.objects.get(container=container, collected_at=collected_at)
    return collection
