"""CSV import of historical readings: rows written through the one write path, idempotent,
each rejected row reported with its line and reason and writing nothing, a progress bar
when asked, clear errors for a file that cannot be read."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from digiplace.core.models import Municipality
from digiplace.urbandata.models import Entity, Reading, RollupPending
from digiplace.urbandata.services.csv_import import readings_csv_import
from digiplace.urbandata.tests.factories import EntityFactory

UTC = datetime.UTC
FIRST = "urn:ngsi-ld:WasteContainer:bt-0001"
SECOND = "urn:ngsi-ld:WasteContainer:bt-0002"
FOREIGN = "urn:ngsi-ld:WasteContainer:tm-0001"


@pytest.fixture
def containers(botosani: Municipality, timisoara: Municipality) -> list[Entity]:
    return [
        EntityFactory.create(municipality=botosani, entity_id=FIRST),
        EntityFactory.create(municipality=botosani, entity_id=SECOND),
        EntityFactory.create(municipality=timisoara, entity_id=FOREIGN),
    ]


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "readings.csv"
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("urbandata_import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stored() -> list[tuple[str, str, datetime.datetime, float | None, str]]:
    return list(
        Reading.objects.order_by("entity__entity_id", "attribute", "observed_at").values_list(
            "entity__entity_id", "attribute", "observed_at", "value", "text"
        )
    )


GOOD = (
    "\ufeffentity_id,attribute,observed_at,value,note\n"
    f"{FIRST},fillingLevel,2026-03-01T08:00:00Z,0.25,first\n"
    f"{FIRST},fillingLevel,2026-03-01T10:30:00+02:00,0.5,\n"
    f'"{SECOND}",temperature,2026-03-02T00:00:00Z,-3.5,"a, quoted note"\n'
    f"{SECOND},status,2026-03-02T00:05:00Z,burning,\n"
)


def test_a_good_file_is_written_once(tmp_path: Path, containers: list[Entity]) -> None:
    path = csv_file(tmp_path, GOOD)

    out, err = run("botosani", str(path))

    assert out == "4 rows read: 4 accepted (4 new readings), 0 rejected.\n"
    assert err == ""  # not a terminal: no progress bar
    assert stored() == [
        (FIRST, "fillingLevel", datetime.datetime(2026, 3, 1, 8, tzinfo=UTC), 0.25, ""),
        (FIRST, "fillingLevel", datetime.datetime(2026, 3, 1, 8, 30, tzinfo=UTC), 0.5, ""),
        (SECOND, "status", datetime.datetime(2026, 3, 2, 0, 5, tzinfo=UTC), None, "burning"),
        (SECOND, "temperature", datetime.datetime(2026, 3, 2, tzinfo=UTC), -3.5, ""),
    ]
    # The numeric readings' hours wait for their rollups.
    assert RollupPending.objects.count() == 2

    # Imported again: accepted, nothing doubled
    out, _err = run("botosani", str(path))
    assert out == "4 rows read: 4 accepted (0 new readings), 0 rejected.\n"
    assert len(stored()) == 4


def test_rejected_rows_are_reported_and_write_nothing(
    tmp_path: Path, containers: list[Entity]
) -> None:
    path = csv_file(
        tmp_path,
        "entity_id,attribute,observed_at,value\n"
        f"{FIRST},fillingLevel,2026-03-01T08:00:00Z,0.25\n"  # line 2: good
        "urn:ngsi-ld:WasteContainer:nowhere,fillingLevel,2026-03-01T08:00:00Z,0.3\n"  # 3
        f"{FOREIGN},fillingLevel,2026-03-01T08:00:00Z,0.3\n"  # 4: another city's
        f"{FIRST},fillingLevel,yesterday,0.3\n"  # 5
        f"{FIRST},fillingLevel,2026-03-01T08:00:00,0.3\n"  # 6: no zone
        f"{FIRST},fillingLevel,2026-03-01T09:00:00Z,\n"  # 7: no value
        f"{FIRST},fillingLevel,2026-03-01T09:00:00Z,full\n"  # 8: not a number
        f"{FIRST},status,2026-03-01T09:00:00Z,exploded\n"  # 9: not a status
        f"{FIRST},fillingLevel,2026-03-01T10:00:00Z,0.75\n",  # line 10: good
    )

    out, _err = run("botosani", str(path))

    lines = out.splitlines()
    assert lines[0] == "9 rows read: 2 accepted (2 new readings), 7 rejected."
    assert [line.split(":")[0] for line in lines[1:]] == [f"line {n}" for n in range(3, 10)]
    assert "There is no entity urn:ngsi-ld:WasteContainer:nowhere in this city." in lines[1]
    assert "There is no entity" in lines[2]
    assert "“yesterday” is not an ISO 8601 date and time." in lines[3]
    assert "has no time zone" in lines[4]
    assert "The value is empty." in lines[5]
    assert [value for *_rest, value, _text in stored()] == [0.25, 0.75]
    assert not Reading.objects.filter(entity=containers[2]).exists()


def test_one_bad_row_in_a_chunk_keeps_the_others(containers: list[Entity]) -> None:
    rows = [f"{FIRST},fillingLevel,2026-03-01T0{hour}:00:00Z,0.{hour}" for hour in range(8)]
    rows[5] = f"{FIRST},fillingLevel,2026-03-01T05:00:00Z,7.5"  # out of 0–1
    lines = ["entity_id,attribute,observed_at,value", *rows]
    seen: list[int] = []

    report = readings_csv_import(
        municipality=containers[0].municipality,
        lines=[line + "\n" for line in lines],
        chunk_size=100,
        progress=seen.append,
    )

    assert (report.rows, report.accepted, report.written) == (8, 7, 7)
    assert [rejected.line for rejected in report.rejected] == [7]
    assert report.rejected[0].reason
    assert len(stored()) == 7
    assert seen == [8]


def test_another_entity_id_column_and_a_progress_bar(
    tmp_path: Path, containers: list[Entity]
) -> None:
    path = csv_file(
        tmp_path,
        "sensor,attribute,observed_at,value\n"
        f"{FIRST},fillingLevel,2026-03-01T08:00:00Z,0.25\n"
        f"{SECOND},fillingLevel,2026-03-01T08:00:00Z,0.5\n",
    )

    out, err = run("botosani", str(path), "--entity-id-column", "sensor", "--progress")

    assert out.startswith("2 rows read: 2 accepted")
    assert err.endswith("] 100% 2/2\n")
    assert err.startswith("\r[")


def test_a_file_that_cannot_be_read_is_refused(tmp_path: Path, containers: list[Entity]) -> None:
    with pytest.raises(CommandError, match="lacks the column"):
        run("botosani", str(csv_file(tmp_path, "entity_id,attribute,value\nx,y,1\n")))
    with pytest.raises(CommandError, match="There is no city atlantis"):
        run("atlantis", str(csv_file(tmp_path, GOOD)))
    with pytest.raises(CommandError, match="Cannot read"):
        run("botosani", str(tmp_path / "missing.csv"))
    (tmp_path / "latin.csv").write_bytes(b"entity_id,attribute,observed_at,value\n\xe9\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        run("botosani", str(tmp_path / "latin.csv"))
    assert not Reading.objects.exists()
