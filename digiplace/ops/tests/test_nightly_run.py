"""The worker's nightly backup: taken once at the backup hour with the real archive writer,
pruned by the retention rule (locally and in object storage), and its failures told to the
platform administrators and nobody else."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from digiplace.core.models import StaffRole, User
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.ops.archive import is_encrypted
from digiplace.ops.models import BackupKind, BackupRun, BackupStatus
from digiplace.ops.services.nightly import backup_nightly_prune, backup_nightly_run
from digiplace.ops.services.restore import backup_verify
from digiplace.ops.storage import backup_remote_list, backup_upload
from digiplace.ops.tasks import backup_nightly

from .test_nightly_storage import s3_bucket, s3_endpoint  # noqa: F401 (fixtures)

UTC = datetime.UTC


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def backup_dir(settings, tmp_path: Path) -> Path:
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "photos").mkdir(parents=True)
    (tmp_path / "media" / "photos" / "report.jpg").write_bytes(b"\xff\xd8 a photo")
    settings.BACKUP_HOUR_UTC = 1
    settings.BACKUP_PASSPHRASE = ""
    settings.BACKUP_S3_URL = ""
    settings.BACKUP_KEEP_DAILY = 7
    settings.BACKUP_KEEP_WEEKLY = 4
    settings.BACKUP_KEEP_MONTHLY = 6
    settings.PLATFORM_HOSTS = ["localhost", "platform.example.org"]
    settings.PUBLIC_SCHEME = "https"
    settings.PUBLIC_PORT = ""
    return tmp_path / "backups"


def nightly_record(backup_dir: Path, day: str, *, time: str = "01:00:07", **fields) -> BackupRun:
    """A past nightly backup made directly: its record and a small file in its place."""
    started = at(f"{day}T{time}")
    name = f"digiplace-{started:%Y%m%dT%H%M%SZ}.tar"
    backup_dir.mkdir(parents=True, exist_ok=True)
    (backup_dir / name).write_bytes(b"archive of " + day.encode())
    defaults = {
        "kind": BackupKind.NIGHTLY,
        "status": BackupStatus.SUCCEEDED,
        "started_at": started,
        "finished_at": started + datetime.timedelta(seconds=20),
        "file_name": name,
        "size_bytes": 19,
    }
    return BackupRun.objects.create(**(defaults | fields))


def days_between(first: str, last: str) -> list[str]:
    day = datetime.date.fromisoformat(first)
    days = []
    while day <= datetime.date.fromisoformat(last):
        days.append(day.isoformat())
        day += datetime.timedelta(days=1)
    return days


@pytest.mark.django_db(transaction=True)
def test_at_the_hour_the_archive_is_written_verified_and_recorded(
    backup_dir: Path, botosani
) -> None:
    run = backup_nightly_run(now=at("2026-12-01T01:00:04"))

    assert run is not None
    run.refresh_from_db()
    assert (run.kind, run.status, run.error, run.remote_url, run.pruned_at) == (
        BackupKind.NIGHTLY,
        BackupStatus.SUCCEEDED,
        "",
        "",
        None,
    )
    assert run.file_name == "digiplace-20261201T010004Z.tar"
    archive = backup_dir / run.file_name
    assert sorted(path.name for path in backup_dir.iterdir()) == [run.file_name]
    assert run.size_bytes == archive.stat().st_size
    assert run.started_at == at("2026-12-01T01:00:04")
    assert run.finished_at is not None and run.finished_at >= run.started_at
    manifest = backup_verify(path=archive)
    assert "botosani" in str(manifest)
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_archive_with_the_passphrase(backup_dir: Path, settings) -> None:
    settings.BACKUP_PASSPHRASE = "correct horse battery staple"

    run = backup_nightly_run(now=at("2026-12-01T01:00:00"))

    assert run is not None and run.status == BackupStatus.SUCCEEDED
    assert run.file_name == "digiplace-20261201T010000Z.tar.age"
    assert run.encrypted
    # Decrypting is the restore's tests' part (scrypt takes seconds); the header says age.
    assert is_encrypted(backup_dir / run.file_name)


@pytest.mark.django_db(transaction=True)
def test_only_at_the_hour_and_once_a_day(backup_dir: Path) -> None:
    for other_hour in ("2026-12-01T00:59:59", "2026-12-01T02:00:00", "2026-12-01T13:01:00"):
        assert backup_nightly_run(now=at(other_hour)) is None
    assert not BackupRun.objects.exists()

    first = backup_nightly_run(now=at("2026-12-01T01:00:00"))
    again = backup_nightly_run(now=at("2026-12-01T01:30:00"))
    next_night = backup_nightly_run(now=at("2026-12-02T01:00:00"))

    assert first is not None and first.status == BackupStatus.SUCCEEDED
    assert again is None
    assert next_night is not None and next_night.status == BackupStatus.SUCCEEDED
    assert BackupRun.objects.count() == 2
    # A time in another zone is read in UTC: 03:00 in Bucharest (winter) is 01:00 UTC.
    bucharest = datetime.timezone(datetime.timedelta(hours=2))
    assert backup_nightly_run(now=datetime.datetime(2026, 12, 3, 3, 0, tzinfo=bucharest))
    assert BackupRun.objects.count() == 3


def test_nothing_while_a_nightly_backup_of_the_day_runs_or_after_one_succeeded(
    backup_dir: Path, db
) -> None:
    # Running: another worker is taking it.
    nightly_record(backup_dir, "2026-12-01", status=BackupStatus.RUNNING, finished_at=None)
    assert backup_nightly_run(now=at("2026-12-01T01:10:00")) is None

    BackupRun.objects.update(status=BackupStatus.SUCCEEDED)
    assert backup_nightly_run(now=at("2026-12-01T01:20:00")) is None
    assert BackupRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_manual_backup_or_a_failed_night_does_not_stand_for_the_night_s_backup(
    backup_dir: Path,
) -> None:
    nightly_record(backup_dir, "2026-12-01", time="00:30:00", kind=BackupKind.MANUAL)
    nightly_record(backup_dir, "2026-12-01", time="01:00:00", status=BackupStatus.FAILED)

    run = backup_nightly_run(now=at("2026-12-01T01:20:00"))

    assert run is not None and run.status == BackupStatus.SUCCEEDED
    assert BackupRun.objects.filter(status=BackupStatus.SUCCEEDED).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_run_left_running_on_an_earlier_day_is_closed_as_failed(backup_dir: Path) -> None:
    stale = nightly_record(backup_dir, "2026-11-30", status=BackupStatus.RUNNING, finished_at=None)
    (backup_dir / f"{stale.file_name}.partial").write_bytes(b"half")

    run = backup_nightly_run(now=at("2026-12-01T01:00:00"))

    stale.refresh_from_db()
    assert run is not None and run.status == BackupStatus.SUCCEEDED
    assert stale.status == BackupStatus.FAILED
    assert stale.error == "The backup did not finish: the worker stopped while it ran."
    assert stale.finished_at == at("2026-12-01T01:00:00")
    assert not (backup_dir / f"{stale.file_name}.partial").exists()


@pytest.mark.django_db(transaction=True)
def test_a_month_and_a_half_of_nights_keeps_exactly_the_rule_s_backups(backup_dir: Path) -> None:
    # Given nightly backups from 15 October to 30 November 2026, a manual backup of
    # September, a failed night and an archive an administrator put there by hand
    old_days = days_between("2026-10-15", "2026-11-30")
    for day in old_days:
        nightly_record(backup_dir, day)
    manual = nightly_record(backup_dir, "2026-09-01", kind=BackupKind.MANUAL)
    failed = nightly_record(
        backup_dir, "2026-11-10", time="01:30:00", status=BackupStatus.FAILED, file_name=""
    )
    (backup_dir / "digiplace-20261110T013000Z.tar").unlink()
    (backup_dir / "before-upgrade.tar").write_bytes(b"kept by hand")

    # When the worker takes Tuesday 1 December's backup
    run = backup_nightly_run(now=at("2026-12-01T01:00:00"))

    # Then the last 7 days, the newest of ISO weeks 47 and 46 (weeks 49 and 48 are among the
    # days) and the newest of October (December's and November's are among the days) remain
    assert run is not None and run.status == BackupStatus.SUCCEEDED
    kept_days = [*days_between("2026-11-25", "2026-11-30"), "2026-11-22", "2026-11-15"]
    kept_days.append("2026-10-31")
    expected_files = {f"digiplace-{day.replace('-', '')}T010007Z.tar" for day in kept_days} | {
        run.file_name,
        manual.file_name,
        "before-upgrade.tar",
    }
    assert {path.name for path in backup_dir.iterdir()} == expected_files
    pruned = BackupRun.objects.filter(pruned_at__isnull=False)
    assert pruned.count() == len(old_days) - len(kept_days) == 38
    assert set(pruned.values_list("pruned_at", flat=True)) == {run.finished_at}
    assert not pruned.filter(kind=BackupKind.MANUAL).exists()
    failed.refresh_from_db()
    assert failed.pruned_at is None
    kept_records = BackupRun.objects.filter(
        kind=BackupKind.NIGHTLY, status=BackupStatus.SUCCEEDED, pruned_at__isnull=True
    )
    assert {record.file_name for record in kept_records} == expected_files - {
        manual.file_name,
        "before-upgrade.tar",
    }

    # And pruning again deletes nothing more
    assert backup_nightly_prune(now=at("2026-12-01T02:00:00")) == []


def test_pruning_keeps_a_day_s_newest_run_and_retries_what_it_could_not_delete(
    backup_dir: Path, db
) -> None:
    earlier = nightly_record(backup_dir, "2026-12-01")
    later = nightly_record(backup_dir, "2026-12-01", time="01:40:00")
    # A folder where the file should be cannot be unlinked: the run stays unmarked.
    (backup_dir / earlier.file_name).unlink()
    (backup_dir / earlier.file_name).mkdir()

    assert backup_nightly_prune(now=at("2026-12-01T02:00:00")) == []
    (backup_dir / earlier.file_name).rmdir()
    assert backup_nightly_prune(now=at("2026-12-02T02:00:00")) == [earlier]

    later.refresh_from_db()
    assert later.pruned_at is None
    assert [path.name for path in backup_dir.iterdir()] == [later.file_name]


@pytest.mark.django_db(transaction=True)
def test_the_copy_in_object_storage_is_uploaded_and_pruned_remotely(
    backup_dir: Path,
    s3_bucket: str,  # noqa: F811
    settings,
) -> None:
    # Given ten earlier nights, each copied to the bucket, and the rule keeping 3 days only
    for day in days_between("2026-11-21", "2026-11-30"):
        record = nightly_record(backup_dir, day)
        record.remote_url = backup_upload(backup_dir / record.file_name)
        record.save()

    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY = 3, 0, 0

    run = backup_nightly_run(now=at("2026-12-01T01:00:00"))

    assert run is not None
    run.refresh_from_db()

    assert run.status == BackupStatus.SUCCEEDED
    assert run.remote_url == f"s3://{s3_bucket}/nightly/digiplace-20261201T010000Z.tar"
    remote = {item.url: item.size_bytes for item in backup_remote_list()}
    assert remote == {
        f"s3://{s3_bucket}/nightly/digiplace-20261129T010007Z.tar": 21,
        f"s3://{s3_bucket}/nightly/digiplace-20261130T010007Z.tar": 21,
        run.remote_url: run.size_bytes,
    }
    assert sorted(path.name for path in backup_dir.iterdir()) == [
        "digiplace-20261129T010007Z.tar",
        "digiplace-20261130T010007Z.tar",
        run.file_name,
    ]


def platform_people() -> dict[str, User]:
    """Two platform administrators (English, Romanian), one who left, a city's
    administrator and a resident: only the first two are told."""
    english = UserFactory.create(
        email="ops@example.org", is_superuser=True, is_staff=True, preferred_language="en"
    )
    romanian = UserFactory.create(
        email="admin@example.ro", is_superuser=True, is_staff=True, preferred_language="ro"
    )
    UserFactory.create(email="gone@example.org", is_superuser=True, is_active=False)
    StaffMembershipFactory.create(
        user=UserFactory.create(email="city-admin@example.org", is_staff=True),
        role=StaffRole.ADMIN,
    )
    UserFactory.create(email="resident@example.org")
    return {"en": english, "ro": romanian}


@pytest.mark.django_db(transaction=True)
def test_a_failed_backup_is_recorded_and_each_platform_administrator_emailed(
    backup_dir: Path, settings, tmp_path: Path
) -> None:
    platform_people()
    # The backup folder cannot be made: a file stands where its parent folder should be.
    (tmp_path / "not-a-folder").write_text("a file")
    settings.BACKUP_DIR = tmp_path / "not-a-folder" / "backups"

    run = backup_nightly_run(now=at("2026-12-01T01:00:00"))

    assert run is not None
    run.refresh_from_db()
    assert run.status == BackupStatus.FAILED
    assert run.error.startswith(
        "Writing the archive failed (no archive was kept from this night): NotADirectoryError:"
    )
    assert run.finished_at is not None and run.size_bytes is None and run.file_name == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == ["media", "not-a-folder"]
    assert (tmp_path / "not-a-folder").read_text() == "a file"
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin@example.ro",
        "ops@example.org",
    ]
    [english] = [message for message in mail.outbox if message.to == ["ops@example.org"]]
    assert english.subject == "DigiPlace: the nightly backup failed"
    assert "The nightly backup started at 2026-12-01 01:00 (UTC) failed." in english.body
    assert "Writing the archive failed (no archive was kept from this night)" in english.body
    assert "https://platform.example.org/admin/status/" in english.body
    assert english.extra_headers["X-DigiPlace-Kind"] == "ops.backup_failed"


@pytest.mark.django_db(transaction=True)
def test_a_database_the_backup_cannot_read_fails_it_and_leaves_no_file(
    backup_dir: Path, monkeypatch
) -> None:
    platform_people()
    # The archive writer opens its own connection (pg_dump's snapshot) or file (SQLite's
    # backup API) from the connection's settings; the test's open connection is unaffected.
    monkeypatch.setitem(
        connection.settings_dict,
        "NAME",
        "no_such_database" if connection.vendor == "postgresql" else str(backup_dir / "gone.db"),
    )

    run = backup_nightly_run(now=at("2026-12-01T01:00:00"))

    assert run is not None
    run.refresh_from_db()
    assert run.status == BackupStatus.FAILED
    assert run.error.startswith(
        "Writing the archive failed (no archive was kept from this night): "
    )
    assert "\n" not in run.error
    assert [path.name for path in backup_dir.iterdir()] == []
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_a_failed_upload_fails_the_night_but_keeps_the_archive(
    backup_dir: Path,
    s3_bucket: str,  # noqa: F811
    settings,
) -> None:
    platform_people()
    settings.BACKUP_S3_URL = "s3://no-such-bucket/nightly"
    old = nightly_record(backup_dir, "2026-10-01")

    run = backup_nightly_run(now=at("2026-12-01T01:00:00"))

    assert run is not None
    run.refresh_from_db()
    assert run.status == BackupStatus.FAILED
    assert run.error.startswith(
        "The copy to object storage failed (the archive stays on the server): "
        "BackupStorageError: Object storage refused the request:"
    )
    assert "NoSuchBucket" in run.error
    assert run.remote_url == ""
    assert run.size_bytes == (backup_dir / run.file_name).stat().st_size
    # A failed night prunes nothing.
    old.refresh_from_db()
    assert old.pruned_at is None
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_the_task_takes_the_backup_at_the_hour_only(backup_dir: Path, settings) -> None:
    settings.BACKUP_HOUR_UTC = (timezone.now().astimezone(UTC).hour + 12) % 24
    assert backup_nightly.enqueue().return_value is None

    # The task reads the clock: an hour that ends between the two readings is tried again.
    for _attempt in range(2):
        BackupRun.objects.all().delete()
        hour = timezone.now().astimezone(UTC).hour
        settings.BACKUP_HOUR_UTC = hour
        result = backup_nightly.enqueue()
        if timezone.now().astimezone(UTC).hour == hour:
            break

    assert result.return_value == BackupRun.objects.get(status=BackupStatus.SUCCEEDED).pk
