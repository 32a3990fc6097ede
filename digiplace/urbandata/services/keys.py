"""Device and client keys: issued in the back office or by ``manage.py ngsi_key``, sent as
``Authorization: Bearer KEY`` over HTTP and as the MQTT password, revocable."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot

from ..errors import NgsiError
from ..models import DeviceKey
from ..mqtt.files import broker_files_write_on_commit

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User

    from ..models import Entity

KEY_PREFIX = "dpk_"
MAX_NAME_LENGTH = 200
# The broker's own password-file hash (mosquitto_passwd's "$7$": PBKDF2-SHA512).
MOSQUITTO_ITERATIONS = 101
MOSQUITTO_SALT_BYTES = 12


def key_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def mosquitto_password_hash(secret: str, *, salt: bytes | None = None) -> str:
    """The line mosquitto 2 accepts in a password file for this password (after ``user:``)."""
    salt = salt if salt is not None else secrets.token_bytes(MOSQUITTO_SALT_BYTES)
    derived = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, MOSQUITTO_ITERATIONS)
    encoded_salt = base64.b64encode(salt).decode()
    encoded_hash = base64.b64encode(derived).decode()
    return f"$7${MOSQUITTO_ITERATIONS}${encoded_salt}${encoded_hash}"


def _snapshot(key: DeviceKey) -> dict[str, object]:
    snapshot = model_snapshot(key)
    for secret_field in ("digest", "mqtt_password_hash"):
        snapshot.pop(secret_field, None)
    return snapshot


def device_key_issue(
    *,
    municipality: Municipality,
    name: str,
    entity: Entity | None = None,
    actor: User | None = None,
) -> tuple[DeviceKey, str]:
    """A new key and its secret, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Name the device or the application.")]})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            {"name": [_("Use at most %(limit)d characters.") % {"limit": MAX_NAME_LENGTH}]}
        )
    if entity is not None and entity.municipality_id != municipality.pk:
        raise ValidationError({"entity": [_("This device belongs to another municipality.")]})
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = DeviceKey.objects.create(
            municipality=municipality,
            name=name,
            username=f"{municipality.slug}-{secrets.token_hex(5)}",
            prefix=secret[: len(KEY_PREFIX) + 6],
            digest=key_digest(secret),
            mqtt_password_hash=mosquitto_password_hash(secret),
            entity=entity,
            created_by=actor,
        )
        if actor is not None:
            audit_record(
                actor=actor,
                municipality=municipality,
                action="create",
                instance=key,
                after=_snapshot(key),
            )
        # The broker learns the new password once the key is committed.
        broker_files_write_on_commit()
    return key, secret


def device_key_revoke(*, key: DeviceKey, actor: User | None = None) -> DeviceKey:
    """Stop accepting the key, over HTTP at once and on the broker at its next reload."""
    if actor is None:
        if key.revoked_at is not None:
            raise ValidationError({NON_FIELD_ERRORS: [_("This key is already revoked.")]})
        with transaction.atomic():
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            broker_files_write_on_commit()
        return key
    with audited_change(key, actor=actor, snapshot=_snapshot) as change:
        locked = change.instance
        if locked.revoked_at is not None:
            raise ValidationError({NON_FIELD_ERRORS: [_("This key is already revoked.")]})
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        # The broker refuses the key from its next reload, once this commits.
        broker_files_write_on_commit()
    key.revoked_at = locked.revoked_at
    return key


def device_key_authenticate(*, municipality: Municipality, secret: str) -> DeviceKey:
    """The active key of this city with this secret; ``Unauthorized`` otherwise (unknown,
    revoked, or another city's: the answer does not say which)."""
    if not secret.startswith(KEY_PREFIX):
        raise NgsiError("Unauthorized", _("The key is unknown or revoked."))
    key = (
        DeviceKey.objects.filter(
            digest=key_digest(secret), municipality=municipality, revoked_at__isnull=True
        )
        .select_related("entity")
        .first()
    )
    if key is None:
        raise NgsiError("Unauthorized", _("The key is unknown or revoked."))
    now = timezone.now()
    # At most one write a minute per key, so that busy devices do not write on every call.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        # The base manager: a key's last use is no page's content (no cache version moves).
        DeviceKey._base_manager.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
