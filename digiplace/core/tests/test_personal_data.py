"""The personal-data registry: export and erasure, all or nothing."""

import json

import pytest

from digiplace.core import personal_data
from digiplace.core.audit import audit_record, model_snapshot
from digiplace.core.models import AuditAction, AuditLogEntry, Municipality, Notification, User
from digiplace.core.notifications import notification_send
from digiplace.core.tests.factories import DepartmentFactory, StaffMembershipFactory


@pytest.mark.django_db
def test_export_has_a_section_per_provider_and_is_json(
    botosani: Municipality, resident: User
) -> None:
    notification_send(recipient=resident, kind="core.test", subject="Hello", body="Body")

    export = personal_data.user_data_export(user=resident)

    assert set(export["sections"]) >= {"account", "notifications", "staff_memberships", "audit_log"}
    assert export["sections"]["account"]["email"] == "resident@example.org"
    assert export["sections"]["notifications"][0]["subject"] == "Hello"
    json.dumps(export)  # serialisable as it is


@pytest.mark.django_db
def test_erase_removes_the_person_and_anonymises_the_audit_log(botosani: Municipality) -> None:
    membership = StaffMembershipFactory.create(municipality=botosani)
    department = DepartmentFactory.create(municipality=botosani, name="Roads")
    entry = audit_record(
        actor=membership.user,
        municipality=botosani,
        action=AuditAction.CREATE,
        instance=department,
        after=model_snapshot(department),
    )
    notification_send(recipient=membership.user, kind="core.test", subject="x", body="y")
    user_id = membership.user.pk

    personal_data.user_erase(user=membership.user)

    entry.refresh_from_db()
    assert not User.objects.filter(pk=user_id).exists()
    assert not Notification.objects.filter(recipient_id=user_id).exists()
    assert entry.actor is None
    assert entry.actor_label == f"deleted user #{user_id}"


@pytest.mark.django_db
def test_erase_is_all_or_nothing(resident: User) -> None:
    def failing_erase(user: User) -> None:
        Notification.objects.filter(recipient=user).delete()
        raise RuntimeError("module could not erase")

    notification_send(recipient=resident, kind="core.test", subject="keep", body="me")
    personal_data.register(personal_data.PersonalDataProvider("broken", list, failing_erase))
    try:
        with pytest.raises(RuntimeError):
            personal_data.user_erase(user=resident)
    finally:
        personal_data._providers.pop("broken")

    assert User.objects.filter(pk=resident.pk).exists()
    assert Notification.objects.filter(recipient=resident, subject="keep").exists()


@pytest.mark.django_db
def test_audit_update_keeps_only_changed_fields(botosani: Municipality, resident: User) -> None:
    department = DepartmentFactory.create(municipality=botosani, name="Roads")
    before = model_snapshot(department)
    department.name = "Roads and Bridges"
    department.save()

    entry = audit_record(
        actor=resident,
        municipality=botosani,
        action=AuditAction.UPDATE,
        instance=department,
        before=before,
        after=model_snapshot(department),
    )

    # Only the name changed, in the active language's column; nothing else is kept.
    assert entry.before == {"name_en": "Roads"}
    assert entry.after == {"name_en": "Roads and Bridges"}
    assert entry.actor_label == "resident@example.org"
    assert AuditLogEntry.objects.for_municipality(botosani).count() == 1


@pytest.mark.django_db
def test_snapshot_never_contains_a_password(resident: User) -> None:
    assert "password" not in model_snapshot(resident)
