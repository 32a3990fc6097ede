"""Signed-in pages from the shared cache, for their own session only, new after every write
they could show (core.page_cache, core.cache_versions); the login page for anonymous
visitors; streamed exports stored when small."""

from __future__ import annotations

import re
import types

import pytest
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, override_settings

from digiplace.core import services
from digiplace.core.backoffice_services import membership_update
from digiplace.core.models import (
    AuditAction,
    AuditLogEntry,
    Municipality,
    Notification,
    StaffMembership,
    User,
)
from digiplace.core.notifications import notification_send
from digiplace.core.page_cache import _buffered
from digiplace.core.tests.factories import PASSWORD, StaffMembershipFactory, UserFactory
from digiplace.reports.models import Report, ReportStatus
from digiplace.reports.services import report_change_status
from digiplace.reports.tests.factories import ReportFactory

BOTOSANI = "botosani.localhost"
TOKEN_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
QUEUE = "/backoffice/reports/"


def signed_in(user: User, host: str = BOTOSANI) -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def cached_twice(client: Client, path: str) -> str:
    """Visit twice (the second from the cache); the page's text."""
    first = client.get(path)
    assert first.status_code == 200, path
    assert first["X-Cache"] == "miss", path
    second = client.get(path)
    assert second["X-Cache"] == "hit", path
    return second.content.decode()


@pytest.fixture
def desk(botosani: Municipality) -> StaffMembership:
    """A member of staff with the reports desk."""
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="desk@botosani.example"),
        modules=["reports"],
    )


@pytest.fixture
def report(botosani: Municipality) -> Report:
    return ReportFactory.create(municipality=botosani, description="Groapă pe strada Pietății.")


def test_a_signed_in_page_is_stored_for_its_own_session_only(
    desk: StaffMembership, botosani_admin: StaffMembership, report: Report
) -> None:
    staff = signed_in(desk.user)
    page = staff.get(f"{QUEUE}?department=")
    assert page["X-Cache"] == "miss"
    assert page["Cache-Control"] == "private, no-cache", "never for a shared cache"
    hit = staff.get(f"{QUEUE}?department=")
    assert hit["X-Cache"] == "hit"
    assert hit["Cache-Control"] == "private, no-cache"
    assert "Groapă pe strada Pietății" in hit.content.decode()
    # Another person, and the same person in another session, render their own.
    assert signed_in(botosani_admin.user).get(QUEUE)["X-Cache"] == "miss"
    assert signed_in(desk.user).get(QUEUE)["X-Cache"] == "miss"
    # Nobody anonymous gets it: the back office sends them to the login page.
    anonymous = Client(HTTP_HOST=BOTOSANI).get(QUEUE)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_each_signed_in_answer_carries_the_sessions_own_csrf_token(
    desk: StaffMembership, report: Report
) -> None:
    staff = Client(HTTP_HOST=BOTOSANI, enforce_csrf_checks=True)
    staff.force_login(desk.user)
    path = f"/backoffice/reports/{report.pk}/"
    cached_twice(staff, path)
    page = staff.get(path)
    assert page["X-Cache"] == "hit"
    token = TOKEN_INPUT.search(page.content.decode())
    assert token is not None
    # A form of the cached page posts with Django's CSRF checks on, and its outcome (the
    # new status and the confirmation message) shows on the next page at once.
    changed = staff.post(
        f"/backoffice/reports/{report.pk}/status/",
        {"csrfmiddlewaretoken": token.group(1), "status": ReportStatus.IN_PROGRESS},
    )
    assert changed.status_code == 302
    after = staff.get(path)
    assert after.get("X-Cache") != "hit"
    assert "messages" in staff.cookies, "the confirmation waits in a cookie: no stored page"
    report.refresh_from_db()
    assert report.status == ReportStatus.IN_PROGRESS


def test_the_queue_shows_each_write_on_the_next_request(
    desk: StaffMembership, report: Report, timisoara: Municipality
) -> None:
    staff = signed_in(desk.user)
    before = cached_twice(staff, f"{QUEUE}?department=&status=")
    assert "Groapă pe strada Pietății" in before
    # A new report (a write of the reports module).
    ReportFactory.create(municipality=desk.municipality, description="Bancă ruptă.")
    page = staff.get(f"{QUEUE}?department=&status=")
    assert page["X-Cache"] == "miss"
    assert "Bancă ruptă" in page.content.decode()
    # A status change.
    report_change_status(report=report, actor=desk.user, status=ReportStatus.FIXED)
    closed = staff.get(f"{QUEUE}?department=&status=fixed")
    assert closed["X-Cache"] == "miss"
    assert "Groapă pe strada Pietății" in closed.content.decode()
    # Another city's write leaves the page where it was.
    assert staff.get(f"{QUEUE}?department=&status=fixed")["X-Cache"] == "hit"
    ReportFactory.create(municipality=timisoara)
    assert staff.get(f"{QUEUE}?department=&status=fixed")["X-Cache"] == "hit"


def test_a_notification_and_reading_it_show_at_once(botosani: Municipality, resident: User) -> None:
    client = signed_in(resident)
    assert 'id="unread-badge"' not in cached_twice(client, "/")
    notification = notification_send(
        recipient=resident, kind="test", subject="Raportul a fost rezolvat", body="Gata."
    )
    assert notification is not None
    page = client.get("/")
    assert page["X-Cache"] == "miss"
    assert 'id="unread-badge"' in page.content.decode()
    assert client.get("/")["X-Cache"] == "hit"
    # Marked read with QuerySet.update(), which sends no signal.
    assert services.notification_mark_all_read(user=resident) == 1
    page = client.get("/")
    assert page["X-Cache"] == "miss"
    assert 'id="unread-badge"' not in page.content.decode()
    assert Notification.objects.filter(recipient=resident, read_at__isnull=True).count() == 0


def test_a_membership_taken_away_closes_the_back_office_on_the_next_request(
    desk: StaffMembership, botosani_admin: StaffMembership
) -> None:
    staff = signed_in(desk.user)
    cached_twice(staff, QUEUE)
    membership_update(
        actor=botosani_admin.user,
        membership=desk,
        role=desk.role,
        department=desk.department,
        modules=["reports"],
        is_active=False,
    )
    assert staff.get(QUEUE).status_code == 403


def test_the_audit_log_shows_a_new_entry_at_once(botosani_admin: StaffMembership) -> None:
    admin = signed_in(botosani_admin.user)
    cached_twice(admin, "/backoffice/audit-log/")
    AuditLogEntry.objects.create(
        municipality=botosani_admin.municipality,
        actor=botosani_admin.user,
        actor_label="admin@botosani.example",
        action=AuditAction.UPDATE,
        target_type="test",
        target_id="1",
        target_label="Verificare din test",
    )
    page = admin.get("/backoffice/audit-log/")
    assert page["X-Cache"] == "miss"
    assert "Verificare din test" in page.content.decode()


def test_a_changed_name_and_a_deactivated_account_show_at_once(
    botosani: Municipality, resident: User
) -> None:
    client = signed_in(resident)
    assert "Ana Popescu" in cached_twice(client, "/accounts/profile/")
    User.objects.filter(pk=resident.pk).update(full_name="Ana Ionescu")
    page = client.get("/accounts/profile/")
    assert page["X-Cache"] == "miss"
    assert "Ana Ionescu" in page.content.decode()
    resident.refresh_from_db()
    resident.is_active = False
    resident.save()
    refused = client.get("/accounts/profile/")
    assert refused.status_code == 302, "signed out: the view ran again"


def test_signed_in_pages_are_new_after_their_time_window(
    botosani: Municipality, resident: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in(resident)
    now = 1_800_000_000.0
    clock = types.SimpleNamespace(time=lambda: now)
    monkeypatch.setattr("digiplace.core.page_cache.time", clock)
    cached_twice(client, "/accounts/profile/")
    now += settings.PRIVATE_PAGE_CACHE_SECONDS
    assert client.get("/accounts/profile/")["X-Cache"] == "miss"


def test_after_logout_the_old_session_gets_no_stored_page(
    botosani: Municipality, resident: User
) -> None:
    client = signed_in(resident)
    cached_twice(client, "/accounts/profile/")
    old_session = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/accounts/logout/")
    replay = Client(HTTP_HOST=BOTOSANI)
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_session
    answer = replay.get("/accounts/profile/")
    assert answer.status_code == 302
    assert "X-Cache" not in answer


def test_signed_in_data_is_never_public_to_a_shared_cache(
    botosani: Municipality, resident: User
) -> None:
    client = signed_in(resident)
    sitemap = client.get("/sitemap.xml")
    assert sitemap.status_code == 200
    assert sitemap["Cache-Control"] == "private, no-cache"
    assert client.get("/sitemap.xml")["Cache-Control"] == "private, no-cache"


def test_a_message_waiting_in_the_session_is_shown_not_a_stored_page(
    botosani: Municipality, resident: User
) -> None:
    client = signed_in(resident)
    cached_twice(client, "/accounts/profile/")
    session = client.session
    session["_messages"] = (
        '[["__json_message",0,25,"Profilul a fost salvat."]]'  # Django's session storage
    )
    session.save()
    page = client.get("/accounts/profile/")
    assert page["X-Cache"] == "miss"


# The login page


def test_the_login_page_comes_from_the_cache_and_signs_in_with_csrf_checks_on(
    botosani: Municipality,
) -> None:
    UserFactory.create(email="ioana@example.org")
    assert Client(HTTP_HOST=BOTOSANI).get("/accounts/login/")["X-Cache"] == "miss"
    visitor = Client(HTTP_HOST=BOTOSANI, enforce_csrf_checks=True)
    form = visitor.get("/accounts/login/?next=/reports/")
    assert form["X-Cache"] == "miss", "the query is part of the key"
    form = visitor.get("/accounts/login/?next=/reports/")
    assert form["X-Cache"] == "hit"
    assert form["Cache-Control"] == "private, no-cache"
    token = TOKEN_INPUT.search(form.content.decode())
    assert token is not None
    wrong = visitor.post(
        "/accounts/login/?next=/reports/",
        {"csrfmiddlewaretoken": token.group(1), "username": "ioana@example.org", "password": "x"},
    )
    assert wrong.status_code == 200
    assert "no-store" in wrong["Cache-Control"], "a form sent back is never cached"
    signed = visitor.post(
        "/accounts/login/?next=/reports/",
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": "ioana@example.org",
            "password": PASSWORD,
        },
    )
    assert signed.status_code == 302
    assert signed["Location"] == "/reports/"
    # Signed in, the login page sends the person on, uncached.
    again = visitor.get("/accounts/login/")
    assert again.status_code == 302
    assert "no-store" in again["Cache-Control"]


# Streamed exports


def test_a_small_stream_is_read_whole_and_a_large_one_streams_on_intact() -> None:
    def stream(parts: int) -> StreamingHttpResponse:
        response = StreamingHttpResponse(
            (f"row {number}\n".encode() for number in range(parts)), content_type="text/csv"
        )
        response["Content-Disposition"] = 'attachment; filename="rows.csv"'
        return response

    expected = b"".join(f"row {number}\n".encode() for number in range(50))
    with override_settings(PAGE_CACHE_MAX_BYTES=10_000):
        small = _buffered(stream(50))
        assert isinstance(small, HttpResponse)
        assert small.content == expected
        assert small["Content-Disposition"] == 'attachment; filename="rows.csv"'
    with override_settings(PAGE_CACHE_MAX_BYTES=100):
        large = _buffered(stream(50))
        assert isinstance(large, StreamingHttpResponse)
        assert b"".join(large.streaming_content) == expected  # type: ignore[arg-type]
