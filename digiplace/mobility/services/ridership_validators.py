"""Staff's changes to the validators: registering, editing, issuing a key, deactivating;
each one audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.urbandata.services.keys import device_key_issue, device_key_revoke

from ..models import Stop, Validator, VehicleState

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User


def _check(
    *,
    municipality: Municipality,
    code: str,
    vehicle: VehicleState | None,
    stop: Stop | None,
    exclude: int | None = None,
) -> None:
    if (vehicle is not None and vehicle.municipality_id != municipality.pk) or (
        stop is not None and stop.municipality_id != municipality.pk
    ):
        raise ValidationError(_("Choose a vehicle and a stop of this city."))
    taken = Validator.objects.for_municipality(municipality).filter(code=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"code": [_("Another validator has this code.")]})


def validator_create(
    *,
    municipality: Municipality,
    actor: User,
    code: str,
    name: str = "",
    vehicle: VehicleState | None = None,
    stop: Stop | None = None,
) -> Validator:
    _check(municipality=municipality, code=code, vehicle=vehicle, stop=stop)
    with transaction.atomic():
        validator = Validator.objects.create(
            municipality=municipality, code=code, name=name, vehicle=vehicle, stop=stop
        )
        audit_record(
            actor=actor,
            municipality=municipality,
            action="create",
            instance=validator,
            after=model_snapshot(validator),
        )
    return validator


def validator_update(
    *,
    validator: Validator,
    actor: User,
    code: str,
    name: str = "",
    vehicle: VehicleState | None = None,
    stop: Stop | None = None,
) -> Validator:
    _check(
        municipality=validator.municipality,
        code=code,
        vehicle=vehicle,
        stop=stop,
        exclude=validator.pk,
    )
    with audited_change(validator, actor=actor, audit_if_unchanged=False) as change:
        locked = change.instance
        locked.code, locked.name, locked.vehicle, locked.stop = code, name, vehicle, stop
        locked.save()
    return change.instance


def validator_key_issue(*, validator: Validator, actor: User) -> str:
    """A new key for the validator (the old one revoked); returns its secret, shown once."""
    with transaction.atomic():
        old = validator.device_key
        key, secret = device_key_issue(
            municipality=validator.municipality,
            name=_("Validator %(code)s") % {"code": validator.code},
            actor=actor,
        )
        with audited_change(validator, actor=actor) as change:
            change.instance.device_key = key
            change.instance.save(update_fields=["device_key"])
        if old is not None and old.revoked_at is None:
            device_key_revoke(key=old, actor=actor)
    validator.device_key = key
    return secret


def validator_deactivate(*, validator: Validator, actor: User) -> Validator:
    """Refuse the validator's taps from now on (its key is revoked; its counts stay)."""
    with transaction.atomic():
        with audited_change(validator, actor=actor) as change:
            if not change.instance.is_active:
                raise ValidationError(_("This validator is already deactivated."))
            change.instance.is_active = False
            change.instance.save(update_fields=["is_active"])
        key = change.instance.device_key
        if key is not None and key.revoked_at is None:
            device_key_revoke(key=key, actor=actor)
    validator.is_active = False
    return validator
