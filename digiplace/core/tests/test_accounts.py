"""Accounts: registration, confirmation, login and lockout, password reset, profile,
data download, account deletion and the inbox."""

import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digiplace.core.models import Municipality, Notification, User
from digiplace.core.tests.factories import PASSWORD, UserFactory

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

BOTOSANI = "botosani.localhost:8000"
STRONG_PASSWORD = "plum-orchard-lantern-91"


@pytest.fixture
def city_client(botosani: Municipality) -> Client:
    return Client(HTTP_HOST=BOTOSANI)


@pytest.fixture
def resident_client(city_client: Client, resident: User) -> Client:
    city_client.force_login(resident)
    return city_client


def registration(**overrides: str) -> dict[str, str]:
    data = {
        "email": "Maria.Ionescu@Example.org",
        "full_name": "Maria Ionescu",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        "preferred_language": "ro",
    }
    return {**data, **overrides}


def error_codes(response: Any, field: str) -> list[str]:
    return [error.code for error in response.context["form"].errors.as_data()[field]]


def notification_for(user: User, subject: str, minutes_ago: int, is_read: bool = False) -> Any:
    created_at = timezone.now() - timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        recipient=user,
        kind="test",
        subject=subject,
        body=f"Body of {subject}",
        created_at=created_at,
        read_at=created_at if is_read else None,
    )


# Registration and confirmation


@pytest.mark.django_db
def test_registration_creates_inactive_account_and_emails_a_link_to_the_same_host(
    city_client: Client, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = city_client.post("/accounts/register/", registration())

    assert response.status_code == 302
    assert response["Location"] == "/accounts/register/sent/"
    user = User.objects.get()
    assert user.email == "maria.ionescu@example.org"
    assert user.full_name == "Maria Ionescu"
    assert user.preferred_language == "ro"
    assert user.is_active is False
    assert user.email_confirmed_at is None
    assert user.check_password(STRONG_PASSWORD)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria.ionescu@example.org"]
    # In the language of the page the person registered on (Romanian by default).
    assert message.subject == "Confirmați adresa de e-mail pentru Municipiul Botoșani"
    assert re.search(
        r"^http://botosani\.localhost:8000/accounts/confirm/[\w-]+/[\w-]+/$",
        str(message.body),
        re.MULTILINE,
    )


@pytest.mark.django_db
def test_no_confirmation_email_before_the_account_is_committed(
    city_client: Client, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        city_client.post("/accounts/register/", registration())

    assert mail.outbox == []
    for callback in callbacks:  # the commit
        callback()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_confirmation_link_activates_the_account_once(
    city_client: Client, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        city_client.post("/accounts/register/", registration())
    link = re.search(r"http://\S+", str(mail.outbox[0].body))
    assert link is not None

    response = city_client.get(link.group(0))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    user = User.objects.get()
    assert user.is_active is True
    assert user.email_confirmed_at is not None
    login = city_client.post(
        "/accounts/login/", {"username": "maria.ionescu@example.org", "password": STRONG_PASSWORD}
    )
    assert login.status_code == 302
    city_client.post("/accounts/logout/")
    assert city_client.get(link.group(0)).status_code == 400


@pytest.mark.django_db
def test_confirmation_link_with_a_forged_token_is_refused(
    city_client: Client, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        city_client.post("/accounts/register/", registration())
    link = re.search(r"http://\S+/confirm/([\w-]+)/", str(mail.outbox[0].body))
    assert link is not None

    response = city_client.get(f"/accounts/confirm/{link.group(1)}/abc-123/")

    assert response.status_code == 400
    assert User.objects.get().is_active is False


@pytest.mark.django_db
def test_registration_form_offers_the_page_language_by_default(city_client: Client) -> None:
    romanian = city_client.get("/accounts/register/")
    city_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = city_client.get("/accounts/register/")

    assert romanian.context["form"]["preferred_language"].value() == "ro"
    assert english.context["form"]["preferred_language"].value() == "en"


@pytest.mark.django_db
def test_taken_email_is_refused_in_romanian_and_creates_nothing(
    city_client: Client, resident: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = city_client.post(
            "/accounts/register/", registration(email="RESIDENT@example.org")
        )

    assert response.status_code == 200
    assert response.headers["Content-Language"] == "ro"
    assert error_codes(response, "email") == ["email_taken"]
    assert list(User.objects.values_list("email", flat=True)) == ["resident@example.org"]
    assert mail.outbox == []


@pytest.mark.django_db
def test_weak_password_is_refused_in_romanian_and_creates_nothing(
    city_client: Client, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = city_client.post(
            "/accounts/register/", registration(password1="12345678", password2="12345678")
        )

    page = response.content.decode()
    assert response.status_code == 200
    assert error_codes(response, "password2") == [
        "password_too_short",
        "password_too_common",
        "password_entirely_numeric",
    ]
    # Django 5.2's catalogue lacks Romanian for the reworded "too short" message.
    assert "Această parolă este prea răspândită." in page
    assert "Acestă parolă este compusă exclusiv din elemente numerice." in page
    assert User.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_weak_password_is_refused_in_english_when_the_visitor_chose_english(
    city_client: Client,
) -> None:
    city_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = city_client.post(
        "/accounts/register/", registration(password1="12345678", password2="12345678")
    )

    page = response.content.decode()
    assert response.headers["Content-Language"] == "en"
    assert "This password is too short. It must contain at least 10 characters." in page
    assert "This password is too common." in page
    assert "This password is entirely numeric." in page
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_mismatched_passwords_are_refused(city_client: Client) -> None:
    response = city_client.post(
        "/accounts/register/", registration(password2="plum-orchard-lantern-92")
    )

    assert error_codes(response, "password2") == ["password_mismatch"]
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_registration_page_labels_fields_for_autofill(city_client: Client) -> None:
    page = city_client.get("/accounts/register/").content.decode()

    assert "<h1>" in page
    assert 'autocomplete="email"' in page
    assert 'autocomplete="name"' in page
    assert page.count('autocomplete="new-password"') == 2


# Login, lockout, logout


@pytest.mark.django_db
def test_login_with_email_in_any_case_and_password(city_client: Client, resident: User) -> None:
    response = city_client.post(
        "/accounts/login/", {"username": "Resident@Example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert city_client.session["_auth_user_id"] == str(resident.pk)


@pytest.mark.django_db
def test_login_page_labels_the_username_field_email(city_client: Client) -> None:
    page = city_client.get("/accounts/login/").content.decode()

    assert '<label for="id_username">E-mail:</label>' in page
    assert 'name="username"' in page
    assert 'autocomplete="current-password"' in page


@pytest.mark.django_db
def test_unconfirmed_account_cannot_log_in(city_client: Client) -> None:
    UserFactory.create(email="new@example.org", is_active=False, email_confirmed_at=None)

    response = city_client.post(
        "/accounts/login/", {"username": "new@example.org", "password": PASSWORD}
    )

    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["__all__"][0].code == "invalid_login"
    assert "_auth_user_id" not in city_client.session


@pytest.mark.django_db
def test_five_failed_logins_lock_the_account_out(city_client: Client, resident: User) -> None:
    wrong = {"username": "resident@example.org", "password": "not-the-password"}
    statuses = [city_client.post("/accounts/login/", wrong).status_code for _attempt in range(5)]

    right_password = city_client.post(
        "/accounts/login/", {"username": "resident@example.org", "password": PASSWORD}
    )

    assert statuses == [200, 200, 200, 200, 429]
    assert right_password.status_code == 429
    assert "core/account/locked_out.html" in [t.name for t in right_password.templates]
    assert "_auth_user_id" not in city_client.session


@pytest.mark.django_db
def test_logout_by_post(resident_client: Client) -> None:
    response = resident_client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in resident_client.session


# Password reset


@pytest.mark.django_db
def test_password_reset_emails_a_link_that_sets_a_new_password(
    city_client: Client, resident: User, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = city_client.post("/accounts/password-reset/", {"email": "resident@example.org"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["resident@example.org"]
    assert mail.outbox[0].subject == "Resetați-vă parola pe Municipiul Botoșani"
    link = re.search(
        r"http://botosani\.localhost:8000(/accounts/password-reset/\S+/)", str(mail.outbox[0].body)
    )
    assert link is not None
    form_page = city_client.get(link.group(1), follow=True)
    assert form_page.context["validlink"] is True
    done = city_client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD},
    )
    assert done["Location"] == "/accounts/password-reset/complete/"
    resident.refresh_from_db()
    assert resident.check_password(STRONG_PASSWORD)


@pytest.mark.django_db
def test_password_reset_for_an_unknown_email_sends_nothing(
    city_client: Client, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = city_client.post("/accounts/password-reset/", {"email": "nobody@example.org"})

    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


# Profile


@pytest.mark.django_db
def test_profile_update_saves_preferences_and_switches_the_page_language(
    resident_client: Client, resident: User
) -> None:
    response = resident_client.post(
        "/accounts/profile/",
        {"full_name": "Ana Maria Popescu", "preferred_language": "en", "notify_in_app": "on"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    resident.refresh_from_db()
    assert resident.full_name == "Ana Maria Popescu"
    assert resident.preferred_language == "en"
    assert resident.notify_in_app is True
    assert resident.notify_by_email is False
    page = resident_client.get("/accounts/profile/")
    assert page.headers["Content-Language"] == "en"
    assert "Your profile is saved." in page.content.decode()


@pytest.mark.django_db
def test_profile_update_without_name_changes_nothing(
    resident_client: Client, resident: User
) -> None:
    response = resident_client.post(
        "/accounts/profile/", {"full_name": " ", "preferred_language": "en"}
    )

    assert response.status_code == 200
    assert error_codes(response, "full_name") == ["required"]
    resident.refresh_from_db()
    assert resident.full_name == "Ana Popescu"
    assert resident.notify_by_email is True


# Data download


@pytest.mark.django_db
def test_data_download_is_a_json_attachment_with_the_account(
    resident_client: Client, resident: User
) -> None:
    notification_for(resident, "Street repaired", minutes_ago=5)

    response = resident_client.get("/accounts/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="digiplace-my-data.json"'
    data = json.loads(response.content)
    assert data["sections"]["account"]["email"] == "resident@example.org"
    assert data["sections"]["account"]["full_name"] == "Ana Popescu"
    assert [item["subject"] for item in data["sections"]["notifications"]] == ["Street repaired"]


# Account deletion


@pytest.mark.django_db
def test_account_deletion_with_a_wrong_password_deletes_nothing(
    resident_client: Client, resident: User
) -> None:
    notification_for(resident, "Street repaired", minutes_ago=5)

    response = resident_client.post("/accounts/delete/", {"password": "not-the-password"})

    assert response.status_code == 200
    assert error_codes(response, "password") == ["password_incorrect"]
    assert User.objects.filter(pk=resident.pk).exists()
    assert Notification.objects.filter(recipient=resident).count() == 1
    assert resident_client.session["_auth_user_id"] == str(resident.pk)


@pytest.mark.django_db
def test_account_deletion_with_the_password_removes_the_person_and_their_data(
    resident_client: Client, resident: User
) -> None:
    resident_id = resident.pk
    notification_for(resident, "Street repaired", minutes_ago=5)
    other = UserFactory.create(email="other@example.org")
    notification_for(other, "Not yours", minutes_ago=5)

    response = resident_client.post("/accounts/delete/", {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=resident_id).exists()
    assert not Notification.objects.filter(recipient_id=resident_id).exists()
    assert list(Notification.objects.values_list("subject", flat=True)) == ["Not yours"]
    assert "_auth_user_id" not in resident_client.session


# Inbox


@pytest.mark.django_db
def test_inbox_lists_newest_first_and_marks_unread(resident_client: Client, resident: User) -> None:
    notification_for(resident, "Older and read", minutes_ago=60, is_read=True)
    notification_for(resident, "Newest unread", minutes_ago=1)
    notification_for(UserFactory.create(email="other@example.org"), "Not yours", minutes_ago=2)

    response = resident_client.get("/accounts/inbox/")

    page = response.content.decode()
    assert response.status_code == 200
    assert [item.subject for item in response.context["notifications"]] == [
        "Newest unread",
        "Older and read",
    ]
    assert "Not yours" not in page
    assert page.count("notification--unread") == 1
    assert page.index("Newest unread") < page.index("Older and read")


@pytest.mark.django_db
def test_inbox_queries_do_not_grow_with_the_number_of_notifications(
    resident_client: Client, resident: User, botosani: Municipality
) -> None:
    notification_for(resident, "Only one", minutes_ago=1)
    resident_client.get("/accounts/inbox/")  # warms the host cache
    # Each measured request is rendered, not served from the page cache: a query of its own.
    with CaptureQueriesContext(connection) as one:
        resident_client.get("/accounts/inbox/?measure=1")
    for minutes_ago in range(2, 12):
        Notification.objects.create(
            recipient=resident,
            municipality=botosani,
            kind="test",
            subject=f"n{minutes_ago}",
            body="",
            created_at=timezone.now() - timedelta(minutes=minutes_ago),
        )

    with CaptureQueriesContext(connection) as eleven:
        resident_client.get("/accounts/inbox/?measure=2")

    assert len(eleven.captured_queries) == len(one.captured_queries)


@pytest.mark.django_db
def test_marking_one_read_with_htmx_returns_the_updated_list(
    resident_client: Client, resident: User
) -> None:
    first = notification_for(resident, "First", minutes_ago=2)
    second = notification_for(resident, "Second", minutes_ago=1)

    response = resident_client.post(
        f"/accounts/inbox/{first.pk}/read/", {"page": "1"}, HTTP_HX_REQUEST="true"
    )

    fragment = response.content.decode()
    assert response.status_code == 200
    assert fragment.startswith('<section id="inbox"')
    assert "<html" not in fragment
    assert fragment.count("notification--unread") == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


@pytest.mark.django_db
def test_marking_all_read_without_htmx_redirects_to_the_inbox(
    resident_client: Client, resident: User
) -> None:
    notification_for(resident, "First", minutes_ago=2)
    notification_for(resident, "Second", minutes_ago=1)

    response = resident_client.post("/accounts/inbox/read-all/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/inbox/"
    assert not Notification.objects.filter(recipient=resident, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_marking_all_read_goes_back_to_the_page_only_when_it_is_a_number(
    resident_client: Client,
) -> None:
    for page, location in [
        ("3", "/accounts/inbox/?page=3"),
        ("²", "/accounts/inbox/"),
        ("99999999999999999999999", "/accounts/inbox/"),
        ("0", "/accounts/inbox/"),
    ]:
        response = resident_client.post("/accounts/inbox/read-all/", {"page": page})
        assert response["Location"] == location, page


@pytest.mark.django_db
def test_someone_elses_notification_cannot_be_marked_read(resident_client: Client) -> None:
    foreign = notification_for(
        UserFactory.create(email="other@example.org"), "Theirs", minutes_ago=1
    )

    response = resident_client.post(f"/accounts/inbox/{foreign.pk}/read/")

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None


# Access


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/accounts/profile/",
        "/accounts/export/",
        "/accounts/delete/",
        "/accounts/inbox/",
        "/accounts/password/",
    ],
)
def test_anonymous_visitors_are_sent_to_login(city_client: Client, path: str) -> None:
    response = city_client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.django_db
def test_anonymous_visitor_cannot_mark_notifications_read(
    city_client: Client, resident: User
) -> None:
    notification = notification_for(resident, "First", minutes_ago=1)

    response = city_client.post("/accounts/inbox/read-all/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/inbox/read-all/"
    notification.refresh_from_db()
    assert notification.read_at is None
