"""The restore drill (issue #15): a small city with reports, a photo, a plan, readings and open
data is backed up, restored into a fresh database and an empty media folder, and every page
and API answers the same as before: on PostgreSQL, on SQLite, and from SQLite into
PostgreSQL.

Each half runs in processes of their own (``drill_data``), with ``DATABASE_URL`` and
``DIGIPLACE_MEDIA_ROOT`` of that half, as an administrator runs ``manage.py backup`` and
``manage.py restore``: nothing of this test process's connections, settings or caches can
make the restored site look right. The answers before are recorded after the backup, so that
both recordings start from the archive's state (a download counts itself in the database).
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from digiplace.core.tests.databases import database_url
from digiplace.ops.tests.drill_data import (
    STAFF_PAGES,
    answers_in,
    city_build_in,
    drill_env,
    drill_run,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Answers that must be among those compared: the "every page and API".
REQUIRED = [
    "/open311/v2/requests.json",
    "/ngsi-ld/v1/entities?type=AirQualityObserved",
    "/plans/smart-drill/kpis/",
    "/participation/surveys/sondaj-0/",
    "/urbandata/air/urn:ngsi-ld:AirQualityObserved:drill-01/",
    "/waste/containers/drill-0/",
    "/mobility/stops/drill-stop/",
    "/opendata/datasets/reports-reports/download/csv",
    "/sitemap.xml",
    *(f"staff {page}" for page in STAFF_PAGES),
]


def _sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path).resolve()}"


@pytest.fixture
def postgresql_database() -> Iterator[str]:
    """A new, empty database on the test server (no table at all), dropped afterwards."""
    name = f"digiplace_drill_{uuid.uuid4().hex[:12]}"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name=name)
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of the test run's kind: a new PostgreSQL database, or a new
    SQLite file."""
    if connection.vendor == "postgresql":
        url: str = request.getfixturevalue("postgresql_database")
        return url
    return _sqlite_url(tmp_path / "restored.sqlite3")


def _media_files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _assert_same_answers(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> None:
    missing = [url for url in REQUIRED if url not in before]
    # The report's id is the database's (PostgreSQL's sequences go on from earlier tests).
    if not any(re.fullmatch(r"/reports/\d+/", url) for url in before):
        missing.append("a report's page")
    assert not missing, f"the drill did not reach {missing}"
    failing = {url: answer["status"] for url, answer in before.items() if answer["status"] != 200}
    # Comparing two errors would prove nothing: every address answers before the backup.
    assert not failing, f"before the backup, these did not answer 200: {failing}"
    assert sorted(after) == sorted(before)
    different = [url for url in before if before[url] != after[url]]
    if different:
        url = different[0]
        lines = difflib.unified_diff(
            before[url]["body"].splitlines(),
            after[url]["body"].splitlines(),
            "before the backup",
            "after the restore",
            lineterm="",
            n=1,
        )
        details = "\n".join(list(lines)[:40])
        raise AssertionError(
            f"{len(different)} of {len(before)} answers changed: {different[:10]}\n"
            f"{url}: status {before[url]['status']} → {after[url]['status']}, "
            f"{before[url]['type']} → {after[url]['type']}\n{details}"
        )


def _drill(tmp_path: Path, source: dict[str, str], target_database: str) -> None:
    """Build the city in ``source``, back it up, record the answers, restore into
    ``target_database`` with an empty media folder, record them again and compare."""
    city_build_in(source)
    archive = tmp_path / "drill.backup"
    drill_run(["manage.py", "backup", str(archive)], source)
    before = answers_in(source, tmp_path / "before.json")
    # The data is there to be compared: the report, its photo, the readings.
    assert (
        "A pothole on Strada Primăverii, number 1." in before["/open311/v2/requests.json"]["body"]
    )
    photos = [url for url in before if url.startswith("/media/reports/photos/")]
    assert len(photos) == 1
    assert '"no2"' in before["/ngsi-ld/v1/entities?type=AirQualityObserved"]["body"]

    restored_media = tmp_path / "media-restored"
    restored_media.mkdir()
    target = drill_env(database_url=target_database, media_root=restored_media)
    drill_run(["manage.py", "restore", str(archive)], target)
    after = answers_in(target, tmp_path / "after.json")

    _assert_same_answers(before, after)
    assert _media_files(restored_media) == _media_files(Path(source["DIGIPLACE_MEDIA_ROOT"]))


def test_a_city_restored_into_a_fresh_database_answers_every_page_and_api_the_same(
    tmp_path: Path, fresh_database: str
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    source = drill_env(database_url=database_url(), media_root=media)
    _drill(tmp_path, source, fresh_database)


@pytest.mark.postgresql_only(reason="restores an SQLite city into a PostgreSQL database")
def test_a_city_moved_from_sqlite_to_postgresql_answers_every_page_and_api_the_same(
    tmp_path: Path, postgresql_database: str
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    source = drill_env(database_url=_sqlite_url(tmp_path / "city.sqlite3"), media_root=media)
    drill_run(["manage.py", "migrate", "--noinput", "-v", "0"], source)
    _drill(tmp_path, source, postgresql_database)
