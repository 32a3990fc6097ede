"""The reports module's open datasets: the rows on factory data (only public reports, nothing
about the reporter, another city never, days and months in the city's time zone), and through
the open-data engine: planted personal data never reaches a file, points on the grid, small
counts hidden with their complements, a new version after a new report."""

from __future__ import annotations

import csv
import datetime
import io
import json
from fractions import Fraction
from typing import Any

import pytest

from digiplace.core.datasets import TOTAL, dataset_spec, datasets_available
from digiplace.core.models import Municipality
from digiplace.core.tests.factories import UserFactory
from digiplace.reports.models import Category, Neighbourhood, ReportStatus
from digiplace.reports.tests.factories import (
    CategoryFactory,
    NeighbourhoodFactory,
    ReportFactory,
    ReportPhotoFactory,
)

UTC = datetime.UTC
MARCH = datetime.datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
PLANTED = (
    "Blocked by car BT 12 ABC, call me on 0745 123 456 or write to ion.popescu@example.org; "
    "my CNP is 1850312070011."
)


def rows_of(slug: str, municipality: Municipality) -> list[dict[str, Any]]:
    spec = dataset_spec(slug)
    assert spec is not None and spec.rows is not None
    rows = [dict(row) for row in spec.rows(municipality)]
    names = [column.name for column in spec.columns]
    for row in rows:
        assert list(row) == names
    return rows


@pytest.fixture
def lighting(botosani: Municipality) -> Category:
    return CategoryFactory.create(
        municipality=botosani, service_code="lighting", name_ro="Iluminat", name_en="Lighting"
    )


@pytest.fixture
def centre(botosani: Municipality) -> Neighbourhood:
    return NeighbourhoodFactory.create(municipality=botosani, slug="centru", name="Centru")


def test_declared_where_the_city_has_categories(
    botosani: Municipality, timisoara: Municipality, lighting: Category
) -> None:
    assert {"reports-monthly", "reports-reports"} <= {
        spec.slug for spec in datasets_available(botosani)
    }
    assert not {"reports-monthly", "reports-reports"} & {
        spec.slug for spec in datasets_available(timisoara)
    }


def test_report_rows_public_reports_only_without_the_reporter(
    botosani: Municipality, timisoara: Municipality, lighting: Category, centre: Neighbourhood
) -> None:
    account = UserFactory.create(email="account@example.org", full_name="Account Holder")
    fixed = ReportFactory.create(
        municipality=botosani,
        category=lighting,
        neighbourhood=centre,
        status=ReportStatus.FIXED,
        description="The street light is out.",
        address="Strada Secretă 7, ap. 3",
        reporter=account,
        reporter_name="Ion Ionescu",
        reporter_email="ion@example.org",
        reporter_phone="0745000111",
        device_id="device-42",
        # 23:30 UTC is already the next day in Botoșani.
        created_at=datetime.datetime(2025, 3, 9, 23, 30, tzinfo=UTC),
        closed_at=datetime.datetime(2025, 3, 12, 8, 0, tzinfo=UTC),
    )
    reopened = ReportFactory.create(
        municipality=botosani,
        category=lighting,
        status=ReportStatus.IN_PROGRESS,
        closed_at=MARCH,  # closed once, then reopened: not closed now
        created_at=MARCH,
    )
    ReportFactory.create(municipality=botosani, category=lighting, is_hidden=True)
    ReportFactory.create(municipality=timisoara)

    rows = rows_of("reports-reports", botosani)

    assert [row["id"] for row in rows] == [fixed.pk, reopened.pk]
    first = rows[0]
    assert first["category"] == "lighting"
    assert (first["category_name_ro"], first["category_name_en"]) == ("Iluminat", "Lighting")
    assert first["status"] == "fixed"
    assert first["created"] == datetime.date(2025, 3, 10)
    assert first["closed"] == datetime.date(2025, 3, 12)
    assert first["neighbourhood"] == "centru"
    assert isinstance(first["latitude"], float) and isinstance(first["longitude"], float)
    assert rows[1]["closed"] is None
    assert rows[1]["neighbourhood"] == "none"
    published = repr(rows)
    for personal in (
        "Ion Ionescu", "ion@example.org", "0745000111", "device-42", "Secretă", "Account",
        "account@example.org",
    ):  # fmt: skip
        assert personal not in published


def test_monthly_rows_count_reports_and_distinct_reporters_by_local_month(
    botosani: Municipality, timisoara: Municipality, lighting: Category, centre: Neighbourhood
) -> None:
    for _ in range(3):  # one person, three reports
        ReportFactory.create(
            municipality=botosani, category=lighting, neighbourhood=centre,
            reporter_email="same@example.org", created_at=MARCH,
        )  # fmt: skip
    ReportFactory.create(
        municipality=botosani, category=lighting, neighbourhood=centre, created_at=MARCH
    )
    # 31 January 23:30 UTC is 1 February in Botoșani.
    ReportFactory.create(
        municipality=botosani,
        category=lighting,
        created_at=datetime.datetime(2025, 1, 31, 23, 30, tzinfo=UTC),
    )
    ReportFactory.create(
        municipality=botosani, category=lighting, neighbourhood=centre, created_at=MARCH,
        is_hidden=True,
    )  # fmt: skip
    ReportFactory.create(municipality=timisoara, created_at=MARCH)

    rows = rows_of("reports-monthly", botosani)

    february, march = datetime.date(2025, 2, 1), datetime.date(2025, 3, 1)
    assert [tuple(row.values()) for row in rows] == [
        (february, "lighting", "none", 1, 1),
        # The month's totals, with their own distinct reporters.
        (february, "lighting", TOTAL, 1, 1),
        (february, TOTAL, "none", 1, 1),
        (february, TOTAL, TOTAL, 1, 1),
        (march, "lighting", "centru", 4, 2),  # four reports, two people
        (march, "lighting", TOTAL, 4, 2),
        (march, TOTAL, "centru", 4, 2),
        (march, TOTAL, TOTAL, 4, 2),
    ]


def _files(version: Any) -> dict[str, str]:
    return {
        item.key: item.file.read().decode()
        for item in version.distributions.all()
        if item.key != "xlsx"  # a zip
    }


def test_planted_personal_data_never_reaches_a_published_file(
    botosani: Municipality, lighting: Category, centre: Neighbourhood
) -> None:
    from digiplace.opendata.services.generate import dataset_generate

    report = ReportFactory.create(
        municipality=botosani,
        category=lighting,
        neighbourhood=centre,
        description=PLANTED,
        reporter_name="Ion Popescu",
        reporter_email="reporter@example.org",
        reporter_phone="0755999888",
        address="Strada Privată 12",
        latitude=47.7481234,
        longitude=26.6612345,
    )
    ReportPhotoFactory.create(municipality=botosani, report=report)
    spec = dataset_spec("reports-reports")
    assert spec is not None

    version = dataset_generate(botosani, spec)

    assert version is not None
    files = _files(version)
    assert {"csv", "json", "geojson"} <= set(files)
    for key in ("csv", "json", "geojson"):
        text = files[key]
        for personal in (
            "BT 12 ABC", "0745 123 456", "ion.popescu@example.org", "1850312070011",
            "Ion Popescu", "reporter@example.org", "0755999888", "Privată", "photo-",
        ):  # fmt: skip
            assert personal not in text, (key, personal)
        assert "47.7481234" not in text and "26.6612345" not in text  # snapped to the grid
    row = next(csv.DictReader(io.StringIO(files["csv"])))
    assert "[email]" in row["description"] and "[phone]" in row["description"]
    assert "[CNP]" in row["description"] and "[plate]" in row["description"]
    report_masked = version.privacy_report["masked"]
    assert report_masked == {"email": 1, "phone": 1, "cnp": 1, "plate": 1}
    assert version.privacy_report["grid_metres"] == 50
    assert version.privacy_report["quasi_identifiers"] == [
        "category",
        "latitude",
        "longitude",
        "created",
    ]
    features = json.loads(files["geojson"])["features"]
    assert len(features) == 1 and features[0]["geometry"]["type"] == "Point"


def test_monthly_counts_under_k_are_hidden_with_their_complements(
    botosani: Municipality, lighting: Category, centre: Neighbourhood
) -> None:
    from digiplace.opendata.services.generate import dataset_generate

    pothole = CategoryFactory.create(municipality=botosani, service_code="pothole")
    north = NeighbourhoodFactory.create(municipality=botosani, slug="nord")
    cells = {(lighting, centre): 12, (lighting, north): 3, (pothole, centre): 12}
    for (category, neighbourhood), number in cells.items():
        for _ in range(number):
            ReportFactory.create(
                municipality=botosani, category=category, neighbourhood=neighbourhood,
                created_at=MARCH,
            )  # fmt: skip
    # Twelve reports of one person: a count of one person, hidden too.
    for _ in range(12):
        ReportFactory.create(
            municipality=botosani, category=pothole, neighbourhood=north, created_at=MARCH,
            reporter_email="busy@example.org",
        )  # fmt: skip
    spec = dataset_spec("reports-monthly")
    assert spec is not None

    version = dataset_generate(botosani, spec)

    assert version is not None
    table = list(csv.DictReader(io.StringIO(_files(version)["csv"])))
    assert "reporters" not in table[0]  # the people column is not published
    published = {(row["category"], row["neighbourhood"]): row["reports"] for row in table}
    assert published[("lighting", "nord")] == ""  # 3 people
    assert published[("pothole", "nord")] == ""  # 12 reports, 1 person
    # Nothing hidden can be worked out from what is published (row, column, grand totals).
    hidden = sorted(key for key, value in published.items() if value == "")
    assert len(hidden) > 2  # complementary suppression hid more than the two small cells
    assert not _determined(hidden, published)
    # The check itself finds a leak: the two small cells alone would be given away.
    assert _determined([("lighting", "nord"), ("pothole", "nord")], published)
    # Under k: the two cells, and the column "nord" they add up to (4 people).
    assert published[(TOTAL, "nord")] == ""
    assert version.privacy_report["suppressed"]["primary"] == 3


def test_one_person_in_many_cells_is_one_person_behind_their_total(
    botosani: Municipality, centre: Neighbourhood
) -> None:
    """Ten reports of one person in ten categories of one neighbourhood: each cell is
    hidden, and so is the neighbourhood's total of ten reports (one person), though its
    cells' people add up to ten; nothing hidden can be worked out from the rest."""
    from digiplace.opendata.services.generate import dataset_generate

    north = NeighbourhoodFactory.create(municipality=botosani, slug="nord")
    for number in range(10):
        category = CategoryFactory.create(municipality=botosani, service_code=f"c{number}")
        ReportFactory.create(
            municipality=botosani, category=category, neighbourhood=north, created_at=MARCH,
            reporter_email="busy@example.org",
        )  # fmt: skip
        ReportFactory.create_batch(
            10, municipality=botosani, category=category, neighbourhood=centre, created_at=MARCH
        )
    spec = dataset_spec("reports-monthly")
    assert spec is not None

    version = dataset_generate(botosani, spec)

    assert version is not None
    table = list(csv.DictReader(io.StringIO(_files(version)["csv"])))
    published = {(row["category"], row["neighbourhood"]): row["reports"] for row in table}
    assert published[(TOTAL, "nord")] == ""
    # Small in itself (one person), not only hidden as a complement: ten cells and the total.
    assert version.privacy_report["suppressed"]["primary"] == 11
    assert all(published[(f"c{number}", "nord")] == "" for number in range(10))
    hidden = sorted(key for key, value in published.items() if value == "")
    assert not _determined(hidden, published)


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [list(row) for row in matrix]
    rank = 0
    for column in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][column] != 0:
                factor = rows[i][column] / rows[rank][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def _determined(
    hidden: list[tuple[str, str]], published: dict[tuple[str, str], str]
) -> list[tuple[str, str]]:
    """The hidden figures that the published ones fix: a hidden figure is determined when
    its unit vector lies in the row space of the table's equations over the hidden ones."""
    categories = {key[0] for key in published if key[0] != TOTAL}
    places = {key[1] for key in published if key[1] != TOTAL}
    # Each equation: the figures of a row or column, signed, adding up to zero.
    signs: list[dict[tuple[str, str], int]] = []
    for category in categories:
        signs.append({**{(category, place): 1 for place in places}, (category, TOTAL): -1})
    for place in places:
        signs.append({**{(category, place): 1 for category in categories}, (TOTAL, place): -1})
    signs.append({**{(category, TOTAL): 1 for category in categories}, (TOTAL, TOTAL): -1})
    matrix = [[Fraction(equation.get(key, 0)) for key in hidden] for equation in signs]
    base = _rank(matrix)
    found = []
    for index, key in enumerate(hidden):
        unit = [Fraction(int(position == index)) for position in range(len(hidden))]
        if _rank([*matrix, unit]) == base:
            found.append(key)
    return found


def test_reports_datasets_regenerate_after_a_new_report_keeping_the_old_version(
    botosani: Municipality, lighting: Category, centre: Neighbourhood
) -> None:
    from digiplace.opendata.services.generate import dataset_generate

    # Ten people: a count the monthly table publishes (a change under k would stay hidden).
    ReportFactory.create_batch(10, municipality=botosani, category=lighting, created_at=MARCH)
    for slug in ("reports-reports", "reports-monthly"):
        spec = dataset_spec(slug)
        assert spec is not None
        first = dataset_generate(botosani, spec)
        assert first is not None
        assert dataset_generate(botosani, spec) is None  # nothing changed

    ReportFactory.create(municipality=botosani, category=lighting, created_at=MARCH)

    for slug, rows in (("reports-reports", 11), ("reports-monthly", 4)):
        spec = dataset_spec(slug)
        assert spec is not None
        second = dataset_generate(botosani, spec)
        assert second is not None and second.number == 2, slug
        assert second.row_count == rows  # the monthly table: its cell and its three totals
        assert second.dataset.versions.filter(number=1).exists()  # the old version kept
        assert "11" in _files(second)["csv"] or slug == "reports-reports"
