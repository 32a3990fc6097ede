"""A demo city's control centre: its transport department's dispatcher account
(``transport@<city>.example``, the demo password, the mobility and urban-data modules only)
and the default alert rules on the buses, routed to that department."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from digiplace.core.models import StaffMembership, StaffRole, User
from digiplace.urbandata.demo._entities import demo_department

from ..services.control import control_rules_ensure
from .fleet import DEPARTMENTS

if TYPE_CHECKING:
    from digiplace.core.models import Department, Municipality

TRANSPORT_EMAIL = "transport@{city}.example"
TRANSPORT_NAME = "Demo Transport Dispatcher"
TRANSPORT_MODULES = ["mobility", "urbandata"]


def transport_account_ensure(*, municipality: Municipality, department: Department) -> User:
    """The dispatcher's account, its membership put back to exactly its modules (like the
    waste module's dispatcher, which ``demo_load`` makes): a second load undoes changes."""
    email = TRANSPORT_EMAIL.format(city=municipality.slug)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email,
            settings.DEMO_PASSWORD,
            full_name=TRANSPORT_NAME,
            email_confirmed_at=timezone.now(),
        )
    StaffMembership.objects.update_or_create(
        municipality=municipality,
        user=user,
        defaults={
            "role": StaffRole.STAFF,
            "department": department,
            "modules": sorted(TRANSPORT_MODULES),
        },
    )
    return user


def control_load(*, municipality: Municipality) -> list[str]:
    """The transport department's account and alert rules (call it inside a transaction)."""
    department = demo_department(municipality, DEPARTMENTS[municipality.slug])
    user = transport_account_ensure(municipality=municipality, department=department)
    rules = control_rules_ensure(municipality, department=department)
    if not rules:
        return []
    return [
        f"{municipality.slug}: {len(rules)} control-centre alert rules for "
        f"{department.name_en} ({user.email})"  # type: ignore[attr-defined]
    ]
