"""The generation engine on test datasets: every format parsed back, planted personal data
never published, the privacy report recomputed from the file, versions made on change and
kept, none when nothing changed, failures leaving the previous version, the refresh's
schedule, pruning and the command."""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.datasets import (
    TOTAL,
    Chart,
    Column,
    DataFile,
    DataLink,
    DatasetSpec,
    KeyFigure,
    Privacy,
    Row,
    Suppression,
    dataset_register,
    dataset_spec,
    dataset_unregister,
    registered_datasets,
)
from digiplace.core.models import Department, Municipality
from digiplace.opendata.formats import PublishedCsv
from digiplace.opendata.models import Dataset, DatasetVersion, Distribution
from digiplace.opendata.selectors import published_dataset
from digiplace.opendata.services.generate import (
    GenerationFailed,
    city_generate,
    dataset_generate,
    datasets_refresh,
    refresh_lock_key,
)
from digiplace.opendata.services.versions import versions_prune

BOTOSANI = (47.7475, 26.6694)

# Planted in the free-text column: none of it may reach a file.
PERSONAL = [
    "ion.popescu@example.ro",
    "0745 123 456",
    "+40 231 512 345",
    "1850312070012",
    "BT 12 ABC",
    "bt34xyz",
]
DESCRIPTIONS = [
    "Groapă în asfalt, sunați-mă la 0745 123 456",
    "Mașina BT 12 ABC parcată pe trotuar de 3 zile, scrieți la ion.popescu@example.ro",
    "Container plin, CNP 1850312070012, tel. +40 231 512 345",
    "Iluminat stricat la nr. 12, din 2024; auto bt34xyz",
    "2 containere răsturnate pe 07.03.2024, cost 350 lei",
]


def _reports(count: int = 30) -> Iterator[Row]:
    start = datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)
    for number in range(count):
        yield {
            "id": f"R-{number:04d}",
            "category": ["roads", "lighting", "waste"][number % 3],
            "created": start + datetime.timedelta(hours=number * 5),
            "description": DESCRIPTIONS[number % len(DESCRIPTIONS)],
            "latitude": BOTOSANI[0] + (number % 7) * 0.0007,
            "longitude": BOTOSANI[1] + (number % 5) * 0.0009,
            "cost": 12.5 * number,
            "open": number % 2 == 0,
            "day": (start + datetime.timedelta(days=number)).date(),
        }


def _report_spec(**changes: Any) -> DatasetSpec:
    values: dict[str, Any] = {
        "module": "core",
        "slug": "test-gen-reports",
        "title": "Test reports",
        "description": "Reports for the engine's tests",
        "themes": ("GOVE",),
        "keywords": ("reports",),
        "frequency": "DAILY",
        "refresh": datetime.timedelta(days=1),
        "privacy": Privacy(
            statement="Descriptions masked, places on a grid.",
            removed=("names", "emails"),
            generalised=("places to a 50 m grid",),
            grid=("latitude", "longitude"),
            quasi_identifiers=("category", "day"),
        ),
        "columns": (
            Column("id", "string", "Public identifier"),
            Column("category", "string", "Category"),
            Column("created", "datetime", "When it was sent"),
            Column("description", "string", "What the resident wrote", free_text=True),
            Column("latitude", "number", "Latitude", unit="°"),
            Column("longitude", "number", "Longitude", unit="°"),
            Column("cost", "number", "Cost", unit="RON"),
            Column("open", "boolean", "Whether it is open"),
            Column("day", "date", "The day"),
        ),
        "rows": lambda municipality: _reports(),
        "formats": ("csv", "json", "xlsx", "geojson"),
        "geometry": ("latitude", "longitude"),
        "temporal": "created",
        "figures": (
            KeyFigure("Reports", lambda rows: len(rows)),
            KeyFigure("Total cost", lambda rows: sum(row["cost"] for row in rows), unit="RON"),
        ),
        "chart": Chart(x="category", y="cost", kind="bar", aggregate="count"),
    }
    values.update(changes)
    return DatasetSpec(**values)


def _department_rows(municipality: Municipality) -> Iterator[Row]:
    for name in (
        Department.objects.filter(municipality=municipality)
        .order_by("pk")
        .values_list("name", flat=True)
    ):
        yield {"name": name}


def _department_spec() -> DatasetSpec:
    return DatasetSpec(
        module="core",
        slug="test-gen-departments",
        title="Departments",
        description="The city's departments",
        themes=("GOVE",),
        keywords=("departments",),
        frequency="IRREG",
        refresh=datetime.timedelta(days=7),
        privacy=Privacy(statement="No personal data.", personal=False),
        columns=(Column("name", "string", "Name"),),
        rows=_department_rows,
    )


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def only(media: Path) -> Iterator[list[DatasetSpec]]:
    """Only the test's specs are declared while it runs (the modules' own declarations come
    back afterwards), so that the refresh and the command see exactly them."""
    saved = registered_datasets()
    for spec in saved:
        dataset_unregister(spec.slug)
    specs: list[DatasetSpec] = []
    yield specs
    for spec in specs:
        dataset_unregister(spec.slug)
    for spec in saved:
        dataset_register(spec)


def _declare(only: list[DatasetSpec], spec: DatasetSpec) -> DatasetSpec:
    dataset_register(spec)
    only.append(spec)
    return spec


def _files(version: DatasetVersion) -> dict[str, bytes]:
    result = {}
    for distribution in version.distributions.all():
        with distribution.file.open("rb") as handle:
            result[distribution.key] = handle.read()
    return result


def _stored_files(media: Path) -> set[str]:
    return {str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()}


def test_every_format_parses_back_with_the_same_rows(
    botosani: Municipality, only: list[DatasetSpec]
) -> None:
    spec = _declare(only, _report_spec())
    version = dataset_generate(botosani, spec)
    assert version is not None and version.number == 1 and version.row_count == 30
    files = _files(version)
    assert set(files) == {"csv", "json", "geojson", "xlsx"}
    distributions = {item.key: item for item in version.distributions.all()}
    assert distributions["geojson"].media_type == "application/geo+json"
    for key, content in files.items():
        assert distributions[key].byte_size == len(content)

    raw = files["csv"]
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 31 and b"\n" not in raw.replace(b"\r\n", b"")
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline=""), dialect=PublishedCsv))
    assert len(table) == 30
    first = table[0]
    assert first["created"] == "2026-03-01T08:00:00+00:00"
    assert first["cost"] == "0.0" and table[1]["cost"] == "12.5"
    assert first["open"] == "true" and table[1]["open"] == "false"
    assert first["day"] == "2026-03-01"

    document = json.loads(files["json"])
    assert document["dataset"] == spec.slug and document["version"] == 1
    assert [column["name"] for column in document["columns"]] == [c.name for c in spec.columns]
    assert len(document["rows"]) == 30
    assert document["rows"][1]["cost"] == 12.5 and document["rows"][1]["open"] is False
    assert document["rows"][0]["created"] == "2026-03-01T08:00:00+00:00"
    for row, line in zip(document["rows"], table, strict=True):
        assert row["id"] == line["id"] and row["description"] == line["description"]
        assert float(line["latitude"]) == row["latitude"]

    collection = json.loads(files["geojson"])
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 30
    feature = collection["features"][0]
    longitude, latitude = feature["geometry"]["coordinates"]
    # RFC 7946: longitude first; the point is the grid's, as in the CSV.
    assert (latitude, longitude) == (float(first["latitude"]), float(first["longitude"]))
    assert "latitude" not in feature["properties"] and feature["properties"]["id"] == "R-0000"

    workbook = load_workbook(io.BytesIO(files["xlsx"]))
    data = list(workbook["data"].iter_rows(values_only=True))
    assert list(data[0]) == [c.name for c in spec.columns] and len(data) == 31
    # Excel has no time zones: the time in UTC.
    assert data[1][2] == datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC).replace(
        tzinfo=None
    )
    dictionary = list(workbook["dictionary"].iter_rows(values_only=True))
    assert dictionary[4][:2] == ("description", "string") and dictionary[7][2] == "RON"

    assert version.temporal_start == datetime.datetime(2026, 3, 1, 8, tzinfo=datetime.UTC)
    assert version.temporal_end == datetime.datetime(
        2026, 3, 1, 8, tzinfo=datetime.UTC
    ) + datetime.timedelta(hours=29 * 5)
    assert version.figures == [30, sum(12.5 * n for n in range(30))]
    assert version.chart == {"x": ["lighting", "roads", "waste"], "y": [10.0, 10.0, 10.0]}
    dataset = Dataset.objects.get(municipality=botosani, slug=spec.slug)
    assert dataset.issued == dataset.modified == version.created and dataset.last_error == ""
    published = published_dataset(botosani, spec.slug)
    assert published is not None and published.version == version


def test_planted_personal_data_never_reaches_a_file(
    botosani: Municipality, only: list[DatasetSpec]
) -> None:
    spec = _declare(only, _report_spec())
    version = dataset_generate(botosani, spec)
    assert version is not None
    texts: list[str] = []
    for key, content in _files(version).items():
        if key == "xlsx":
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                texts.extend(archive.read(name).decode("utf-8") for name in archive.namelist())
        else:
            texts.append(content.decode("utf-8"))
    everything = "\n".join(texts)
    for planted in PERSONAL:
        assert planted.lower() not in everything.lower(), planted
    # Ordinary numbers stay readable.
    for ordinary in ("nr. 12", "din 2024", "2 containere", "07.03.2024", "350 lei", "3 zile"):
        assert ordinary in everything, ordinary
    report = version.privacy_report
    # 30 rows cycle through 5 descriptions: each planted item appears 6 times.
    assert report["masked"] == {"email": 6, "phone": 12, "cnp": 6, "plate": 12}
    assert report["grid_metres"] == settings.OPENDATA_GRID_METRES
    assert report["removed"][0] == {"ro": "names", "en": "names"}
    assert report["rows"] == 30 and report["suppressed"] is None


def test_k_anonymity_recomputed_from_the_csv_equals_the_report(
    botosani: Municipality, only: list[DatasetSpec]
) -> None:
    spec = _declare(only, _report_spec())
    version = dataset_generate(botosani, spec)
    assert version is not None
    raw = version.distributions.get(key="csv").file.read().decode("utf-8")
    table = csv.DictReader(io.StringIO(raw, newline=""), dialect=PublishedCsv)
    classes = Counter((row["category"], row["day"]) for row in table)
    assert version.privacy_report["quasi_identifiers"] == ["category", "day"]
    assert version.privacy_report["k_anonymity"] == min(classes.values()) == 1
    coarse = _declare(
        only,
        _report_spec(
            slug="test-gen-coarse",
            privacy=Privacy(statement="Only categories.", quasi_identifiers=("category",)),
        ),
    )
    version = dataset_generate(botosani, coarse)
    assert version is not None and version.privacy_report["k_anonymity"] == 10


def _counts(municipality: Municipality) -> Iterator[Row]:
    """Reports per category × neighbourhood × month, with small cells."""
    counts = {
        ("2026-01", "roads", "Centru"): 40,
        ("2026-01", "roads", "Est"): 3,
        ("2026-01", "waste", "Centru"): 25,
        ("2026-01", "waste", "Est"): 30,
        ("2026-01", "lighting", "Centru"): 12,
        ("2026-01", "lighting", "Est"): 15,
        ("2026-02", "roads", "Centru"): 2,
        ("2026-02", "roads", "Est"): 50,
        ("2026-02", "waste", "Centru"): 60,
        ("2026-02", "waste", "Est"): 1,
    }
    for (month, category, area), count in counts.items():
        yield {"month": month, "category": category, "area": area, "reports": count}


def _counts_spec() -> DatasetSpec:
    return DatasetSpec(
        module="core",
        slug="test-gen-counts",
        title="Counts",
        description="Reports per category and area",
        themes=("GOVE",),
        keywords=("reports",),
        frequency="MONTHLY",
        refresh=datetime.timedelta(days=1),
        privacy=Privacy(
            statement="Small counts hidden.",
            suppression=Suppression(
                value="reports", rows=("category",), column="area", groups=("month",)
            ),
        ),
        columns=(
            Column("month", "string", "Month"),
            Column("category", "string", "Category"),
            Column("area", "string", "Neighbourhood"),
            Column("reports", "integer", "Reports"),
        ),
        rows=_counts,
        chart=Chart(x="month", y="reports"),
    )


def test_suppression_on_generated_data_hides_small_cells_and_leaves_none_recoverable(
    botosani: Municipality, only: list[DatasetSpec]
) -> None:
    import numpy as np

    spec = _declare(only, _counts_spec())
    version = dataset_generate(botosani, spec)
    assert version is not None
    raw = version.distributions.get(key="csv").file.read().decode("utf-8")
    table = list(csv.DictReader(io.StringIO(raw, newline=""), dialect=PublishedCsv))
    truth = {
        (row["month"], row["category"], row["area"]): row["reports"] for row in _counts(botosani)
    }
    report = version.privacy_report["suppressed"]
    assert report["k"] == settings.OPENDATA_K == 10
    assert report["primary"] == 3 and report["complementary"] >= 3
    for month in ("2026-01", "2026-02"):
        rows = [row for row in table if row["month"] == month]
        published = {(row["category"], row["area"]): row["reports"] for row in rows}
        # Every published value is the truth and none is under k.
        for (category, area), text in published.items():
            if text == "":
                continue
            if category != TOTAL and area != TOTAL:
                assert int(text) == truth[(month, category, area)]
                assert int(text) >= 10
        # Hidden ones: the unit vector of each is outside the row space of the equations
        # (each row, each column and the totals add up), so none is determined.
        unknowns = sorted(key for key, text in published.items() if text == "")
        categories = sorted({key[0] for key in published if key[0] != TOTAL})
        areas = sorted({key[1] for key in published if key[1] != TOTAL})
        equations = []
        for category in categories:
            equations.append({**{(category, area): 1 for area in areas}, (category, TOTAL): -1})
        for area in areas:
            equations.append(
                {**{(category, area): 1 for category in categories}, (TOTAL, area): -1}
            )
        equations.append({**{(c, TOTAL): 1 for c in categories}, (TOTAL, TOTAL): -1})
        index = {key: position for position, key in enumerate(unknowns)}
        matrix = np.zeros((len(equations), len(unknowns)))
        for line, equation in enumerate(equations):
            for key, sign in equation.items():
                if key in index:
                    matrix[line, index[key]] = sign
        rank = np.linalg.matrix_rank(matrix)
        for key in unknowns:
            unit = np.zeros((1, len(unknowns)))
            unit[0, index[key]] = 1
            assert np.linalg.matrix_rank(np.vstack([matrix, unit])) > rank, (month, key)
        assert ("roads", "Est") in unknowns or month != "2026-01"
    # The chart per month reads the months' grand totals (exact, whatever is hidden).
    assert version.chart == {"x": ["2026-01", "2026-02"], "y": [125.0, 113.0]}


def test_regeneration_after_a_change_makes_a_new_version_and_keeps_the_old(
    botosani: Municipality, timisoara: Municipality, only: list[DatasetSpec]
) -> None:
    spec = _declare(only, _department_spec())
    Department.objects.create(municipality=botosani, name="Urbanism")
    now = timezone.now()
    made = datasets_refresh(now=now)
    assert {(item.municipality.slug, item.spec.slug) for item in made} == {
        ("botosani", spec.slug),
        ("timisoara", spec.slug),
    }
    first = Dataset.objects.get(municipality=botosani, slug=spec.slug).current_version()
    assert first is not None and first.number == 1
    # Nothing due a minute later.
    assert datasets_refresh(now=now + datetime.timedelta(minutes=1)) == []
    # A write in the module: due once the change delay has passed, not before.
    Department.objects.create(municipality=botosani, name="Mediu")
    assert datasets_refresh(now=now + datetime.timedelta(seconds=30)) == []
    later = now + datetime.timedelta(seconds=settings.OPENDATA_CHANGE_DELAY_SECONDS + 1)
    made = datasets_refresh(now=later)
    assert [(item.municipality.slug, item.version is not None) for item in made] == [
        ("botosani", True)
    ]
    dataset = Dataset.objects.get(municipality=botosani, slug=spec.slug)
    assert list(dataset.versions.values_list("number", flat=True)) == [2, 1]
    assert dataset.modified == later and dataset.issued == now
    names = _files(dataset.versions.get(number=2))["csv"].decode()
    assert (
        "Mediu" in names and "Mediu" not in _files(dataset.versions.get(number=1))["csv"].decode()
    )
    # A bump with the same data: checked again, no new version.
    cache_version_bump(botosani.pk, "core")
    again = later + datetime.timedelta(seconds=settings.OPENDATA_CHANGE_DELAY_SECONDS + 1)
    made = datasets_refresh(now=again)
    assert [(item.municipality.slug, item.version) for item in made] == [("botosani", None)]
    dataset.refresh_from_db()
    assert dataset.versions.count() == 2 and dataset.checked == again
    assert dataset.modified == later
    # The refresh interval passing makes it check again too.
    week = again + spec.refresh
    assert {item.municipality.slug for item in datasets_refresh(now=week)} == {
        "botosani",
        "timisoara",
    }
    # A dataset another refresh is making is left to it.
    cache.add(refresh_lock_key(botosani, spec.slug), "busy")
    made = datasets_refresh(now=week + spec.refresh)
    assert [item.municipality.slug for item in made] == ["timisoara"]
    # Another city's data is never in this city's file.
    timisoara_version = Dataset.objects.get(
        municipality=timisoara, slug=spec.slug
    ).current_version()
    assert timisoara_version is not None
    assert "Urbanism" not in _files(timisoara_version)["csv"].decode()


def test_unchanged_data_makes_no_version_unless_forced(
    botosani: Municipality, only: list[DatasetSpec]
) -> None:
    spec = _declare(only, _report_spec())
    first = dataset_generate(botosani, spec)
    assert first is not None
    assert dataset_generate(botosani, spec) is None
    assert DatasetVersion.objects.filter(dataset__slug=spec.slug).count() == 1
    forced = dataset_generate(botosani, spec, force=True)
    assert forced is not None and forced.number == 2 and forced.fingerprint == first.fingerprint
    # The JSON names its version; the fingerprint does not depend on it.
    assert json.loads(_files(forced)["json"])["version"] == 2


def test_a_failing_rows_leaves_the_previous_version_and_no_files(
    botosani: Municipality, only: list[DatasetSpec], media: Path
) -> None:
    spec = _declare(only, _report_spec())
    first = dataset_generate(botosani, spec)
    assert first is not None
    before = _stored_files(media)

    def broken(municipality: Municipality) -> Iterator[Row]:
        yield from _reports(10)
        raise RuntimeError("the database went away")

    failing = _declare(only, _report_spec(rows=broken))
    with pytest.raises(GenerationFailed, match="the database went away"):
        dataset_generate(botosani, failing)
    assert _stored_files(media) == before
    dataset = Dataset.objects.get(municipality=botosani, slug=spec.slug)
    assert "the database went away" in dataset.last_error
    assert dataset.current_version() == first
    assert DatasetVersion.objects.count() == 1 and Distribution.objects.count() == 4

    # A module file that fails after the tables were stored: the same.
    def produce(municipality: Municipality) -> bytes:
        raise ValueError("no feed")

    with_file = _declare(
        only,
        _report_spec(files=(DataFile("feed.zip", "ZIP", "application/zip", "Feed", produce),)),
    )
    with pytest.raises(GenerationFailed):
        dataset_generate(botosani, with_file)
    assert _stored_files(media) == before and DatasetVersion.objects.count() == 1
    # The refresh logs it and goes on with the others; retried after the delay only.
    departments = _declare(only, _department_spec())
    now = timezone.now()
    made = datasets_refresh(now=now)
    assert {item.spec.slug: bool(item.error) for item in made} == {departments.slug: False}
    # It works again: the error goes.
    _declare(only, _report_spec())
    later = now + datetime.timedelta(seconds=settings.OPENDATA_CHANGE_DELAY_SECONDS + 1)
    made = datasets_refresh(now=later)
    assert [item.spec.slug for item in made] == [spec.slug]
    dataset.refresh_from_db()
    assert dataset.last_error == ""


def test_module_files_and_links(botosani: Municipality, only: list[DatasetSpec]) -> None:
    content = b"PK\x05\x06" + b"\x00" * 18
    spec = _declare(
        only,
        DatasetSpec(
            module="core",
            slug="test-gen-feed",
            title="Feed",
            description="A module's own file",
            themes=("TRAN",),
            keywords=("gtfs",),
            frequency="DAILY",
            refresh=datetime.timedelta(days=1),
            privacy=Privacy(statement="No personal data.", personal=False),
            files=(DataFile("gtfs.zip", "GTFS", "application/zip", "GTFS", lambda m: content),),
            links=(DataLink("opendata:index", "GTFS-RT", "application/x-protobuf", "Live"),),
        ),
    )
    version = dataset_generate(botosani, spec)
    assert version is not None and version.row_count is None
    distribution = version.distributions.get()
    assert distribution.key == "gtfs.zip" and distribution.media_type == "application/zip"
    assert distribution.file.read() == content and distribution.byte_size == len(content)
    assert distribution.file.name.endswith("/gtfs.zip")
    assert dataset_generate(botosani, spec) is None


def test_an_unregistered_spec_publishes_nothing(
    botosani: Municipality, only: list[DatasetSpec]
) -> None:
    spec = _declare(only, _report_spec())
    assert dataset_generate(botosani, spec) is not None
    dataset_unregister(spec.slug)
    assert dataset_spec(spec.slug) is None
    assert datasets_refresh(now=timezone.now() + datetime.timedelta(days=30)) == []
    assert city_generate(botosani) == []
    assert published_dataset(botosani, spec.slug) is None
    unavailable = _declare(only, _report_spec(slug="test-gen-nowhere", available=lambda m: False))
    assert city_generate(botosani) == []
    assert not Dataset.objects.filter(slug=unavailable.slug).exists()


def test_pruning_deletes_old_versions_and_their_files_never_the_current(
    botosani: Municipality, only: list[DatasetSpec], media: Path
) -> None:
    spec = _declare(only, _report_spec())
    long_ago = timezone.now() - datetime.timedelta(
        days=settings.OPENDATA_VERSION_RETENTION_DAYS + 5
    )
    first = dataset_generate(botosani, spec, now=long_ago)
    second = dataset_generate(botosani, spec, force=True, now=long_ago)
    assert first is not None and second is not None
    old_files = [item.file.name for item in first.distributions.all()]
    assert all(default_storage.exists(name) for name in old_files)
    assert versions_prune() == 1
    assert list(DatasetVersion.objects.values_list("number", flat=True)) == [2]
    assert not any(default_storage.exists(name) for name in old_files)
    # The current one stays, however old.
    assert versions_prune(now=timezone.now() + datetime.timedelta(days=999)) == 0
    third = dataset_generate(botosani, spec, force=True)
    assert third is not None
    assert versions_prune() == 1
    assert list(DatasetVersion.objects.values_list("number", flat=True)) == [3]
    assert len(_stored_files(media)) == 4


def test_a_declaration_keeps_its_earlier_versions_for_its_own_time(
    botosani: Municipality, only: list[DatasetSpec]
) -> None:
    """A rolling series declares a shorter retention: its earlier versions go after two days,
    another dataset's stay for the setting's days."""
    series = _declare(
        only, _report_spec(slug="test-gen-series", versions_kept=datetime.timedelta(days=2))
    )
    other = _declare(only, _report_spec())
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    for spec in (series, other):
        assert dataset_generate(botosani, spec, now=three_days_ago) is not None
        assert dataset_generate(botosani, spec, force=True) is not None

    assert versions_prune() == 1
    kept = DatasetVersion.objects.order_by("dataset__slug", "number")
    assert [(v.dataset.slug, v.number) for v in kept] == [
        (other.slug, 1),
        (other.slug, 2),
        (series.slug, 2),
    ]


def test_the_command_prints_one_line_per_dataset(
    botosani: Municipality, timisoara: Municipality, only: list[DatasetSpec]
) -> None:
    reports = _declare(only, _report_spec())
    _declare(only, _department_spec())
    out = io.StringIO()
    call_command("opendata_generate", "--city", "botosani", stdout=out)
    assert out.getvalue().splitlines() == [
        "botosani\ttest-gen-departments\tversion 1\trows 0",
        "botosani\ttest-gen-reports\tversion 1\trows 30",
    ]
    out = io.StringIO()
    call_command("opendata_generate", "--dataset", reports.slug, stdout=out)
    assert out.getvalue().splitlines() == [
        "botosani\ttest-gen-reports\tunchanged\trows -",
        "timisoara\ttest-gen-reports\tversion 1\trows 30",
    ]
    out = io.StringIO()
    call_command("opendata_generate", "--city", "botosani", "--force", stdout=out)
    assert "botosani\ttest-gen-reports\tversion 2\trows 30" in out.getvalue().splitlines()
    with pytest.raises(CommandError, match="no city"):
        call_command("opendata_generate", "--city", "nowhere")
    with pytest.raises(CommandError, match="no dataset"):
        call_command("opendata_generate", "--dataset", "nothing-here")
