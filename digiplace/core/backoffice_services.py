"""Writes of the back office: departments and staff memberships, each one audited.

Every function runs in one transaction and appends an audit-log entry with the record's
values before and after, so a refused or failed change leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from . import modules as module_registry
from .audit import audit_record, audited_change, model_snapshot
from .models import (
    AuditAction,
    Department,
    Municipality,
    StaffMembership,
    StaffRole,
    User,
)

DEPARTMENT_NAME_TAKEN = _("This municipality already has a department with this name.")


def _department_names_check(
    *, municipality: Municipality, name_ro: str, name_en: str, exclude_id: int | None
) -> None:
    others = Department.objects.for_municipality(municipality)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    errors: dict[str, ValidationError] = {}
    if not name_ro:
        errors["name_ro"] = ValidationError(_("Enter the name in Romanian."), code="required")
    elif others.filter(name_ro__iexact=name_ro).exists():
        errors["name_ro"] = ValidationError(DEPARTMENT_NAME_TAKEN, code="name_taken")
    if name_en and others.filter(name_en__iexact=name_en).exists():
        errors["name_en"] = ValidationError(DEPARTMENT_NAME_TAKEN, code="name_taken")
    if errors:
        raise ValidationError(errors)


def _department_save(department: Department) -> None:
    try:
        with transaction.atomic():
            department.save()
    except IntegrityError as error:  # a concurrent writer took the name first
        raise ValidationError(
            {"name_ro": ValidationError(DEPARTMENT_NAME_TAKEN, code="name_taken")}
        ) from error


def department_create(
    *, actor: User, municipality: Municipality, name_ro: str, name_en: str = "", email: str = ""
) -> Department:
    name_ro, name_en = name_ro.strip(), name_en.strip()
    with transaction.atomic():
        _department_names_check(
            municipality=municipality, name_ro=name_ro, name_en=name_en, exclude_id=None
        )
        department = Department(
            municipality=municipality, name_ro=name_ro, name_en=name_en, email=email.strip()
        )
        _department_save(department)
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AuditAction.CREATE,
            instance=department,
            after=model_snapshot(department),
        )
    return department


def department_update(
    *,
    actor: User,
    department: Department,
    name_ro: str | None = None,
    name_en: str | None = None,
    email: str | None = None,
) -> Department:
    """Change the given fields; None leaves a field as it is."""
    with audited_change(department, actor=actor) as change:
        department = change.instance
        # name_ro and name_en are added by django-modeltranslation, unknown to mypy.
        translated: Any = department
        new_name_ro = translated.name_ro if name_ro is None else name_ro.strip()
        new_name_en = translated.name_en if name_en is None else name_en.strip()
        _department_names_check(
            municipality=department.municipality,
            name_ro=new_name_ro or "",
            name_en=new_name_en or "",
            exclude_id=department.pk,
        )
        translated.name_ro = new_name_ro
        translated.name_en = new_name_en
        if email is not None:
            department.email = email.strip()
        _department_save(department)
    return department


def department_delete(*, actor: User, department: Department) -> None:
    """Delete the department; its staff keep their memberships, without a department."""
    with transaction.atomic():
        department = Department.objects.select_for_update().get(pk=department.pk)
        audit_record(
            actor=actor,
            municipality=department.municipality,
            action=AuditAction.DELETE,
            instance=department,
            before=model_snapshot(department),
        )
        department.delete()


def _membership_fields_check(
    *, municipality: Municipality, department: Department | None, role: str, modules_: Sequence[str]
) -> None:
    errors: dict[str, ValidationError] = {}
    if department is not None and department.municipality_id != municipality.pk:
        errors["department"] = ValidationError(
            _("Choose a department of this municipality."), code="invalid_department"
        )
    if role not in StaffRole.values:
        errors["role"] = ValidationError(_("Choose a valid role."), code="invalid_role")
    known = {spec.code for spec in module_registry.all_modules()}
    unknown = sorted(set(modules_) - known)
    if unknown:
        errors["modules"] = ValidationError(
            _("Unknown modules: %(codes)s."),
            code="unknown_module",
            params={"codes": ", ".join(unknown)},
        )
    if errors:
        raise ValidationError(errors)


def membership_create(
    *,
    actor: User,
    municipality: Municipality,
    email: str,
    role: str = StaffRole.STAFF,
    department: Department | None = None,
    modules: Sequence[str] = (),
    is_active: bool = True,
) -> StaffMembership:
    """Give the person with ``email`` (who has an account already) a role here."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise ValidationError(
            {
                "email": ValidationError(
                    _("No account uses this email. Ask the person to register first."),
                    code="no_account",
                )
            }
        )
    _membership_fields_check(
        municipality=municipality, department=department, role=role, modules_=modules
    )
    already = ValidationError(
        {
            "email": ValidationError(
                _("This person already belongs to this municipality's staff."), code="member"
            )
        }
    )
    if StaffMembership.objects.for_municipality(municipality).filter(user=user).exists():
        raise already
    try:
        with transaction.atomic():
            membership = StaffMembership.objects.create(
                municipality=municipality,
                user=user,
                department=department,
                role=role,
                modules=sorted(set(modules)),
                is_active=is_active,
            )
            audit_record(
                actor=actor,
                municipality=municipality,
                action=AuditAction.CREATE,
                instance=membership,
                after=model_snapshot(membership),
            )
    except IntegrityError as error:  # added by someone else a moment ago
        raise already from error
    return membership


def membership_update(
    *,
    actor: User,
    membership: StaffMembership,
    role: str,
    department: Department | None,
    modules: Sequence[str],
    is_active: bool,
) -> StaffMembership:
    """Change a membership. Administrators cannot demote or deactivate themselves."""
    _membership_fields_check(
        municipality=membership.municipality, department=department, role=role, modules_=modules
    )
    if membership.user_id == actor.pk and membership.is_admin:
        if role != StaffRole.ADMIN:
            raise ValidationError(
                {
                    "role": ValidationError(
                        _("You cannot remove your own administrator role."), code="self_demotion"
                    )
                }
            )
        if not is_active:
            raise ValidationError(
                {
                    "is_active": ValidationError(
                        _("You cannot deactivate your own membership."), code="self_deactivation"
                    )
                }
            )
    with audited_change(membership, actor=actor) as change:
        membership = change.instance
        membership.role = role
        membership.department = department
        membership.modules = sorted(set(modules))
        membership.is_active = is_active
        membership.save(update_fields=["role", "department", "modules", "is_active"])
    return membership


def membership_delete(*, actor: User, membership: StaffMembership) -> None:
    """Remove a person from the staff. Administrators cannot remove themselves."""
    if membership.user_id == actor.pk:
        raise ValidationError(
            _("You cannot remove your own membership; ask another administrator."),
            code="self_removal",
        )
    with transaction.atomic():
        membership = StaffMembership.objects.select_for_update().get(pk=membership.pk)
        audit_record(
            actor=actor,
            municipality=membership.municipality,
            action=AuditAction.DELETE,
            instance=membership,
            before=model_snapshot(membership),
        )
        membership.delete()
