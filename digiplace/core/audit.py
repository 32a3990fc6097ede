"""The audit log of staff actions: who, what, when, and the values before and after."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import models
from modeltranslation.translator import NotRegistered, translator

from .models import AuditAction, AuditLogEntry, Municipality, User

# Fields never copied into the log, whatever the model.
SECRET_FIELDS = {"password"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


def _translated_fields(model: type[models.Model]) -> set[str]:
    """Fields that django-modeltranslation serves in the active language (``title``)."""
    try:
        return set(translator.get_options_for_model(model).all_fields)
    except NotRegistered:
        return set()


def model_snapshot(instance: models.Model) -> dict[str, Any]:
    """The concrete field values of a record, ready to store as JSON.

    A translated field is kept per language (``title_en``, ``title_ro``), never as the
    active language's view of it, so a snapshot does not depend on the page's language.
    """
    snapshot: dict[str, Any] = {}
    skipped = SECRET_FIELDS | _translated_fields(type(instance))
    for field in instance._meta.concrete_fields:
        # Secrets never; "updated at" timestamps are not what the person changed.
        if field.name in skipped or getattr(field, "auto_now", False):
            continue
        snapshot[field.attname] = _jsonable(getattr(instance, field.attname))
    return snapshot


def audit_record(
    *,
    actor: User | None,
    municipality: Municipality,
    action: AuditAction | str,
    instance: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Append an entry; on update only the fields that changed are kept."""
    if action == AuditAction.UPDATE and before is not None and after is not None:
        changed = {key for key in after if before.get(key) != after.get(key)}
        before = {key: before.get(key) for key in sorted(changed)}
        after = {key: after[key] for key in sorted(changed)}
    return AuditLogEntry.objects.create(
        municipality=municipality,
        actor=actor,
        actor_label=(actor.email if actor is not None else "system"),
        action=action,
        target_type=instance._meta.label,
        target_id=str(instance.pk),
        target_label=str(instance)[:300],
        before=before,
        after=after,
    )
