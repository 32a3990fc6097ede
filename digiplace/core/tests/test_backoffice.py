"""The back office: access by role and host, departments, staff, the audit log."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import cast

import pytest
from django.test import Client
from django.utils import timezone, translation

from digiplace.core import modules
from digiplace.core.models import (
    AuditAction,
    AuditLogEntry,
    Department,
    Municipality,
    StaffMembership,
    StaffRole,
    User,
)
from digiplace.core.permissions import access_denial, backoffice_membership
from digiplace.core.tests.factories import DepartmentFactory, StaffMembershipFactory, UserFactory

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
PLATFORM = "testserver"


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    # The language middleware leaves the request's language active; later tests expect none.
    yield
    translation.deactivate()


@pytest.fixture
def registered_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        modules,
        "_modules",
        {
            "plans": modules.ModuleSpec(code="plans", name="Strategic plans"),
            "waste": modules.ModuleSpec(code="waste", name="Waste collection"),
        },
    )


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    # Assertions read English text; the cities default to Romanian.
    client.cookies["digiplace_language"] = "en"


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


# Access


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login(botosani: Municipality, client: Client) -> None:
    response = client.get("/backoffice/departments/", HTTP_HOST=BOTOSANI)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/backoffice/departments/"


@pytest.mark.django_db
def test_resident_gets_a_helpful_403(
    botosani: Municipality, resident: User, client: Client
) -> None:
    login(client, resident)

    response = client.get("/backoffice/", HTTP_HOST=BOTOSANI)

    page = response.content.decode()
    assert response.status_code == 403
    assert "Your account is not on the staff of Botoșani Municipality." in page
    assert "ask an administrator of this municipality" in page


@pytest.mark.django_db
def test_403_page_is_translated(botosani: Municipality, resident: User, client: Client) -> None:
    del client.cookies["digiplace_language"]
    login(client, resident)

    response = client.get("/backoffice/", HTTP_HOST=BOTOSANI)

    assert response.status_code == 403
    assert '<html lang="ro">' in response.content.decode()


@pytest.mark.django_db
def test_admin_of_botosani_is_refused_on_timisoara_host_and_pointed_home(
    botosani_admin: StaffMembership, timisoara: Municipality, client: Client
) -> None:
    login(client, botosani_admin.user)

    response = client.get("/backoffice/", HTTP_HOST=TIMISOARA)

    page = response.content.decode()
    assert response.status_code == 403
    assert "Your account is not on the staff of Timișoara Municipality." in page
    assert 'href="http://botosani.localhost/backoffice/"' in page


@pytest.mark.django_db
def test_back_office_on_the_platform_host_is_refused(
    botosani_admin: StaffMembership, client: Client
) -> None:
    login(client, botosani_admin.user)

    response = client.get("/backoffice/", HTTP_HOST=PLATFORM)

    assert response.status_code == 403
    assert "Each municipality has its own back office" in response.content.decode()


@pytest.mark.django_db
def test_inactive_membership_gives_no_access(
    botosani_admin: StaffMembership, client: Client
) -> None:
    botosani_admin.is_active = False
    botosani_admin.save()
    login(client, botosani_admin.user)

    response = client.get("/backoffice/", HTTP_HOST=BOTOSANI)

    assert response.status_code == 403


@pytest.mark.django_db
def test_staff_member_cannot_manage_departments(
    botosani_staff: StaffMembership, client: Client
) -> None:
    login(client, botosani_staff.user)
    count_before = Department.objects.count()

    listing = client.get("/backoffice/departments/", HTTP_HOST=BOTOSANI)
    creation = client.post(
        "/backoffice/departments/new/", {"name_ro": "Spații verzi"}, HTTP_HOST=BOTOSANI
    )
    deletion = client.post(
        f"/backoffice/departments/{botosani_staff.department_id}/delete/", HTTP_HOST=BOTOSANI
    )

    assert (listing.status_code, creation.status_code, deletion.status_code) == (403, 403, 403)
    assert "Only administrators of this municipality can open this page." in (
        listing.content.decode()
    )
    assert Department.objects.count() == count_before
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_platform_administrator_is_administrator_everywhere(
    botosani: Municipality, client: Client
) -> None:
    superuser = User.objects.create_superuser("root@example.org", "x")
    DepartmentFactory(municipality=botosani, name_ro="Urbanism")
    login(client, superuser)

    response = client.get("/backoffice/departments/", HTTP_HOST=BOTOSANI)

    assert response.status_code == 200
    assert "Urbanism" in response.content.decode()


@pytest.mark.django_db
def test_module_permission_follows_the_membership(
    botosani_staff: StaffMembership, registered_modules: None
) -> None:
    botosani_staff.modules = ["plans"]
    botosani_staff.save()
    membership = backoffice_membership(
        user=botosani_staff.user, municipality=botosani_staff.municipality
    )

    allowed = access_denial(
        membership=membership, municipality=botosani_staff.municipality, module="plans"
    )
    refused = access_denial(
        membership=membership, municipality=botosani_staff.municipality, module="waste"
    )

    assert (allowed, refused) == (None, "no_module")


# Dashboard


@pytest.mark.django_db
def test_staff_dashboard_shows_role_department_and_modules(
    botosani_staff: StaffMembership, registered_modules: None, client: Client
) -> None:
    botosani_staff.modules = ["plans"]
    botosani_staff.save()
    login(client, botosani_staff.user)

    response = client.get("/backoffice/", HTTP_HOST=BOTOSANI)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Staff member" in page
    assert botosani_staff.department is not None
    assert botosani_staff.department.name in page
    assert "Strategic plans" in page
    assert "Waste collection" not in page
    assert "audit-activity" not in page


@pytest.mark.django_db
def test_admin_dashboard_charts_audit_actions_per_day(
    botosani_admin: StaffMembership, registered_modules: None, client: Client
) -> None:
    botosani = botosani_admin.municipality
    for days_ago, action in [(0, "create"), (0, "update"), (2, "delete"), (40, "create")]:
        AuditLogEntry.objects.create(
            municipality=botosani,
            actor_label="x",
            action=action,
            target_type="core.Department",
            target_id="1",
            target_label="x",
            created_at=timezone.now() - datetime.timedelta(days=days_ago),
        )
    login(client, botosani_admin.user)

    response = client.get("/backoffice/", HTTP_HOST=BOTOSANI)

    chart = response.context["audit_chart"]
    assert response.status_code == 200
    assert len(chart["labels"]) == 30
    totals = {dataset["label"]: sum(dataset["data"]) for dataset in chart["datasets"]}
    assert sorted(totals.values()) == [1, 1, 1]
    assert chart["datasets"][0]["data"][-1] == 1  # created today
    assert 'id="audit-activity"' in response.content.decode()
    assert "Waste collection" in response.content.decode()


# Departments


@pytest.mark.django_db
def test_admin_creates_edits_and_deletes_a_department_with_audit(
    botosani_admin: StaffMembership, client: Client
) -> None:
    login(client, botosani_admin.user)

    created = client.post(
        "/backoffice/departments/new/",
        {"name_ro": "Spații verzi", "name_en": "Green spaces", "email": "verde@botosani.example"},
        HTTP_HOST=BOTOSANI,
    )
    department = Department.objects.get(name_ro="Spații verzi")
    edited = client.post(
        f"/backoffice/departments/{department.pk}/edit/",
        {"name_ro": "Spații verzi", "name_en": "Parks", "email": "verde@botosani.example"},
        HTTP_HOST=BOTOSANI,
    )
    deleted = client.post(f"/backoffice/departments/{department.pk}/delete/", HTTP_HOST=BOTOSANI)

    assert [created.status_code, edited.status_code, deleted.status_code] == [302, 302, 302]
    assert not Department.objects.filter(pk=department.pk).exists()
    entries = list(AuditLogEntry.objects.order_by("id"))
    assert [entry.action for entry in entries] == ["create", "update", "delete"]
    assert {entry.target_id for entry in entries} == {str(department.pk)}
    assert all(entry.actor == botosani_admin.user for entry in entries)
    assert entries[0].before is None
    assert entries[0].after is not None and entries[0].after["name_en"] == "Green spaces"
    # Per language, whatever language the page was in.
    assert entries[1].before == {"name_en": "Green spaces"}
    assert entries[1].after is not None and entries[1].after["name_en"] == "Parks"
    assert entries[2].before is not None and entries[2].before["name_ro"] == "Spații verzi"
    assert entries[2].after is None


@pytest.mark.django_db
def test_department_with_a_taken_name_is_refused(
    botosani_admin: StaffMembership, client: Client
) -> None:
    DepartmentFactory(municipality=botosani_admin.municipality, name_ro="Urbanism")
    login(client, botosani_admin.user)

    response = client.post(
        "/backoffice/departments/new/",
        {"name_ro": "urbanism"},
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 200
    assert "already has a department with this name" in response.content.decode()
    assert Department.objects.filter(name_ro__iexact="urbanism").count() == 1
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_department_list_is_wrapped_for_phones(
    botosani_admin: StaffMembership, client: Client
) -> None:
    login(client, botosani_admin.user)

    response = client.get("/backoffice/departments/", HTTP_HOST=BOTOSANI)

    assert response.status_code == 200
    assert '<div class="table-wrap">' in response.content.decode()


# Staff memberships


@pytest.mark.django_db
def test_admin_adds_a_person_by_email(
    botosani_admin: StaffMembership, registered_modules: None, client: Client
) -> None:
    person = cast(User, UserFactory(email="new@botosani.example"))
    department = cast(Department, DepartmentFactory(municipality=botosani_admin.municipality))
    login(client, botosani_admin.user)

    response = client.post(
        "/backoffice/staff/new/",
        {
            "email": "NEW@botosani.example",
            "role": "staff",
            "department": department.pk,
            "modules": ["waste"],
            "is_active": "on",
        },
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 302
    membership = StaffMembership.objects.get(user=person)
    assert (membership.municipality, membership.department, membership.modules) == (
        botosani_admin.municipality,
        department,
        ["waste"],
    )
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.target_type, entry.before) == (
        "create",
        "core.StaffMembership",
        None,
    )
    assert entry.after is not None and entry.after["user_id"] == person.pk


@pytest.mark.django_db
def test_adding_an_unknown_email_explains_what_to_do(
    botosani_admin: StaffMembership, client: Client
) -> None:
    login(client, botosani_admin.user)

    response = client.post(
        "/backoffice/staff/new/",
        {"email": "nobody@example.org", "role": "staff"},
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 200
    assert "Ask the person to register first." in response.content.decode()
    assert StaffMembership.objects.count() == 1


@pytest.mark.django_db
def test_membership_form_offers_modules_as_checkboxes(
    botosani_admin: StaffMembership, registered_modules: None, client: Client
) -> None:
    login(client, botosani_admin.user)

    response = client.get("/backoffice/staff/new/", HTTP_HOST=BOTOSANI)

    page = response.content.decode()
    assert 'type="checkbox" name="modules" value="plans"' in page
    assert 'type="checkbox" name="modules" value="waste"' in page


@pytest.mark.django_db
def test_admin_changes_a_role_with_before_and_after(
    botosani_admin: StaffMembership,
    botosani_staff: StaffMembership,
    registered_modules: None,
    client: Client,
) -> None:
    login(client, botosani_admin.user)

    response = client.post(
        f"/backoffice/staff/{botosani_staff.pk}/edit/",
        {"role": "staff", "department": "", "modules": ["plans", "waste"], "is_active": "on"},
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 302
    botosani_staff.refresh_from_db()
    assert (botosani_staff.department, botosani_staff.modules) == (None, ["plans", "waste"])
    entry = AuditLogEntry.objects.get()
    assert entry.action == AuditAction.UPDATE
    assert entry.before is not None and entry.after is not None
    assert entry.before["modules"] == [] and entry.after["modules"] == ["plans", "waste"]
    assert entry.after["department_id"] is None


@pytest.mark.django_db
def test_admin_cannot_remove_their_own_admin_role(
    botosani_admin: StaffMembership, client: Client
) -> None:
    login(client, botosani_admin.user)

    demotion = client.post(
        f"/backoffice/staff/{botosani_admin.pk}/edit/",
        {"role": "staff", "is_active": "on"},
        HTTP_HOST=BOTOSANI,
    )
    removal = client.post(f"/backoffice/staff/{botosani_admin.pk}/delete/", HTTP_HOST=BOTOSANI)

    assert demotion.status_code == 200
    assert "You cannot remove your own administrator role." in demotion.content.decode()
    assert removal.status_code == 302
    botosani_admin.refresh_from_db()
    assert botosani_admin.role == StaffRole.ADMIN
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_admin_removes_a_staff_member(
    botosani_admin: StaffMembership, botosani_staff: StaffMembership, client: Client
) -> None:
    login(client, botosani_admin.user)

    response = client.post(f"/backoffice/staff/{botosani_staff.pk}/delete/", HTTP_HOST=BOTOSANI)

    assert response.status_code == 302
    assert not StaffMembership.objects.filter(pk=botosani_staff.pk).exists()
    entry = AuditLogEntry.objects.get()
    assert entry.action == AuditAction.DELETE
    assert entry.before is not None and entry.before["user_id"] == botosani_staff.user_id


# Audit log


def _entries(municipality: Municipality, count: int, action: str, target_type: str) -> None:
    for number in range(count):
        AuditLogEntry.objects.create(
            municipality=municipality,
            actor_label="admin@botosani.example",
            action=action,
            target_type=target_type,
            target_id=str(number),
            target_label=f"{target_type} {number}",
        )


@pytest.mark.django_db
def test_audit_log_filters_and_pages(botosani_admin: StaffMembership, client: Client) -> None:
    botosani = botosani_admin.municipality
    _entries(botosani, 30, "update", "core.Department")
    _entries(botosani, 2, "delete", "core.StaffMembership")
    login(client, botosani_admin.user)

    first = client.get("/backoffice/audit-log/", HTTP_HOST=BOTOSANI)
    second = client.get("/backoffice/audit-log/?page=2", HTTP_HOST=BOTOSANI)
    deletes = client.get("/backoffice/audit-log/?action=delete", HTTP_HOST=BOTOSANI)
    memberships = client.get(
        "/backoffice/audit-log/?target_type=core.StaffMembership", HTTP_HOST=BOTOSANI
    )

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 7
    assert {entry.action for entry in deletes.context["page"].object_list} == {"delete"}
    assert len(memberships.context["page"].object_list) == 2
    assert "?page=2" in first.content.decode()


@pytest.mark.django_db
def test_audit_entry_detail_shows_before_and_after(
    botosani_admin: StaffMembership, client: Client
) -> None:
    entry = AuditLogEntry.objects.create(
        municipality=botosani_admin.municipality,
        actor_label="admin@botosani.example",
        action="update",
        target_type="core.Department",
        target_id="7",
        target_label="Urbanism",
        before={"email": "old@botosani.example"},
        after={"email": "new@botosani.example"},
    )
    login(client, botosani_admin.user)

    response = client.get(f"/backoffice/audit-log/{entry.pk}/", HTTP_HOST=BOTOSANI)

    page = response.content.decode()
    assert response.status_code == 200
    assert "old@botosani.example" in page
    assert "new@botosani.example" in page


@pytest.mark.django_db
def test_staff_member_cannot_read_the_audit_log(
    botosani_staff: StaffMembership, client: Client
) -> None:
    login(client, botosani_staff.user)

    response = client.get("/backoffice/audit-log/", HTTP_HOST=BOTOSANI)

    assert response.status_code == 403


@pytest.mark.django_db
def test_membership_of_another_city_is_not_offered_in_forms(
    botosani_admin: StaffMembership, timisoara_admin: StaffMembership, client: Client
) -> None:
    login(client, botosani_admin.user)

    response = client.post(
        "/backoffice/staff/new/",
        {
            "email": cast(StaffMembership, StaffMembershipFactory()).user.email,
            "role": "staff",
            "department": timisoara_admin.department_id,
        },
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 200
    assert "department" in response.context["form"].errors
    assert not StaffMembership.objects.filter(
        municipality=botosani_admin.municipality, role="staff"
    ).exists()
