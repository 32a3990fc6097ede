"""Writes of sorting compliance: camera-watched sites, observations (recorded by the
dispatcher or imported from camera analytics), awareness campaigns and the local police's
enforcement cases. Every write is audited; a refused one writes nothing.

A re-imported export must not count its events twice, and the database has no unique key on
observations (two equal rows can be two real events), so an import skips, per site, time,
kind and footage reference, as many rows as the city already has with that key: the same
file again imports nothing, a longer export of the same camera imports only its new rows.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction

from ..compliance import ObservationKind, footage_reference_error
from ..models import (
    CameraSite,
    Campaign,
    CaseStatus,
    CollectionPoint,
    EnforcementCase,
    Observation,
    ObservationSource,
)
from ..observations_csv import RowError, read_observations_csv
from ..selectors.compliance import site_codes

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User

# Where a case may go from each status (a closed case stays closed).
CASE_TRANSITIONS = {
    CaseStatus.OPEN: {CaseStatus.OPEN, CaseStatus.INVESTIGATING, CaseStatus.CLOSED},
    CaseStatus.INVESTIGATING: {CaseStatus.INVESTIGATING, CaseStatus.CLOSED},
    CaseStatus.CLOSED: {CaseStatus.CLOSED},
}
MAX_FINE_LEI = Decimal("1000000")


def _created(actor: User | None, municipality: Municipality, instance: Any, after: Any) -> None:
    audit_record(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE,
        instance=instance,
        after=after,
    )


# Camera-watched sites


def _site_errors(
    *,
    municipality: Municipality,
    point: CollectionPoint,
    camera_started_on: datetime.date,
    notes: str,
    site: CameraSite | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if point.municipality_id != municipality.pk:
        errors["point"] = [_("Choose one of this city's collection points.")]
    else:
        other = CameraSite.objects.filter(point=point)
        if site is not None:
            other = other.exclude(pk=site.pk)
        if other.exists():
            errors["point"] = [_("This collection point is already a camera-watched site.")]
    if camera_started_on > timezone.localdate():
        errors["camera_started_on"] = [_("The camera's start cannot be in the future.")]
    if len(notes) > 500:
        errors["notes"] = [_("The notes are at most 500 characters long.")]
    return errors


def camera_site_create(
    *,
    municipality: Municipality,
    actor: User | None,
    point: CollectionPoint,
    camera_started_on: datetime.date,
    notes: str = "",
) -> CameraSite:
    errors = _site_errors(
        municipality=municipality,
        point=point,
        camera_started_on=camera_started_on,
        notes=notes,
        site=None,
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        site = CameraSite.objects.create(
            municipality=municipality,
            point=point,
            camera_started_on=camera_started_on,
            notes=notes,
        )
        _created(actor, municipality, site, model_snapshot(site))
    return site


def camera_site_update(
    *,
    site: CameraSite,
    actor: User | None,
    point: CollectionPoint,
    camera_started_on: datetime.date,
    notes: str = "",
) -> CameraSite:
    errors = _site_errors(
        municipality=site.municipality,
        point=point,
        camera_started_on=camera_started_on,
        notes=notes,
        site=site,
    )
    if errors:
        raise ValidationError(errors)
    with audited_change(site, actor=actor, audit_if_unchanged=False) as change:
        change.instance.point = point
        change.instance.camera_started_on = camera_started_on
        change.instance.notes = notes
        change.instance.save()
    return change.instance


# Observations


def observation_record(
    *,
    site: CameraSite,
    actor: User | None,
    observed_at: datetime.datetime,
    kind: str,
    count: int,
    footage_ref: str = "",
    now: datetime.datetime | None = None,
) -> Observation:
    """An observation recorded by the dispatcher: not in the future, a known kind, a count of
    at least one, a footage reference that is only a reference."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if observed_at > now:
        errors["observed_at"] = [_("The time of an observation cannot be in the future.")]
    if kind not in ObservationKind.__members__.values():
        errors["kind"] = [_("Choose a kind of observation.")]
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        errors["count"] = [_("The count must be a whole number of at least 1.")]
    footage_ref = footage_ref.strip()
    footage_reason = footage_reference_error(footage_ref)
    if footage_reason is not None:
        errors["footage_ref"] = [footage_reason]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        observation = Observation.objects.create(
            municipality_id=site.municipality_id,
            site=site,
            observed_at=observed_at,
            kind=kind,
            count=count,
            footage_ref=footage_ref,
            source=ObservationSource.DISPATCHER,
            recorded_by=actor,
        )
        _created(actor, site.municipality, observation, model_snapshot(observation))
    return observation


ImportKey = tuple[int, datetime.datetime, str, str]


@dataclass(frozen=True)
class ImportPlan:
    """What an import would do: the rows to write, those already in the city (skipped),
    counts per site code and kind of the new rows, or the file's errors."""

    errors: tuple[RowError, ...]
    new: list[Observation] = field(default_factory=list)
    skipped: int = 0
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _key(site_id: int, observed_at: datetime.datetime, kind: str, footage: str) -> ImportKey:
    return (site_id, observed_at.astimezone(datetime.UTC), kind, footage)


def _existing_keys(candidates: list[Observation]) -> Counter[ImportKey]:
    if not candidates:
        return Counter()
    times = [candidate.observed_at for candidate in candidates]
    rows = Observation.objects.filter(
        site_id__in={candidate.site_id for candidate in candidates},
        observed_at__gte=min(times),
        observed_at__lte=max(times),
    ).values_list("site_id", "observed_at", "kind", "footage_ref")
    return Counter(_key(*row) for row in rows)


def observations_import_plan(
    *, municipality: Municipality, data: bytes | str, now: datetime.datetime | None = None
) -> ImportPlan:
    """Read a camera-analytics export (``observations_csv``) against the city's sites."""
    sites = site_codes(municipality=municipality)
    result = read_observations_csv(
        data, known_sites=sites, now=now or timezone.now(), time_zone=municipality.time_zone
    )
    if not result.is_valid:
        return ImportPlan(errors=result.errors)
    candidates = [
        Observation(
            municipality=municipality,
            site=sites[row.site],
            observed_at=row.at,
            kind=row.kind.value,
            count=row.count,
            footage_ref=row.footage,
            source=ObservationSource.ANALYTICS,
        )
        for row in result.observations
    ]
    existing = _existing_keys(candidates)
    new: list[Observation] = []
    skipped = 0
    counts: dict[str, Counter[str]] = {}
    for candidate in candidates:
        key = _key(candidate.site_id, candidate.observed_at, candidate.kind, candidate.footage_ref)
        if existing[key] > 0:
            existing[key] -= 1
            skipped += 1
            continue
        new.append(candidate)
        counts.setdefault(candidate.site.point.code, Counter())[candidate.kind] += candidate.count
    return ImportPlan(errors=(), new=new, skipped=skipped, counts=counts)


def observations_import(
    *,
    municipality: Municipality,
    actor: User | None,
    data: bytes | str,
    now: datetime.datetime | None = None,
) -> ImportPlan:
    """Import every new row of the export or, when anything is wrong with it, nothing
    (``ValidationError`` with each error and its line number)."""
    with transaction.atomic():
        # One import at a time per city, so that two imports of one file skip each other.
        type(municipality)._default_manager.select_for_update().filter(pk=municipality.pk).first()
        plan = observations_import_plan(municipality=municipality, data=data, now=now)
        if not plan.is_valid:
            raise ValidationError([error.describe() for error in plan.errors])
        for observation in plan.new:
            observation.recorded_by = actor
        created = Observation.objects.bulk_create(plan.new)
        for observation in created:
            _created(actor, municipality, observation, model_snapshot(observation))
    return plan


# Campaigns


def _campaign_snapshot(campaign: Campaign) -> dict[str, Any]:
    return {
        **model_snapshot(campaign),
        "point_ids": sorted(campaign.points.values_list("pk", flat=True)),
    }


def _campaign_points(
    municipality: Municipality, points: list[CollectionPoint], neighbourhood: str
) -> list[CollectionPoint]:
    if points or not neighbourhood:
        return points
    # No points chosen: the campaign covers every point of its neighbourhood.
    return list(
        CollectionPoint.objects.for_municipality(municipality).filter(
            neighbourhood__iexact=neighbourhood
        )
    )


def _campaign_errors(municipality: Municipality, fields: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not fields["name"].strip():
        errors["name"] = [_("A campaign needs a name.")]
    if fields["ends_on"] < fields["starts_on"]:
        errors["ends_on"] = [_("A campaign cannot end before it starts.")]
    if any(point.municipality_id != municipality.pk for point in fields["points"]):
        errors["points"] = [_("Choose this city's collection points only.")]
    return errors


_CAMPAIGN_FIELDS = ("name", "description", "neighbourhood", "starts_on", "ends_on")


def campaign_create(
    *, municipality: Municipality, actor: User | None, fields: dict[str, Any]
) -> Campaign:
    """``fields``: name, description, neighbourhood, starts_on, ends_on, points."""
    errors = _campaign_errors(municipality, fields)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            municipality=municipality, **{name: fields[name] for name in _CAMPAIGN_FIELDS}
        )
        campaign.points.set(
            _campaign_points(municipality, list(fields["points"]), fields["neighbourhood"])
        )
        _created(actor, municipality, campaign, _campaign_snapshot(campaign))
    return campaign


def campaign_update(*, campaign: Campaign, actor: User | None, fields: dict[str, Any]) -> Campaign:
    municipality = campaign.municipality
    errors = _campaign_errors(municipality, fields)
    if errors:
        raise ValidationError(errors)
    with audited_change(
        campaign, actor=actor, audit_if_unchanged=False, snapshot=_campaign_snapshot
    ) as change:
        for name in _CAMPAIGN_FIELDS:
            setattr(change.instance, name, fields[name])
        change.instance.save()
        change.instance.points.set(
            _campaign_points(municipality, list(fields["points"]), fields["neighbourhood"])
        )
    return change.instance


# Enforcement cases (the local police)


def case_open(*, observation: Observation, actor: User | None) -> EnforcementCase:
    """A case for ``observation``; refused while another case of it is not closed."""
    with transaction.atomic():
        # Lock the observation so that two clicks cannot open two cases.
        locked = Observation.objects.select_for_update().get(pk=observation.pk)
        if locked.kind == ObservationKind.CORRECT_USE:
            raise ValidationError(_("A correct use is no offence: no case is opened for it."))
        unclosed = EnforcementCase.objects.filter(observation=locked).exclude(
            status=CaseStatus.CLOSED
        )
        if unclosed.exists():
            raise ValidationError(_("This observation already has a case that is not closed."))
        case = EnforcementCase.objects.create(
            municipality_id=locked.municipality_id, observation=locked, opened_by=actor
        )
        _created(actor, locked.municipality, case, model_snapshot(case))
    return case


def _case_errors(case: EnforcementCase, fields: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    status = fields["status"]
    if status not in CaseStatus.values:
        errors["status"] = [_("Choose a status.")]
    elif status not in CASE_TRANSITIONS[CaseStatus(case.status)]:
        errors["status"] = [
            _("A case cannot go back from “%(current)s” to “%(new)s”.")
            % {"current": case.get_status_display(), "new": CaseStatus(status).label}
        ]
    amount = fields.get("fine_amount_lei")
    if fields["fine_issued"]:
        if amount is None or amount <= 0:
            errors["fine_amount_lei"] = [_("Give the amount of the fine in lei.")]
        elif amount > MAX_FINE_LEI:
            errors["fine_amount_lei"] = [_("The fine is too large.")]
    elif amount is not None:
        errors["fine_amount_lei"] = [_("An amount is given only when a fine was issued.")]
    return errors


def case_update(
    *, case: EnforcementCase, actor: User | None, fields: dict[str, Any]
) -> EnforcementCase:
    """``fields``: status, fine_issued, fine_amount_lei (None without a fine), notes.
    Closing sets ``closed_at``."""
    with audited_change(case, actor=actor, audit_if_unchanged=False) as change:
        instance = change.instance
        # Checked on the locked row: another officer may have closed it meanwhile.
        errors = _case_errors(instance, fields)
        if errors:
            raise ValidationError(errors)
        if fields["status"] == CaseStatus.CLOSED and instance.status != CaseStatus.CLOSED:
            instance.closed_at = timezone.now()
        instance.status = fields["status"]
        instance.fine_issued = fields["fine_issued"]
        instance.fine_amount_lei = fields["fine_amount_lei"] if fields["fine_issued"] else None
        instance.notes = fields["notes"]
        instance.save()
    return change.instance
