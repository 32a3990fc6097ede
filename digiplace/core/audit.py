"""The audit log of staff actions: who, what, when, and the values before and after."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.apps import apps as django_apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from modeltranslation.translator import NotRegistered, translator

from . import modules
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


ModelType = TypeVar("ModelType", bound=models.Model)


@dataclass
class AuditedChange(Generic[ModelType]):
    """The locked row of an ``audited_change`` and its snapshot from before the change."""

    instance: ModelType
    before: dict[str, Any]
    entry: AuditLogEntry | None = None


def _municipality_of(instance: models.Model) -> Municipality:
    municipality = getattr(instance, "municipality", None)
    if not isinstance(municipality, Municipality):
        raise TypeError(f"{instance._meta.label} has no municipality; pass one.")
    return municipality


@contextmanager
def audited_change(
    instance: ModelType,
    *,
    actor: User | None,
    queryset: QuerySet[ModelType] | None = None,
    municipality: Municipality | None = None,
    audit_if_unchanged: bool = True,
    snapshot: Callable[[ModelType], dict[str, Any]] = model_snapshot,
) -> Iterator[AuditedChange[ModelType]]:
    """Lock ``instance``'s row, snapshot it, let the block change it, then audit the change.

    All in one transaction: the block works on ``change.instance`` (the freshly read, locked
    row; ``queryset`` may add ``select_related``) and saves it. On leaving the block an
    update entry is written with the fields that changed, unless nothing changed and
    ``audit_if_unchanged`` is false. An exception in the block writes nothing.
    ``municipality`` defaults to the row's own (every city-owned record has one);
    ``snapshot`` replaces ``model_snapshot`` where a record holds a secret to leave out.
    """
    source = queryset if queryset is not None else type(instance)._default_manager.all()
    with transaction.atomic():
        # "of self": a nullable select_related join cannot be locked on PostgreSQL.
        locked = source.select_for_update(of=("self",)).get(pk=instance.pk)
        change = AuditedChange(instance=locked, before=snapshot(locked))
        yield change
        after = snapshot(locked)
        if audit_if_unchanged or after != change.before:
            change.entry = audit_record(
                actor=actor,
                municipality=municipality or _municipality_of(locked),
                action=AuditAction.UPDATE,
                instance=locked,
                before=change.before,
                after=after,
            )


# --- Reading an entry: field names and values as people read them --------------------------

EMPTY_VALUE = "—"


def _list_choices() -> dict[tuple[str, str], Callable[[], list[tuple[str, Any]]]]:
    """Lists whose items are codes with labels elsewhere than in a field's choices."""
    return {("core.StaffMembership", "modules"): modules.module_choices}


@dataclass(frozen=True)
class AuditValueChange:
    """One field of an entry: its name and its values before and after, ready to show."""

    field: str
    label: str
    before: str
    after: str


def _field_by_attname(
    model: type[models.Model] | None, attname: str
) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field
    return None


def _field_label(field: models.Field[Any, Any] | None, attname: str) -> str:
    if field is None:
        return attname
    original = getattr(field, "translated_field", None)
    language = getattr(field, "language", None)
    if original is not None and language:
        names = dict(settings.LANGUAGES)
        return gettext("%(field)s (%(language)s)") % {
            "field": capfirst(original.verbose_name),
            "language": str(names.get(language, language)),
        }
    return str(capfirst(field.verbose_name))


def _date_text(field: models.Field[Any, Any], value: str) -> str | None:
    try:
        if isinstance(field, models.DateTimeField):
            moment = datetime.datetime.fromisoformat(value)
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "DATETIME_FORMAT")
        if isinstance(field, models.DateField):
            return formats.date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
    except ValueError:
        return None
    return None


def audit_value_text(
    value: Any,
    *,
    field: models.Field[Any, Any] | None = None,
    choices: dict[Any, Any] | None = None,
) -> str:
    """A stored value in words: choice labels, Yes/No, dates, lists joined, "—" for nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY_VALUE
    if isinstance(value, bool):
        return str(gettext("Yes") if value else gettext("No"))
    if choices is None and field is not None and field.choices:
        choices = dict(field.flatchoices)
    if isinstance(value, list):
        return ", ".join(audit_value_text(item, choices=choices) for item in value)
    if isinstance(value, dict):
        return ", ".join(
            f"{key}: {audit_value_text(item, choices=choices)}" for key, item in value.items()
        )
    if choices is not None and value in choices:
        return str(choices[value])
    if field is not None and isinstance(value, str):
        dated = _date_text(field, value)
        if dated is not None:
            return dated
        if isinstance(field, models.DecimalField):
            try:
                return formats.number_format(
                    decimal.Decimal(value), use_l10n=True, force_grouping=True
                )
            except decimal.InvalidOperation:
                return value
    if field is not None and field.is_relation and field.related_model is not None:
        related = field.related_model._default_manager.filter(pk=value).first()  # type: ignore[union-attr]
        return str(related) if related is not None else f"#{value}"
    if isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        return formats.number_format(value, use_l10n=True)
    return str(value)


def audit_entry_changes(entry: AuditLogEntry) -> list[AuditValueChange]:
    """The fields of an entry with their verbose names and their values in words."""
    try:
        model: type[models.Model] | None = django_apps.get_model(entry.target_type)
    except (LookupError, ValueError):
        model = None
    before = entry.before or {}
    after = entry.after or {}
    list_choices = _list_choices()
    rows = []
    for attname in sorted(set(before) | set(after)):
        field = _field_by_attname(model, attname)
        choices_of = list_choices.get((entry.target_type, attname))
        choices = dict(choices_of()) if choices_of is not None else None
        rows.append(
            AuditValueChange(
                field=attname,
                label=_field_label(field, attname),
                before=audit_value_text(before.get(attname), field=field, choices=choices),
                after=audit_value_text(after.get(attname), field=field, choices=choices),
            )
        )
    return sorted(rows, key=lambda row: row.label.casefold())
