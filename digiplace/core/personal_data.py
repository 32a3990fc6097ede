"""One registry through which every module exports and erases a person's data.

A module registers a provider in its AppConfig.ready(): ``export`` returns what the
module holds about the person (JSON-serialisable), ``erase`` removes or anonymises it
before the account itself is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .audit import _jsonable


@dataclass(frozen=True)
class PersonalDataProvider:
    key: str
    export: Callable[[Any], Any]
    erase: Callable[[Any], None]


_providers: dict[str, PersonalDataProvider] = {}


def register(provider: PersonalDataProvider) -> None:
    _providers[provider.key] = provider


def providers() -> list[PersonalDataProvider]:
    return list(_providers.values())


def user_data_export(*, user: Any) -> dict[str, Any]:
    """Everything DigiPlace holds about ``user``, one section per module."""
    return {
        "exported_at": timezone.now().isoformat(),
        "format": "digiplace-personal-data/1",
        "sections": {provider.key: _jsonable(provider.export(user)) for provider in providers()},
    }


@transaction.atomic
def user_erase(*, user: Any) -> None:
    """Erase every module's data about ``user``, then the account itself: all or nothing."""
    for provider in providers():
        provider.erase(user)
    user.delete()


def _export_account(user: Any) -> dict[str, Any]:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "preferred_language": user.preferred_language,
        "date_joined": user.date_joined,
        "email_confirmed_at": user.email_confirmed_at,
        "last_login": user.last_login,
        "notify_in_app": user.notify_in_app,
        "notify_by_email": user.notify_by_email,
    }


def _export_memberships(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "municipality": membership.municipality.slug,
            "department": membership.department.name if membership.department else None,
            "role": membership.role,
            "modules": membership.modules,
        }
        for membership in user.memberships.select_related("municipality", "department")
    ]


def _export_notifications(user: Any) -> list[dict[str, Any]]:
    return list(
        user.notifications.values("kind", "subject", "body", "url", "created_at", "read_at")
    )


def _export_audit(user: Any) -> list[Any]:
    from .models import AuditLogEntry

    return list(
        AuditLogEntry.objects.filter(actor=user).values(
            "action", "target_type", "target_id", "target_label", "created_at"
        )
    )


def _erase_audit(user: Any) -> None:
    # The log keeps what was done; the person who did it becomes anonymous.
    from .models import AuditLogEntry

    AuditLogEntry.objects.filter(actor=user).update(
        actor=None, actor_label=f"deleted user #{user.pk}"
    )


def _export_login_failures(user: Any) -> list[Any]:
    from axes.models import AccessAttempt, AccessFailureLog

    return list(
        AccessAttempt.objects.filter(username=user.email).values(
            "attempt_time", "ip_address", "failures_since_start"
        )
    ) + list(
        AccessFailureLog.objects.filter(username=user.email).values("attempt_time", "ip_address")
    )


def _erase_login_failures(user: Any) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=user.email).delete()


def _erase_nothing(user: Any) -> None:
    """Rows deleted with the account by their foreign key's CASCADE."""


def register_core_providers() -> None:
    register(PersonalDataProvider("account", _export_account, _erase_nothing))
    register(PersonalDataProvider("staff_memberships", _export_memberships, _erase_nothing))
    register(PersonalDataProvider("notifications", _export_notifications, _erase_nothing))
    register(PersonalDataProvider("audit_log", _export_audit, _erase_audit))
    register(PersonalDataProvider("login_failures", _export_login_failures, _erase_login_failures))
