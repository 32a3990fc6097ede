"""``audited_change``: lock, snapshot, change and one audit entry, or nothing at all."""

from __future__ import annotations

import pytest

from digiplace.core.audit import audited_change
from digiplace.core.models import AuditAction, AuditLogEntry, Department, StaffMembership
from digiplace.core.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def test_a_change_is_saved_with_one_entry_of_the_changed_fields(
    botosani_admin: StaffMembership,
) -> None:
    # Given a department
    department = DepartmentFactory.create(
        municipality=botosani_admin.municipality, email="old@x.ro"
    )

    # When its email changes inside audited_change
    with audited_change(department, actor=botosani_admin.user) as change:
        change.instance.email = "new@x.ro"
        change.instance.save()

    # Then the row changed and one update entry holds only the email, before and after
    assert Department.objects.get(pk=department.pk).email == "new@x.ro"
    entry = AuditLogEntry.objects.get()
    assert entry == change.entry
    assert (entry.action, entry.municipality_id, entry.actor_id) == (
        AuditAction.UPDATE,
        botosani_admin.municipality_id,
        botosani_admin.user_id,
    )
    assert (entry.target_type, entry.target_id) == ("core.Department", str(department.pk))
    assert (entry.before, entry.after) == ({"email": "old@x.ro"}, {"email": "new@x.ro"})


def test_an_error_in_the_block_leaves_neither_the_change_nor_an_entry(
    botosani_admin: StaffMembership,
) -> None:
    department = DepartmentFactory.create(
        municipality=botosani_admin.municipality, email="old@x.ro"
    )

    with (
        pytest.raises(ValueError, match="refused"),
        audited_change(department, actor=botosani_admin.user) as change,
    ):
        change.instance.email = "new@x.ro"
        change.instance.save()
        raise ValueError("refused")

    assert Department.objects.get(pk=department.pk).email == "old@x.ro"
    assert not AuditLogEntry.objects.exists()


def test_no_entry_for_no_change_when_asked(botosani_admin: StaffMembership) -> None:
    department = DepartmentFactory.create(municipality=botosani_admin.municipality)

    with audited_change(department, actor=None, audit_if_unchanged=False) as quiet:
        quiet.instance.save()
    assert quiet.entry is None
    assert not AuditLogEntry.objects.exists()

    with audited_change(department, actor=None) as recorded:
        recorded.instance.save()
    assert recorded.entry is not None
    assert (recorded.entry.actor_label, recorded.entry.before, recorded.entry.after) == (
        "system",
        {},
        {},
    )


def test_the_block_works_on_a_fresh_locked_read(botosani_admin: StaffMembership) -> None:
    # A caller's stale instance does not leak into the snapshot or the change.
    department = DepartmentFactory.create(municipality=botosani_admin.municipality, email="db@x.ro")
    stale = Department.objects.get(pk=department.pk)
    stale.email = "stale@x.ro"  # never saved

    with audited_change(stale, actor=botosani_admin.user) as change:
        assert change.instance is not stale
        assert change.before["email"] == "db@x.ro"
        change.instance.email = "new@x.ro"
        change.instance.save()

    assert change.entry is not None
    assert change.entry.before == {"email": "db@x.ro"}
