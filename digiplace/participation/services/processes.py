"""Writes of the processes component: processes with their phases, and zones. Every change
is audited (``core.audit``); bad input raises ``ValidationError`` and writes nothing."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from digiplace.core import links
from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction, Municipality, User

from ..models import Budget, Phase, Process, ProcessScope, Zone

PROCESS_FIELDS = (
    "slug",
    "scope",
    "zone",
    "plan_project_ref",
    "proposals_enabled",
    "proposals_open_from",
    "proposals_open_until",
    "is_published",
)
PROCESS_TEXTS = ("title", "summary", "description")
PHASE_TEXTS = ("title", "description")
LANGUAGES = ("ro", "en")


def _texts_set(instance: Any, values: dict[str, Any], names: Sequence[str]) -> None:
    """Each text in both languages (the Romanian one also fills the untranslated column:
    django-modeltranslation keeps it with the default language)."""
    for name in names:
        for language in LANGUAGES:
            key = f"{name}_{language}"
            if key in values:
                setattr(instance, key, (values[key] or "").strip())


def _process_check(
    *, municipality: Municipality, values: dict[str, Any], process: Process | None
) -> None:
    slug = values.get("slug", process.slug if process else "")
    taken = Process.objects.filter(municipality=municipality, slug=slug)
    if process is not None:
        taken = taken.exclude(pk=process.pk)
    if taken.exists():
        raise ValidationError({"slug": _("Another process of the city has this short name.")})
    zone = values.get("zone")
    if zone is not None and zone.municipality_id != municipality.pk:
        raise ValidationError({"zone": _("Choose a neighbourhood of the city.")})
    if values.get("scope") == ProcessScope.ZONE and zone is None:
        raise ValidationError({"zone": _("Choose the neighbourhood of the process.")})
    ref = values.get("plan_project_ref") or ""
    unchanged = process is not None and ref == process.plan_project_ref
    if (
        ref
        and not unchanged
        and (
            links.ref_kind(ref) != "plans.project"
            or (links.target_resolve(municipality=municipality, ref=ref) is None)
        )
    ):
        raise ValidationError({"plan_project_ref": _("Choose a project of the city's plan.")})
    opens, closes = values.get("proposals_open_from"), values.get("proposals_open_until")
    if opens and closes and opens >= closes:
        raise ValidationError({"proposals_open_until": _("Proposals must close after they open.")})


def _phases_check(phases: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    ordered = sorted(phases, key=lambda row: row["starts_on"])
    for row in ordered:
        if not (row.get("title_ro") or "").strip():
            raise ValidationError(_("Every phase needs a title in Romanian."))
        if row["starts_on"] > row["ends_on"]:
            raise ValidationError(_("A phase ends on or after the day it starts."))
    for before, after in itertools.pairwise(ordered):
        if after["starts_on"] <= before["ends_on"]:
            raise ValidationError(_("Phases may not overlap."))
    return ordered


def _phases_save(*, process: Process, actor: User, phases: Sequence[dict[str, Any]]) -> None:
    """The process's phases become ``phases`` (in date order): kept rows are updated in
    place, new ones created, the rest deleted; each change audited."""
    existing = list(Phase.objects.filter(process=process).order_by("position", "starts_on", "pk"))
    for position, row in enumerate(phases):
        if position < len(existing):
            phase = existing[position]
            with audited_change(phase, actor=actor, audit_if_unchanged=False) as change:
                phase = change.instance
                _phase_fill(phase, row, position)
                phase.save()
        else:
            phase = Phase(municipality_id=process.municipality_id, process=process)
            _phase_fill(phase, row, position)
            phase.full_clean()
            phase.save()
            audit_record(
                actor=actor,
                municipality=process.municipality,
                action=AuditAction.CREATE,
                instance=phase,
                after=model_snapshot(phase),
            )
    for phase in existing[len(phases) :]:
        before = model_snapshot(phase)
        audit_record(
            actor=actor,
            municipality=process.municipality,
            action=AuditAction.DELETE,
            instance=phase,
            before=before,
        )
        phase.delete()


def _phase_fill(phase: Phase, row: dict[str, Any], position: int) -> None:
    _texts_set(phase, row, PHASE_TEXTS)
    phase.starts_on = row["starts_on"]
    phase.ends_on = row["ends_on"]
    phase.position = position


def _process_fill(process: Process, values: dict[str, Any]) -> None:
    for name in PROCESS_FIELDS:
        if name in values:
            setattr(process, name, values[name])
    if process.scope == ProcessScope.CITY:
        process.zone = None
    process.plan_project_ref = process.plan_project_ref or ""
    _texts_set(process, values, PROCESS_TEXTS)


@transaction.atomic
def process_create(
    *,
    municipality: Municipality,
    actor: User,
    values: dict[str, Any],
    phases: Sequence[dict[str, Any]] = (),
) -> Process:
    """A new process of the city (unpublished unless ``values`` say so), with its phases."""
    _process_check(municipality=municipality, values=values, process=None)
    ordered = _phases_check(phases)
    process = Process(municipality=municipality)
    _process_fill(process, values)
    process.full_clean()
    process.save()
    audit_record(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE,
        instance=process,
        after=model_snapshot(process),
    )
    _phases_save(process=process, actor=actor, phases=ordered)
    return process


@transaction.atomic
def process_update(
    *,
    process: Process,
    actor: User,
    values: dict[str, Any],
    phases: Sequence[dict[str, Any]] | None = None,
) -> Process:
    """Change a process (and, when given, replace its phases)."""
    _process_check(municipality=process.municipality, values=values, process=process)
    ordered = _phases_check(phases) if phases is not None else None
    with audited_change(process, actor=actor, audit_if_unchanged=False) as change:
        process = change.instance
        _process_fill(process, values)
        process.full_clean()
        process.save()
    if ordered is not None:
        _phases_save(process=process, actor=actor, phases=ordered)
    return process


def process_components(*, process: Process) -> list[str]:
    """What the process holds (surveys, proposals, a budget, meetings), in words."""
    held = []
    if process.surveys.exists():
        held.append(_("surveys"))
    if process.proposals.exists():
        held.append(_("proposals"))
    if Budget.objects.filter(process=process).exists():
        held.append(_("a participatory budget"))
    if process.meetings.exists():
        held.append(_("meetings"))
    return held


@transaction.atomic
def process_delete(*, process: Process, actor: User) -> None:
    """Delete a process that holds nothing yet (one that does is unpublished instead)."""
    held = process_components(process=process)
    if held:
        raise ValidationError(
            _("This process holds %(what)s: it cannot be deleted. Unpublish it to hide it.")
            % {"what": ", ".join(held)}
        )
    audit_record(
        actor=actor,
        municipality=process.municipality,
        action=AuditAction.DELETE,
        instance=process,
        before=model_snapshot(process),
    )
    process.delete()


# --- Zones ----------------------------------------------------------------------------------


def _zone_check(*, municipality: Municipality, values: dict[str, Any], zone: Zone | None) -> None:
    taken = Zone.objects.filter(municipality=municipality, slug=values.get("slug", ""))
    if zone is not None:
        taken = taken.exclude(pk=zone.pk)
    if taken.exists():
        raise ValidationError({"slug": _("Another zone of the city has this short name.")})


def _zone_fill(zone: Zone, values: dict[str, Any]) -> None:
    for name in ("slug", "position", "geometry"):
        if name in values:
            setattr(zone, name, values[name])
    _texts_set(zone, values, ("name",))


@transaction.atomic
def zone_create(*, municipality: Municipality, actor: User, values: dict[str, Any]) -> Zone:
    _zone_check(municipality=municipality, values=values, zone=None)
    zone = Zone(municipality=municipality)
    _zone_fill(zone, values)
    zone.full_clean()
    zone.save()
    audit_record(
        actor=actor,
        municipality=municipality,
        action=AuditAction.CREATE,
        instance=zone,
        after=model_snapshot(zone),
    )
    return zone


@transaction.atomic
def zone_update(*, zone: Zone, actor: User, values: dict[str, Any]) -> Zone:
    _zone_check(municipality=zone.municipality, values=values, zone=zone)
    with audited_change(zone, actor=actor, audit_if_unchanged=False) as change:
        zone = change.instance
        _zone_fill(zone, values)
        zone.full_clean()
        zone.save()
    return zone


@transaction.atomic
def zone_delete(*, zone: Zone, actor: User) -> None:
    """Delete a zone no process or budget uses."""
    if zone.processes.exists() or zone.budget_zones.exists():
        raise ValidationError(
            _("A process or a participatory budget uses this zone: it cannot be deleted.")
        )
    audit_record(
        actor=actor,
        municipality=zone.municipality,
        action=AuditAction.DELETE,
        instance=zone,
        before=model_snapshot(zone),
    )
    zone.delete()
