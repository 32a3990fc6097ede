"""Writes of the Open311 API keys an administrator issues to app developers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction, Municipality, User

from .models import ApiKey

MAX_NAME_LENGTH = 200


def _snapshot(api_key: ApiKey) -> dict[str, Any]:
    # The key is a secret: the audit log names the application, never the key.
    snapshot = model_snapshot(api_key)
    snapshot.pop("key", None)
    return snapshot


def api_key_issue(
    *, municipality: Municipality, actor: User, name: str, contact_email: str
) -> ApiKey:
    """A new active key for an application; its ``key`` is shown to the administrator once."""
    name = (name or "").strip()
    contact_email = (contact_email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Name the application.")]
    elif len(name) > MAX_NAME_LENGTH:
        errors["name"] = [_("Use at most %(limit)d characters.") % {"limit": MAX_NAME_LENGTH}]
    try:
        validate_email(contact_email)
    except ValidationError:
        errors["contact_email"] = [_("Enter a valid email address.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            municipality=municipality, name=name, contact_email=contact_email
        )
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AuditAction.CREATE,
            instance=api_key,
            after=_snapshot(api_key),
        )
    return api_key


def api_key_deactivate(*, api_key: ApiKey, actor: User) -> ApiKey:
    """Stop a key from being accepted; Open311 requests with it get 403 from now on."""
    with audited_change(api_key, actor=actor, snapshot=_snapshot) as change:
        locked = change.instance
        if not locked.is_active:
            raise ValidationError({NON_FIELD_ERRORS: [_("This key is already deactivated.")]})
        locked.is_active = False
        locked.save(update_fields=["is_active"])
    api_key.is_active = False
    return api_key
