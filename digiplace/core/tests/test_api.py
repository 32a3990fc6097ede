"""The core API: public municipalities, the signed-in person, the inbox, staff endpoints,
and the committed OpenAPI schema."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from digiplace.core.models import (
    AuditLogEntry,
    Department,
    Municipality,
    Notification,
    StaffMembership,
    User,
)
from digiplace.core.tests.factories import PASSWORD, DepartmentFactory, MunicipalityFactory

BOTOSANI = "botosani.localhost"
PLATFORM = "testserver"
SCHEMA_FILE = Path(settings.BASE_DIR) / "schema" / "openapi.yaml"
SCHEMA_COMMAND = (
    ".venv/bin/python manage.py spectacular --validate --fail-on-warn --file schema/openapi.yaml"
)


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    # The language middleware leaves the request's language active; later tests expect none.
    yield
    translation.deactivate()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def as_user(api: APIClient, user: User) -> APIClient:
    api.force_authenticate(user)
    return api


# Municipalities


@pytest.mark.django_db
def test_municipality_list_is_public_and_impersonal(
    botosani: Municipality, timisoara: Municipality, botosani_admin: StaffMembership, api: APIClient
) -> None:
    MunicipalityFactory(slug="closed", is_active=False)

    response = api.get("/api/v1/municipalities/", HTTP_HOST=PLATFORM)

    assert response.status_code == 200
    assert response.json()["count"] == 2
    first = response.json()["results"][0]
    assert sorted(first) == [
        "bounds",
        "centre",
        "colours",
        "contact",
        "default_language",
        "description",
        "languages",
        "name",
        "slug",
        "time_zone",
    ]
    assert first["slug"] == "botosani"
    assert first["centre"] == {"latitude": 47.7486, "longitude": 26.6694, "zoom": 13}
    assert first["bounds"] == {"south": 47.70, "west": 26.59, "north": 47.79, "east": 26.74}
    assert first["contact"]["email"] == "contact@botosani.example"
    assert "admin@botosani.example" not in response.content.decode()


@pytest.mark.django_db
def test_municipality_detail_by_slug(botosani: Municipality, api: APIClient) -> None:
    found = api.get("/api/v1/municipalities/botosani/", HTTP_HOST=PLATFORM)
    missing = api.get("/api/v1/municipalities/nowhere/", HTTP_HOST=PLATFORM)

    assert found.status_code == 200
    assert found.json()["colours"] == {"primary": "#1f4e79", "secondary": "#f2c94c"}
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No Municipality matches the given query."}


# Authentication and the signed-in person


@pytest.mark.django_db
def test_token_is_issued_for_email_and_password_and_authenticates(
    resident: User, api: APIClient
) -> None:
    issued = api.post(
        "/api/v1/auth/token/",
        {"email": "resident@example.org", "password": PASSWORD},
        format="json",
        HTTP_HOST=PLATFORM,
    )
    token = issued.json()["token"]

    me = APIClient().get("/api/v1/me/", HTTP_HOST=PLATFORM, HTTP_AUTHORIZATION=f"Token {token}")

    assert issued.status_code == 200
    assert me.status_code == 200
    assert me.json()["email"] == "resident@example.org"


@pytest.mark.django_db
def test_wrong_password_gets_no_token(resident: User, api: APIClient) -> None:
    response = api.post(
        "/api/v1/auth/token/",
        {"email": "resident@example.org", "password": "wrong"},
        format="json",
        HTTP_HOST=PLATFORM,
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Unable to log in with this email and password."]
    }
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_token_can_be_revoked(resident: User, api: APIClient) -> None:
    token = Token.objects.create(user=resident)

    response = api.delete(
        "/api/v1/auth/token/revoke/", HTTP_HOST=PLATFORM, HTTP_AUTHORIZATION=f"Token {token.key}"
    )

    assert response.status_code == 204
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_me_needs_authentication(api: APIClient) -> None:
    response = api.get("/api/v1/me/", HTTP_HOST=PLATFORM)

    assert response.status_code in (401, 403)
    assert "detail" in response.json()


@pytest.mark.django_db
def test_me_shows_profile_and_active_memberships(
    botosani_staff: StaffMembership, api: APIClient
) -> None:
    response = as_user(api, botosani_staff.user).get("/api/v1/me/", HTTP_HOST=BOTOSANI)

    body = response.json()
    assert response.status_code == 200
    assert body["email"] == "staff@botosani.example"
    assert body["memberships"] == [
        {
            "municipality": "botosani",
            "role": "staff",
            "department": botosani_staff.department.name if botosani_staff.department else None,
            "modules": [],
        }
    ]
    assert "password" not in body


@pytest.mark.django_db
def test_me_patch_changes_only_the_given_fields(resident: User, api: APIClient) -> None:
    response = as_user(api, resident).patch(
        "/api/v1/me/", {"preferred_language": "en"}, format="json", HTTP_HOST=PLATFORM
    )

    resident.refresh_from_db()
    assert response.status_code == 200
    assert (resident.preferred_language, resident.full_name) == ("en", "Ana Popescu")
    assert response.json()["preferred_language"] == "en"


@pytest.mark.django_db
def test_me_patch_rejects_unknown_language(resident: User, api: APIClient) -> None:
    response = as_user(api, resident).patch(
        "/api/v1/me/", {"preferred_language": "xx", "full_name": "Other"}, format="json"
    )

    resident.refresh_from_db()
    assert response.status_code == 400
    assert list(response.json()) == ["preferred_language"]
    assert (resident.preferred_language, resident.full_name) == ("", "Ana Popescu")


# Notifications


def _notification(recipient: User, subject: str) -> Notification:
    return Notification.objects.create(
        recipient=recipient, kind="core.test", subject=subject, body="Body"
    )


@pytest.mark.django_db
def test_notifications_lists_only_my_inbox(
    resident: User, botosani_staff: StaffMembership, api: APIClient
) -> None:
    _notification(resident, "Mine")
    _notification(botosani_staff.user, "Someone else's")

    response = as_user(api, resident).get("/api/v1/notifications/", HTTP_HOST=PLATFORM)

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert [item["subject"] for item in response.json()["results"]] == ["Mine"]
    assert response.json()["results"][0]["is_read"] is False


@pytest.mark.django_db
def test_mark_notification_read(resident: User, api: APIClient) -> None:
    notification = _notification(resident, "Mine")

    response = as_user(api, resident).post(
        f"/api/v1/notifications/{notification.pk}/read/", HTTP_HOST=PLATFORM
    )

    notification.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert notification.read_at is not None


@pytest.mark.django_db
def test_cannot_mark_someone_elses_notification(
    resident: User, botosani_staff: StaffMembership, api: APIClient
) -> None:
    notification = _notification(botosani_staff.user, "Not yours")

    response = as_user(api, resident).post(
        f"/api/v1/notifications/{notification.pk}/read/", HTTP_HOST=PLATFORM
    )

    notification.refresh_from_db()
    assert response.status_code == 404
    assert notification.read_at is None


# Back office: departments


@pytest.mark.django_db
def test_admin_manages_departments_through_the_api(
    botosani_admin: StaffMembership, api: APIClient
) -> None:
    as_user(api, botosani_admin.user)

    created = api.post(
        "/api/v1/backoffice/departments/",
        {"name_ro": "Spații verzi", "name_en": "Green spaces"},
        format="json",
        HTTP_HOST=BOTOSANI,
    )
    department_id = created.json()["id"]
    patched = api.patch(
        f"/api/v1/backoffice/departments/{department_id}/",
        {"email": "verde@botosani.example"},
        format="json",
        HTTP_HOST=BOTOSANI,
    )
    listed = api.get("/api/v1/backoffice/departments/", HTTP_HOST=BOTOSANI)
    deleted = api.delete(f"/api/v1/backoffice/departments/{department_id}/", HTTP_HOST=BOTOSANI)

    assert created.status_code == 201
    assert created.json()["name_ro"] == "Spații verzi"
    assert patched.status_code == 200
    assert patched.json()["email"] == "verde@botosani.example"
    assert patched.json()["name_en"] == "Green spaces"
    assert "Spații verzi" in [item["name_ro"] for item in listed.json()["results"]]
    assert deleted.status_code == 204
    assert not Department.objects.filter(pk=department_id).exists()
    entries = list(AuditLogEntry.objects.order_by("id"))
    assert [entry.action for entry in entries] == ["create", "update", "delete"]
    assert entries[1].before == {"email": ""}
    assert entries[1].after == {"email": "verde@botosani.example"}


@pytest.mark.django_db
def test_duplicate_department_gets_a_json_error(
    botosani_admin: StaffMembership, api: APIClient
) -> None:
    DepartmentFactory(municipality=botosani_admin.municipality, name_ro="Urbanism")

    with translation.override("en"):
        response = as_user(api, botosani_admin.user).post(
            "/api/v1/backoffice/departments/",
            {"name_ro": "Urbanism"},
            format="json",
            HTTP_HOST=BOTOSANI,
            HTTP_COOKIE="digiplace_language=en",
        )

    assert response.status_code == 400
    assert response.json() == {
        "name_ro": ["This municipality already has a department with this name."]
    }
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "resident", "staff"])
def test_departments_need_an_administrator(
    who: str,
    botosani: Municipality,
    resident: User,
    botosani_staff: StaffMembership,
    api: APIClient,
) -> None:
    if who == "resident":
        as_user(api, resident)
    elif who == "staff":
        as_user(api, botosani_staff.user)

    listing = api.get("/api/v1/backoffice/departments/", HTTP_HOST=BOTOSANI)
    creation = api.post(
        "/api/v1/backoffice/departments/", {"name_ro": "X"}, format="json", HTTP_HOST=BOTOSANI
    )

    assert listing.status_code in (401, 403)
    assert creation.status_code in (401, 403)
    assert "detail" in listing.json()
    assert not Department.objects.filter(name_ro="X").exists()


@pytest.mark.django_db
def test_staff_endpoints_refuse_the_platform_host(
    botosani_admin: StaffMembership, api: APIClient
) -> None:
    response = as_user(api, botosani_admin.user).get(
        "/api/v1/backoffice/departments/", HTTP_HOST=PLATFORM
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Staff endpoints answer on a municipality's own host name."
    }


# Back office: staff and audit log


@pytest.mark.django_db
def test_staff_list(
    botosani_admin: StaffMembership, botosani_staff: StaffMembership, api: APIClient
) -> None:
    response = as_user(api, botosani_admin.user).get(
        "/api/v1/backoffice/staff/", HTTP_HOST=BOTOSANI
    )

    assert response.status_code == 200
    assert [item["email"] for item in response.json()["results"]] == [
        "admin@botosani.example",
        "staff@botosani.example",
    ]
    assert response.json()["results"][0]["role"] == "admin"


@pytest.mark.django_db
def test_audit_log_list_filters(botosani_admin: StaffMembership, api: APIClient) -> None:
    for action in ["create", "update", "update"]:
        AuditLogEntry.objects.create(
            municipality=botosani_admin.municipality,
            actor_label="x",
            action=action,
            target_type="core.Department",
            target_id="1",
            target_label="x",
            before={"email": "a"} if action == "update" else None,
            after={"email": "b"},
        )
    as_user(api, botosani_admin.user)

    everything = api.get("/api/v1/backoffice/audit-log/", HTTP_HOST=BOTOSANI)
    updates = api.get("/api/v1/backoffice/audit-log/?action=update", HTTP_HOST=BOTOSANI)
    bad = api.get("/api/v1/backoffice/audit-log/?action=explode", HTTP_HOST=BOTOSANI)

    assert everything.json()["count"] == 3
    assert updates.json()["count"] == 2
    assert updates.json()["results"][0]["before"] == {"email": "a"}
    assert bad.status_code == 400
    assert list(bad.json()) == ["action"]


@pytest.mark.django_db
def test_staff_member_cannot_read_staff_or_audit_log(
    botosani_staff: StaffMembership, api: APIClient
) -> None:
    as_user(api, botosani_staff.user)

    staff = api.get("/api/v1/backoffice/staff/", HTTP_HOST=BOTOSANI)
    audit = api.get("/api/v1/backoffice/audit-log/", HTTP_HOST=BOTOSANI)

    assert (staff.status_code, audit.status_code) == (403, 403)


# The committed schema


def test_committed_schema_matches_the_code() -> None:
    output = io.StringIO()
    with translation.override("en"):
        call_command("spectacular", "--validate", "--fail-on-warn", stdout=output)

    committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    assert output.getvalue() == committed, (
        f"schema/openapi.yaml is out of date with the API. Run: {SCHEMA_COMMAND}"
    )
