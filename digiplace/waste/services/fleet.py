"""Depots, trucks and a city's waste settings, written by planners (validated, audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction

from ..models import Depot, Truck, WasteSettings

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User

Record = TypeVar("Record", Depot, Truck, WasteSettings)

DEPOT_FIELDS = ("name", "latitude", "longitude")
TRUCK_FIELDS = ("depot", "name", "capacity_litres", "shift_start", "shift_minutes", "is_active")
SETTINGS_FIELDS = (
    "population",
    "collection_weekdays",
    "threshold",
    "road_factor",
    "speed_kmh",
    "service_seconds",
)


def _check(municipality: Municipality, record: Record) -> None:
    if isinstance(record, Truck) and record.depot.municipality_id != municipality.pk:
        raise ValidationError({"depot": [_("Choose one of this city's depots.")]})
    if isinstance(record, WasteSettings):
        days = record.collection_weekdays
        if not isinstance(days, list) or not all(d in range(7) for d in days):
            raise ValidationError({"collection_weekdays": [_("Choose days of the week.")]})
        record.collection_weekdays = sorted(set(days))
    record.full_clean()


def _save(
    model: type[Record],
    fields: tuple[str, ...],
    *,
    municipality: Municipality,
    actor: User | None,
    record: Record | None,
    values: dict[str, Any],
) -> Record:
    if record is None:
        created = model(municipality=municipality, **{f: values[f] for f in fields if f in values})
        _check(municipality, created)
        with transaction.atomic():
            created.save()
            audit_record(
                actor=actor,
                municipality=municipality,
                action=AuditAction.CREATE,
                instance=created,
                after=model_snapshot(created),
            )
        return created
    if record.municipality_id != municipality.pk:
        raise ValidationError(_("This record belongs to another city."))
    with audited_change(record, actor=actor, audit_if_unchanged=False) as change:
        for field in fields:
            if field in values:
                setattr(change.instance, field, values[field])
        _check(municipality, change.instance)
        change.instance.save()
    return change.instance


def depot_save(
    *, municipality: Municipality, actor: User | None, depot: Depot | None = None, **values: Any
) -> Depot:
    """Create a depot (``depot`` None) or change it."""
    return _save(
        Depot, DEPOT_FIELDS, municipality=municipality, actor=actor, record=depot, values=values
    )


def truck_save(
    *, municipality: Municipality, actor: User | None, truck: Truck | None = None, **values: Any
) -> Truck:
    """Create a truck (``truck`` None) or change it; its depot must be this city's."""
    return _save(
        Truck, TRUCK_FIELDS, municipality=municipality, actor=actor, record=truck, values=values
    )


def settings_save(
    *, municipality: Municipality, actor: User | None, **values: Any
) -> WasteSettings:
    """The city's waste settings, created on the first save."""
    current = WasteSettings.objects.filter(municipality=municipality).first()
    return _save(
        WasteSettings,
        SETTINGS_FIELDS,
        municipality=municipality,
        actor=actor,
        record=current,
        values=values,
    )
