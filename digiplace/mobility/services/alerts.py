"""Staff's service alerts: write, change, publish or withdraw, delete. Each write is checked
(an end after the start, a title in at least one language, lines and stops of the city),
done in one transaction and audited with the lines and stops it names."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction

from ..models import AlertCause, AlertEffect, Route, ServiceAlert, Stop

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User

LANGUAGES = [code for code, _name in settings.LANGUAGES]


@dataclass
class AlertFields:
    """What staff write: ``headers`` and ``descriptions`` by language code."""

    headers: dict[str, str]
    descriptions: dict[str, str] = field(default_factory=dict)
    url: str = ""
    cause: str = AlertCause.UNKNOWN_CAUSE
    effect: str = AlertEffect.UNKNOWN_EFFECT
    active_from: datetime.datetime | None = None
    active_until: datetime.datetime | None = None
    routes: list[Route] = field(default_factory=list)
    stops: list[Stop] = field(default_factory=list)


def alert_snapshot(alert: ServiceAlert) -> dict[str, Any]:
    """The record with its lines and stops (by GTFS id, as staff know them)."""
    snapshot = model_snapshot(alert)
    for language in LANGUAGES:
        snapshot[f"header_{language}"] = getattr(alert, f"header_{language}", "")
        snapshot[f"description_{language}"] = getattr(alert, f"description_{language}", "")
    if alert.pk:
        snapshot["routes"] = sorted(alert.routes.values_list("gtfs_id", flat=True))
        snapshot["stops"] = sorted(alert.stops.values_list("gtfs_id", flat=True))
    return snapshot


def _validate(*, municipality: Municipality, fields: AlertFields) -> None:
    errors: dict[str, list[str]] = {}
    if not any((fields.headers.get(language) or "").strip() for language in LANGUAGES):
        errors.setdefault(f"header_{LANGUAGES[0]}", []).append(
            _("Write the title in at least one language.")
        )
    if (
        fields.active_from is not None
        and fields.active_until is not None
        and fields.active_until <= fields.active_from
    ):
        errors.setdefault("active_until", []).append(_("The end must be after the start."))
    if fields.cause not in AlertCause.values:
        errors.setdefault("cause", []).append(_("There is no such cause."))
    if fields.effect not in AlertEffect.values:
        errors.setdefault("effect", []).append(_("There is no such effect."))
    if any(route.municipality_id != municipality.pk for route in fields.routes):
        errors.setdefault("routes", []).append(_("A line chosen is not one of this city's."))
    if any(stop.municipality_id != municipality.pk for stop in fields.stops):
        errors.setdefault("stops", []).append(_("A stop chosen is not one of this city's."))
    if errors:
        raise ValidationError(errors)


def _apply(alert: ServiceAlert, fields: AlertFields) -> None:
    for language in LANGUAGES:
        setattr(alert, f"header_{language}", (fields.headers.get(language) or "").strip())
        setattr(alert, f"description_{language}", (fields.descriptions.get(language) or "").strip())
    alert.url = fields.url
    alert.cause = fields.cause
    alert.effect = fields.effect
    alert.active_from = fields.active_from or timezone.now()
    alert.active_until = fields.active_until
    alert.modified_at = timezone.now()


def alert_create(
    *, municipality: Municipality, actor: User | None, fields: AlertFields
) -> ServiceAlert:
    """A new alert, not yet published."""
    _validate(municipality=municipality, fields=fields)
    with transaction.atomic():
        alert = ServiceAlert(municipality=municipality, created_by=actor, is_published=False)
        _apply(alert, fields)
        alert.save()
        alert.routes.set(fields.routes)
        alert.stops.set(fields.stops)
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AuditAction.CREATE,
            instance=alert,
            after=alert_snapshot(alert),
        )
    return alert


def alert_update(*, alert: ServiceAlert, actor: User | None, fields: AlertFields) -> ServiceAlert:
    _validate(municipality=alert.municipality, fields=fields)
    with audited_change(alert, actor=actor, snapshot=alert_snapshot) as change:
        locked = change.instance
        _apply(locked, fields)
        locked.save()
        locked.routes.set(fields.routes)
        locked.stops.set(fields.stops)
    return change.instance


def alert_publish(*, alert: ServiceAlert, actor: User | None, is_published: bool) -> ServiceAlert:
    """Publish (on the site, the displays and the Alerts feed) or withdraw."""
    with audited_change(
        alert, actor=actor, snapshot=alert_snapshot, audit_if_unchanged=False
    ) as change:
        change.instance.is_published = is_published
        change.instance.modified_at = timezone.now()
        change.instance.save(update_fields=["is_published", "modified_at"])
    return change.instance


def alert_delete(*, alert: ServiceAlert, actor: User | None) -> None:
    with transaction.atomic():
        before = alert_snapshot(alert)
        audit_record(
            actor=actor,
            municipality=alert.municipality,
            action=AuditAction.DELETE,
            instance=alert,
            before=before,
        )
        alert.delete()
