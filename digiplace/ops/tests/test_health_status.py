"""The platform's status page (/admin/status/): every section for a superuser, in English
and Romanian; refused to everyone else; failing tasks shown without their arguments."""

from __future__ import annotations

import datetime
import re
from typing import Any

import django
import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django import Settings

import digiplace
from digiplace.core.models import StaffMembership, User
from digiplace.core.tests.factories import UserFactory
from digiplace.ops.heartbeat import heartbeat_record
from digiplace.ops.models import BackupKind, BackupRun, BackupStatus, Heartbeat

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
PLATFORM = "127.0.0.1"


@pytest.fixture
def superuser(db: None) -> User:
    return UserFactory.create(email="root@platform.example", is_staff=True, is_superuser=True)


def _failed_task(task_path: str, *, hours_ago: float, args_kwargs: dict[str, Any]) -> None:
    DBTaskResult.objects.create(
        task_path=task_path,
        args_kwargs=args_kwargs,
        backend_name="default",
        queue_name="default",
        run_after=timezone.now(),
        status="FAILED",
        finished_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        exception_class_path="smtplib.SMTPServerDisconnected",
        traceback="Traceback: ana@example.org could not be reached",
    )


@pytest.fixture
def platform_state(settings: Settings) -> None:
    settings.TASKS = DATABASE_TASKS
    settings.READY_MIN_FREE_MB = 1
    Heartbeat.objects.create(name="worker", seen_at=timezone.now())
    heartbeat_record.enqueue()  # one task waiting
    _failed_task(
        "digiplace.core.tasks.email_send",
        hours_ago=1,
        args_kwargs={"args": [], "kwargs": {"to": ["ana@example.org"], "subject": "Hi"}},
    )
    _failed_task(
        "digiplace.core.tasks.notification_email_send",
        hours_ago=2,
        args_kwargs={"args": [], "kwargs": {"notification_id": 7}},
    )
    _failed_task("digiplace.waste.tasks.plan_make", hours_ago=3, args_kwargs={})
    # Older than a day: not counted.
    _failed_task("digiplace.core.tasks.email_send", hours_ago=30, args_kwargs={})
    now = timezone.now()
    BackupRun.objects.create(
        kind=BackupKind.NIGHTLY,
        status=BackupStatus.SUCCEEDED,
        started_at=now - datetime.timedelta(days=1),
        finished_at=now - datetime.timedelta(days=1) + datetime.timedelta(minutes=2),
        file_name="digiplace-20261130T010000Z.tar",
        size_bytes=5 * 1024 * 1024,
    )
    BackupRun.objects.create(
        kind=BackupKind.NIGHTLY,
        status=BackupStatus.FAILED,
        started_at=now - datetime.timedelta(hours=2),
        finished_at=now - datetime.timedelta(hours=2),
        error="pg_dump exited with status 1",
    )


def status_page(client: Client, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/admin/status/", HTTP_HOST=PLATFORM)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("platform_state")
def test_superuser_sees_every_section_in_english(client: Client, superuser: User) -> None:
    client.force_login(superuser)

    page = status_page(client, "en")

    for heading in (
        "Platform status",
        "Components",
        "Background processes",
        "Task queue",
        "Email delivery",
        "Backups",
        "Versions",
        "Disk use",
        "Modules",
    ):
        assert f">{heading}<" in page, heading
    # Each component's state in words.
    for label in ("Database", "Shared cache", "Task worker", "Disk space", "MQTT broker"):
        assert f'<th scope="row">{label}</th>' in page, label
    assert "Working" in page
    assert "Ready: every critical component works." in page
    # The queue: one waiting, three failures in 24 hours (not the older one), by name.
    assert "Tasks waiting</th><td>1</td>" in page
    assert "Failed in the last 24 hours</th><td>3</td>" in page
    assert "plan_make" in page and "SMTPServerDisconnected" in page
    assert "2 email tasks failed in the last 24 hours." in page
    assert "notification_email_send" in page
    # Backups: the last one (failed, with its error) and the last successful one.
    assert "Last backup" in page and "pg_dump exited with status 1" in page
    assert "Last successful backup" in page and "digiplace-20261130T010000Z.tar" in page
    assert "5.0\xa0MB" in page
    # Versions and migrations.
    assert digiplace.__version__ in page and django.get_version() in page
    assert "All applied." in page
    assert str(settings.MEDIA_ROOT) in page or "media" in page
    assert "MQTT ingest rate" in page and "readings per minute" in page
    assert "worker" in page
    # Tasks' arguments and tracebacks may hold personal data: never shown.
    assert "ana@example.org" not in page


@pytest.mark.django_db
@pytest.mark.usefixtures("platform_state")
def test_superuser_sees_every_section_in_romanian(client: Client, superuser: User) -> None:
    client.force_login(superuser)

    page = status_page(client, "ro")

    assert 'lang="ro"' in page
    for heading in (
        "Starea platformei",
        "Componente",
        "Procese în fundal",
        "Coada de sarcini",
        "Livrarea emailurilor",
        "Copii de siguranță",
        "Versiuni",
        "Utilizarea discului",
        "Module",
    ):
        assert f">{heading}<" in page, heading
    assert "Funcționează" in page
    assert "2 sarcini de email au eșuat în ultimele 24 de ore." in page
    assert "Ritmul de primire MQTT" in page
    assert "ana@example.org" not in page


@pytest.mark.django_db
def test_a_failing_critical_component_is_said_in_words(
    client: Client, superuser: User, settings: Settings
) -> None:
    settings.READY_MIN_FREE_MB = 1
    client.force_login(superuser)

    page = status_page(client, "en")

    # No heartbeat ever: the worker fails, and the page says so without colour.
    assert "Not ready: a critical component fails" in page
    assert "Failing" in page
    # Neither the worker nor the scheduler has shown a sign of life.
    assert page.count("Never seen") == 2
    assert page.count("None yet.") == 2


@pytest.mark.django_db
def test_signed_out_visitor_is_sent_to_the_admin_login(client: Client) -> None:
    response = client.get("/admin/status/", HTTP_HOST=PLATFORM)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_municipality_admin_is_refused(client: Client, botosani_admin: StaffMembership) -> None:
    client.force_login(botosani_admin.user)

    response = client.get("/admin/status/", HTTP_HOST=PLATFORM)

    # Not Django staff: the admin's login page, as for any admin page.
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_django_staff_without_superuser_is_refused(client: Client) -> None:
    staff = UserFactory.create(email="staff@platform.example", is_staff=True)
    client.force_login(staff)

    response = client.get("/admin/status/", HTTP_HOST=PLATFORM)

    assert response.status_code == 403


@pytest.mark.django_db
def test_admin_index_template_links_the_status_page(
    client: Client, superuser: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The template OpsConfig.ready names as the admin's index (admin.site.index_template).
    monkeypatch.setattr(admin.site, "index_template", "ops/admin_index.html")
    client.force_login(superuser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get("/admin/", HTTP_HOST=PLATFORM).content.decode()

    assert 'href="/admin/status/"' in page
    assert "Platform status: components, task queue, backups, disk" in page


@pytest.mark.django_db
def test_each_background_process_is_running_stopped_or_never_seen(
    client: Client, superuser: User, settings: Settings
) -> None:
    settings.URBANDATA_MQTT_URL = "mqtt://digiplace:secret@127.0.0.1:1883"
    now = timezone.now()
    Heartbeat.objects.create(name="worker", seen_at=now - datetime.timedelta(seconds=20))
    # Three minutes missed: the scheduler beats every minute.
    Heartbeat.objects.create(name="scheduler", seen_at=now - datetime.timedelta(minutes=4))
    client.force_login(superuser)

    page = status_page(client, "en")

    section = page[page.index('id="ops-processes"') : page.index('id="ops-queue"')]
    rows = section.split("<tr>")[2:]
    states = {
        label: state
        for label in (
            "MQTT ingest worker (manage.py urbandata_mqtt)",
            "Scheduler (manage.py scheduler)",
            "Task worker (manage.py db_worker)",
        )
        for row in rows
        if label in row
        for state in ("Running", "Stopped", "Never seen")
        if f"<strong>{state}</strong>" in row
    }
    assert states == {
        "MQTT ingest worker (manage.py urbandata_mqtt)": "Never seen",
        "Scheduler (manage.py scheduler)": "Stopped",
        "Task worker (manage.py db_worker)": "Running",
    }
    assert re.search(r"\(24\d seconds ago\)", section), section

    # Without a broker configured the MQTT worker is not expected, so not listed.
    settings.URBANDATA_MQTT_URL = ""
    page = status_page(client, "ro")
    section = page[page.index('id="ops-processes"') : page.index('id="ops-queue"')]
    assert "urbandata_mqtt" not in section
    assert "Planificator (manage.py scheduler)" in section
    assert "Oprit" in section and "Funcționează" in section
