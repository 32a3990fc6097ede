"""The city's reply templates, written by its administrators in the back office: checked
first, then saved with their audit entry in one transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction, Municipality, User

from ..models import Category, ReplyTemplate
from ._common import Errors, _add, _raise_if
from .constants import MAX_DESCRIPTION_LENGTH

MAX_TITLE_LENGTH = 120


@dataclass(frozen=True)
class ReplyTemplateData:
    """What an administrator writes: Romanian first (the site's default language), English
    optional (the English site falls back to Romanian)."""

    category: Category | None
    title_ro: str
    text_ro: str
    title_en: str = ""
    text_en: str = ""
    position: int = 0
    is_active: bool = True


def _cleaned(*, municipality: Municipality, data: ReplyTemplateData) -> ReplyTemplateData:
    cleaned = ReplyTemplateData(
        category=data.category,
        title_ro=(data.title_ro or "").strip(),
        text_ro=(data.text_ro or "").strip(),
        title_en=(data.title_en or "").strip(),
        text_en=(data.text_en or "").strip(),
        position=data.position,
        is_active=data.is_active,
    )
    errors: Errors = {}
    if cleaned.category is not None and cleaned.category.municipality_id != municipality.pk:
        _add(errors, "category", _("Choose one of this city's categories."))
    for language in ("ro", "en"):
        title = getattr(cleaned, f"title_{language}")
        text = getattr(cleaned, f"text_{language}")
        if len(title) > MAX_TITLE_LENGTH:
            _add(
                errors,
                f"title_{language}",
                _("Use at most %(limit)d characters.") % {"limit": MAX_TITLE_LENGTH},
            )
        if len(text) > MAX_DESCRIPTION_LENGTH:
            _add(
                errors,
                f"text_{language}",
                _("Use at most %(limit)d characters.") % {"limit": MAX_DESCRIPTION_LENGTH},
            )
    if not cleaned.title_ro:
        _add(errors, "title_ro", _("Give the template a title in Romanian."))
    if not cleaned.text_ro:
        _add(errors, "text_ro", _("Write the reply in Romanian."))
    if cleaned.title_en and not cleaned.text_en:
        _add(
            errors, "text_en", _("Write the English reply too, or leave both English boxes empty.")
        )
    if cleaned.text_en and not cleaned.title_en:
        _add(
            errors, "title_en", _("Give the English title too, or leave both English boxes empty.")
        )
    if cleaned.position < 0:
        _add(errors, "position", _("Use a position of 0 or more."))
    _raise_if(errors)
    return cleaned


def _apply(template: ReplyTemplate, data: ReplyTemplateData) -> None:
    values = asdict(data)
    values["category"] = data.category  # asdict copies the model instance; keep the very one
    for field, value in values.items():
        if field in ("title_en", "text_en"):
            value = value or None  # empty: the English site shows the Romanian text
        setattr(template, field, value)


def reply_template_create(
    *, municipality: Municipality, actor: User, data: ReplyTemplateData
) -> ReplyTemplate:
    cleaned = _cleaned(municipality=municipality, data=data)
    template = ReplyTemplate(municipality=municipality)
    _apply(template, cleaned)
    with transaction.atomic():
        template.save()
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AuditAction.CREATE,
            instance=template,
            after=model_snapshot(template),
        )
    return template


def reply_template_update(
    *, template: ReplyTemplate, actor: User, data: ReplyTemplateData
) -> ReplyTemplate:
    cleaned = _cleaned(municipality=template.municipality, data=data)
    with audited_change(template, actor=actor, audit_if_unchanged=False) as change:
        _apply(change.instance, cleaned)
        change.instance.save()
    return change.instance
