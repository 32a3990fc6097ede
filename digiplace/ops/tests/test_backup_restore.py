"""``backup_create`` / ``backup_restore`` and the ``backup`` and ``restore`` commands, on the
test suite's database (SQLite on one pass, PostgreSQL on the other).

The restore targets are new databases: on SQLite a temporary file, on PostgreSQL a database
created on the test server (``CREATE DATABASE``) and dropped afterwards. Tests run with
committed data (``transaction=True``): pg_dump and SQLite's backup read from connections of
their own.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, models
from django.db.migrations.recorder import MigrationRecorder
from django.utils import translation

from digiplace.core.models import Municipality
from digiplace.core.tests.databases import database_url
from digiplace.core.tests.factories import MunicipalityFactory, UserFactory
from digiplace.ops import archive
from digiplace.ops.services.backup import BackupError, backup_create, model_tables
from digiplace.ops.services.restore import RestoreError, backup_restore, backup_verify
from digiplace.ops.tests.aliases import alias_forget, alias_register, sqlite_make
from digiplace.ops.transfer import models_ordered, rows_copy
from digiplace.plans.models import Project
from digiplace.plans.tests.factories import ProjectFactory
from digiplace.reports.models import Report, ReportPhoto
from digiplace.reports.tests.factories import ReportFactory, ReportPhotoFactory
from digiplace.urbandata.models import Reading
from digiplace.urbandata.tests.factories import EntityFactory

ROOT = Path(__file__).resolve().parents[3]
PHOTO_BYTES = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"
DESCRIPTION = "Groapă în asfalt pe strada Ștefan cel Mare."

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _english() -> None:
    translation.activate("en")


def _database_create(name: str, *, template: str | None = None) -> None:
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            f"CREATE DATABASE {quote(name)}" + (f" TEMPLATE {quote(template)}" if template else "")
        )


def _database_drop(name: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")


@pytest.fixture
def target(tmp_path: Path) -> Iterator[str]:
    """An empty database, not even created (SQLite) or with no tables (PostgreSQL)."""
    alias = f"restored_{uuid.uuid4().hex[:8]}"
    if connection.vendor == "sqlite":
        alias_register(
            alias,
            {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "restored.sqlite3")},
        )
        yield alias
        alias_forget(alias)
        return
    name = f"{connection.settings_dict['NAME']}_{alias}"
    _database_create(name)
    alias_register(alias, {**connection.settings_dict, "NAME": name})
    yield alias
    alias_forget(alias)
    _database_drop(name)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    return folder


def city_fill(media: Path) -> dict[str, Any]:
    """Rows in several modules and a photo file: a city, a resident, a report with its photo,
    a plan's project, a sensor with readings."""
    city = MunicipalityFactory.create(slug="botosani", name="Municipiul Botoșani")
    resident = UserFactory.create(email="ana@example.org", full_name="Ana Popescu")
    report = ReportFactory.create(municipality=city, description=DESCRIPTION)
    photo = ReportPhotoFactory.create(municipality=city, report=report)
    (media / photo.image.name).parent.mkdir(parents=True, exist_ok=True)
    (media / photo.image.name).write_bytes(PHOTO_BYTES)
    ProjectFactory.create(municipality=city, funding_programmes=["PNRR", "ERDF"])
    sensor = EntityFactory.create(municipality=city, attributes={"note": "ș ț ă â î"})
    Reading.objects.bulk_create(
        Reading(entity=sensor, attribute="pm25", observed_at=moment, value=value)
        for moment, value in [
            (datetime.datetime(2025, 1, 15, 8, 0, tzinfo=datetime.UTC), 12.5),
            (datetime.datetime(2025, 7, 15, 8, 0, tzinfo=datetime.UTC), None),
        ]
    )
    return {"city": city, "resident": resident, "report": report, "photo": photo}


def _counts(alias: str) -> dict[str, int]:
    return {
        model._meta.db_table: models.QuerySet(model, using=alias).count()
        for model in models_ordered(alias)
    }


def _rows(model: type[models.Model], alias: str) -> list[tuple[Any, ...]]:
    attnames = [field.attname for field in model._meta.local_concrete_fields]
    order = [field.attname for field in model._meta.pk_fields]
    return list(models.QuerySet(model, using=alias).order_by(*order).values_list(*attnames))


def _assert_restored(alias: str, restored_media: Path, filled: dict[str, Any]) -> None:
    assert _counts(alias) == _counts("default")
    for model in (Municipality, Report, ReportPhoto, Project, Reading):
        assert _rows(model, alias) == _rows(model, "default"), model._meta.label
    assert Report.objects.using(alias).get().description == DESCRIPTION
    photo = ReportPhoto.objects.using(alias).get()
    assert (restored_media / photo.image.name).read_bytes() == PHOTO_BYTES
    assert photo.image.name == filled["photo"].image.name


def _tables(alias: str) -> list[str]:
    with connections[alias].cursor() as cursor:
        return connections[alias].introspection.table_names(cursor)


def _untouched(alias: str, restored_media: Path) -> None:
    """The target is as the fixture made it: no database (SQLite) or no tables, no media."""
    if connections[alias].vendor == "sqlite":
        assert not Path(connections[alias].settings_dict["NAME"]).exists()
    else:
        assert _tables(alias) == []
    assert not restored_media.exists() or not any(restored_media.iterdir())


def test_round_trip_restores_every_row_and_the_photo(
    tmp_path: Path, media: Path, target: str
) -> None:
    filled = city_fill(media)
    path = tmp_path / "city.tar"

    result = backup_create(path=path, media_root=media)

    assert result.path == path and path.stat().st_size == result.size_bytes
    assert not result.encrypted
    assert not path.with_name("city.tar.partial").exists()
    assert tarfile.is_tarfile(path)
    manifest = result.manifest
    assert manifest["format"] == archive.FORMAT_VERSION
    assert manifest["database"]["vendor"] == connection.vendor
    assert [city["slug"] for city in manifest["municipalities"]] == ["botosani"]
    assert manifest["municipalities"][0]["name"]
    assert manifest["tables"] == _counts("default")
    assert set(manifest["tables"]) == set(model_tables())
    assert manifest["tables"]["urbandata_reading"] == 2
    applied = MigrationRecorder(connection).applied_migrations()
    assert {(app, name) for app, names in manifest["migrations"].items() for name in names} == set(
        applied
    )
    assert manifest["media"] == {"files": 1, "bytes": len(PHOTO_BYTES)}
    assert backup_verify(path=path) == manifest

    restored_media = tmp_path / "restored-media"
    restored = backup_restore(path=path, database=target, media_root=restored_media)

    assert restored.media_files == 1
    assert restored.counts == manifest["tables"]
    assert restored.manifest == manifest
    _assert_restored(target, restored_media, filled)
    # The staging folder beside the media folder is gone.
    assert sorted(item.name for item in tmp_path.iterdir()) == [
        "city.tar",
        "media",
        "restored-media",
        *(["restored.sqlite3"] if connection.vendor == "sqlite" else []),
    ]


def test_an_encrypted_archive_needs_its_passphrase(
    tmp_path: Path, media: Path, target: str
) -> None:
    filled = city_fill(media)
    path = tmp_path / "city.tar.age"

    result = backup_create(path=path, passphrase="correct horse battery", media_root=media)

    assert result.encrypted
    assert path.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert not tarfile.is_tarfile(path)
    assert "Botoșani".encode() not in path.read_bytes()
    restored_media = tmp_path / "restored-media"
    with pytest.raises(RestoreError, match="This archive is encrypted: give its passphrase"):
        backup_restore(path=path, database=target, media_root=restored_media)
    with pytest.raises(RestoreError, match="The passphrase does not open this archive"):
        backup_restore(path=path, passphrase="wrong", database=target, media_root=restored_media)
    _untouched(target, restored_media)

    backup_restore(
        path=path, passphrase="correct horse battery", database=target, media_root=restored_media
    )

    _assert_restored(target, restored_media, filled)


def test_a_truncated_archive_is_refused_and_nothing_is_restored(
    tmp_path: Path, media: Path, target: str
) -> None:
    city_fill(media)
    path = tmp_path / "city.tar"
    backup_create(path=path, media_root=media)
    data = path.read_bytes()
    restored_media = tmp_path / "restored-media"

    # Half-way, inside the manifest (the last member; past it is only the tar's padding),
    # inside the first member's header.
    inside_manifest = _member_offset(path, archive.MANIFEST_NAME) + 10
    for length in (len(data) // 2, inside_manifest, 100):
        path.write_bytes(data[:length])
        with pytest.raises(RestoreError, match=r"damaged or incomplete|incomplete"):
            backup_restore(path=path, database=target, media_root=restored_media)
        with pytest.raises(RestoreError):
            backup_verify(path=path)
        _untouched(target, restored_media)


def test_an_encrypted_truncated_archive_is_refused(
    tmp_path: Path, media: Path, target: str
) -> None:
    city_fill(media)
    path = tmp_path / "city.tar.age"
    backup_create(path=path, passphrase="secret", media_root=media)
    path.write_bytes(path.read_bytes()[:-5000])
    restored_media = tmp_path / "restored-media"

    with pytest.raises(RestoreError, match=r"damaged or incomplete|incomplete"):
        backup_restore(path=path, passphrase="secret", database=target, media_root=restored_media)

    _untouched(target, restored_media)


def _member_offset(path: Path, name: str) -> int:
    with tarfile.open(path) as tar:
        return tar.getmember(name).offset_data


@pytest.mark.parametrize("member", ["database", "photo"])
def test_a_member_altered_by_one_byte_is_refused_by_its_checksum(
    tmp_path: Path, media: Path, target: str, member: str
) -> None:
    filled = city_fill(media)
    path = tmp_path / "city.tar"
    backup_create(path=path, media_root=media)
    name = (
        archive.DATABASE_MEMBERS[connection.vendor]
        if member == "database"
        else archive.MEDIA_PREFIX + filled["photo"].image.name
    )
    data = bytearray(path.read_bytes())
    data[_member_offset(path, name) + 100] ^= 0x01
    path.write_bytes(bytes(data))
    restored_media = tmp_path / "restored-media"

    with pytest.raises(RestoreError) as refused:
        backup_restore(path=path, database=target, media_root=restored_media)

    assert str(refused.value) == (
        f"The archive is damaged: {name} does not match its checksum in the manifest. "
        "Nothing was changed."
    )
    _untouched(target, restored_media)


def _manifest_rewrite(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """The same archive with its manifest changed (the manifest has no checksum of its own:
    the version checks read it)."""
    rewritten = path.with_name("rewritten.tar")
    with tarfile.open(path) as source, tarfile.open(rewritten, "w") as output:
        for info in source:
            content = source.extractfile(info)
            assert content is not None
            if info.name == archive.MANIFEST_NAME:
                manifest = json.loads(content.read())
                change(manifest)
                data = json.dumps(manifest).encode()
                info.size = len(data)
                output.addfile(info, io.BytesIO(data))
            else:
                output.addfile(info, content)
    os.replace(rewritten, path)


def test_an_archive_from_a_newer_version_is_refused(
    tmp_path: Path, media: Path, target: str
) -> None:
    city_fill(media)
    path = tmp_path / "city.tar"
    backup_create(path=path, media_root=media)
    restored_media = tmp_path / "restored-media"

    _manifest_rewrite(
        path, lambda manifest: manifest["migrations"]["reports"].append("9999_from_the_future")
    )
    with pytest.raises(RestoreError) as refused:
        backup_restore(path=path, database=target, media_root=restored_media)
    assert "newer version of DigiPlace" in str(refused.value)
    assert "reports.9999_from_the_future" in str(refused.value)
    _untouched(target, restored_media)

    def newer(manifest: dict[str, Any]) -> None:
        manifest["migrations"]["reports"].remove("9999_from_the_future")
        manifest["digiplace_version"] = "99.0.0"

    _manifest_rewrite(path, newer)
    with pytest.raises(RestoreError, match=r"newer version of DigiPlace \(99\.0\.0"):
        backup_restore(path=path, database=target, media_root=restored_media)
    _untouched(target, restored_media)


def test_a_target_holding_data_or_files_is_refused_with_nothing_changed(
    tmp_path: Path, media: Path, target: str
) -> None:
    city_fill(media)
    path = tmp_path / "city.tar"
    backup_create(path=path, media_root=media)
    before = _counts("default")

    # The test database holds the city: refused before the archive is even read.
    with pytest.raises(RestoreError, match=r"already holds data \(the table \w+ has rows\)"):
        backup_restore(path=path, database="default", media_root=tmp_path / "empty")
    assert _counts("default") == before

    # A media folder with a file.
    with pytest.raises(RestoreError, match=r"media folder .* is not empty"):
        backup_restore(path=path, database=target, media_root=media)
    _untouched(target, tmp_path / "empty")
    assert [item.read_bytes() for item in media.rglob("*") if item.is_file()] == [PHOTO_BYTES]


def test_backup_refuses_an_existing_file_and_leaves_no_partial_one(
    tmp_path: Path, media: Path
) -> None:
    path = tmp_path / "city.tar"
    path.write_bytes(b"an earlier backup")

    with pytest.raises(BackupError, match="already exists"):
        backup_create(path=path, media_root=media)
    assert path.read_bytes() == b"an earlier backup"

    with pytest.raises(BackupError, match="does not exist"):
        backup_create(path=tmp_path / "missing" / "city.tar", media_root=media)
    assert sorted(item.name for item in tmp_path.iterdir()) == ["city.tar", "media"]


def test_the_commands_say_what_they_wrote_and_restored(
    tmp_path: Path, media: Path, target: str, settings: Any
) -> None:
    filled = city_fill(media)
    settings.MEDIA_ROOT = media
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text("a long passphrase\n")
    path = tmp_path / "city.tar.age"
    written = io.StringIO()

    call_command("backup", str(path), "--passphrase-file", str(passphrase_file), stdout=written)

    rows = sum(_counts("default").values())
    lines = written.getvalue().splitlines()
    assert lines[0].startswith(f"Wrote {path} (") and ", encrypted) in " in lines[0]
    assert (
        lines[1] == f"1 municipality; {len(model_tables())} tables with {rows} rows; 1 media file."
    )
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(path), stdout=io.StringIO())

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError, match="This archive is encrypted"):
        call_command("restore", str(path), "--database", target, stdout=io.StringIO())
    checked = io.StringIO()
    call_command(
        "restore", str(path), "--check", "--passphrase-file", str(passphrase_file), stdout=checked
    )
    assert checked.getvalue().startswith(f"The archive {path} is whole")
    _untouched(target, tmp_path / "restored-media")
    restored = io.StringIO()
    call_command(
        "restore",
        str(path),
        "--database",
        target,
        "--passphrase-file",
        str(passphrase_file),
        stdout=restored,
    )

    lines = restored.getvalue().splitlines()
    assert lines[0].startswith(f"Restored {path} (written ")
    assert lines[1] == (
        f"1 municipality (botosani); {len(model_tables())} tables with {rows} rows; 1 media file."
    )
    _assert_restored(target, tmp_path / "restored-media", filled)


def _manage(
    arguments: list[str], *, database_url: str, media_root: Path
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DIGIPLACE_MEDIA_ROOT": str(media_root),
        "DIGIPLACE_BACKUP_PASSPHRASE": "",
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *arguments],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_commands_run_as_processes(tmp_path: Path, media: Path, target: str) -> None:
    filled = city_fill(media)
    path = tmp_path / "city.tar"
    source_url = database_url(connection.settings_dict)

    backed_up = _manage(["backup", str(path)], database_url=source_url, media_root=media)

    assert backed_up.returncode == 0, backed_up.stderr
    assert "1 municipality;" in backed_up.stdout
    restored_media = tmp_path / "restored-media"
    restored_media.mkdir()
    connections[target].close()
    restored = _manage(
        ["restore", str(path)],
        database_url=database_url(connections[target].settings_dict),
        media_root=restored_media,
    )

    assert restored.returncode == 0, restored.stderr
    assert "1 municipality (botosani);" in restored.stdout
    _assert_restored(target, restored_media, filled)


@pytest.mark.postgresql_only(reason="restores an SQLite archive into a PostgreSQL database")
def test_an_sqlite_archive_restores_into_postgresql(tmp_path: Path, media: Path) -> None:
    # The target: a copy of the migrated, still empty test database (what `migrate` makes,
    # without its minute); made before anything is written, as a template needs no session.
    alias = f"restored_{uuid.uuid4().hex[:8]}"
    name = f"{connection.settings_dict['NAME']}_{alias}"
    connection.close()
    _database_create(name, template=connection.settings_dict["NAME"])
    alias_register(alias, {**connection.settings_dict, "NAME": name})
    sqlite_alias = f"sqlite_{uuid.uuid4().hex[:8]}"
    made: list[str] = []
    try:
        filled = city_fill(media)
        sqlite_make(sqlite_alias, tmp_path / "city.sqlite3")
        made.append(sqlite_alias)
        rows_copy(source="default", target=sqlite_alias)
        path = tmp_path / "city.tar"
        result = backup_create(path=path, database=sqlite_alias, media_root=media)
        assert result.manifest["database"]["vendor"] == "sqlite"
        assert result.manifest["tables"] == _counts("default")
        restored_media = tmp_path / "restored-media"

        restored = backup_restore(path=path, database=alias, media_root=restored_media)

        assert restored.counts == _counts("default")
        _assert_restored(alias, restored_media, filled)
    finally:
        for made_alias in made:
            alias_forget(made_alias)
        alias_forget(alias)
        _database_drop(name)


@pytest.mark.postgresql_only(reason="a PostgreSQL archive into an SQLite database")
def test_a_postgresql_archive_is_refused_by_sqlite(tmp_path: Path, media: Path) -> None:
    path = tmp_path / "city.tar"
    backup_create(path=path, media_root=media)
    alias = f"sqlite_{uuid.uuid4().hex[:8]}"
    alias_register(
        alias, {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "r.sqlite3")}
    )
    try:
        with pytest.raises(RestoreError, match="can be restored into PostgreSQL only"):
            backup_restore(path=path, database=alias, media_root=tmp_path / "restored-media")
        assert not (tmp_path / "r.sqlite3").exists()
    finally:
        alias_forget(alias)


def test_rows_that_differ_from_the_manifest_undo_the_restore(
    tmp_path: Path, media: Path, target: str
) -> None:
    """On PostgreSQL the dump is restored, then counted: the difference drops what was
    restored. On SQLite the extracted file is counted before it is moved into place."""
    city_fill(media)
    path = tmp_path / "city.tar"
    backup_create(path=path, media_root=media)
    _manifest_rewrite(path, lambda manifest: manifest["tables"].update({"reports_report": 5}))
    restored_media = tmp_path / "restored-media"

    with pytest.raises(RestoreError) as refused:
        backup_restore(path=path, database=target, media_root=restored_media)

    assert "(the table reports_report has 1 rows, the manifest says 5)" in str(refused.value)
    _untouched(target, restored_media)
    assert not list(tmp_path.glob(".digiplace-restore-*"))
