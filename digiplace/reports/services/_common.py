"""Helpers shared by the reports services: error collection and locked saves."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from digiplace.core.models import (
    User,
)

from ..models import (
    Report,
    ReportUpdate,
)

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _lock_queryset() -> QuerySet[Report]:
    """What a locked report is read with (the lock itself covers the report's row only)."""
    return Report.objects.select_related("municipality", "category", "reporter")


def _lock(report: Report) -> Report:
    return _lock_queryset().select_for_update(of=("self",)).get(pk=report.pk)


def _save(locked: Report, report: Report, fields: list[str]) -> None:
    """Save ``fields`` of the locked row and mirror them on the caller's instance."""
    locked.updated_at = timezone.now()
    fields = [*fields, "updated_at"]
    locked.save(update_fields=fields)
    for field in fields:
        setattr(report, field, getattr(locked, field))


def _update_add(
    report: Report,
    *,
    kind: str,
    author: User | None,
    text: str = "",
    is_public: bool = True,
    old_status: str = "",
    new_status: str = "",
) -> ReportUpdate:
    return ReportUpdate.objects.create(
        municipality_id=report.municipality_id,
        report=report,
        kind=kind,
        author=author,
        text=text,
        is_public=is_public,
        old_status=old_status,
        new_status=new_status,
    )
