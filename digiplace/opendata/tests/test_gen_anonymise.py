"""The anonymisation's pure functions: masking (what it finds, and the ordinary numbers it
must leave alone), the grid, k-anonymity and the suppression of small counts, checked
independently by linear algebra on the published table's equations."""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digiplace.core.datasets import TOTAL, Suppression
from digiplace.core.geo import distance_metres
from digiplace.opendata.anonymise import grid_snap, k_anonymity, mask_text, suppress

K = 10


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("scrieți-mi la ana.popescu@gmail.com", "email"),
        ("contact: Ion_Pop+primarie@yahoo.co.uk.", "email"),
        ("tel 0745 123 456", "phone"),
        ("tel 0745123456", "phone"),
        ("tel 0745.123.456", "phone"),
        ("tel 0745-123-456", "phone"),
        ("tel 0722 11 22 33", "phone"),
        ("tel +40 745 123 456", "phone"),
        ("tel +40745123456", "phone"),
        ("tel 0040 745 123 456", "phone"),
        ("tel +40 (0) 231 512 345", "phone"),
        ("tel (0231) 512 345", "phone"),
        ("tel 0231/512.345", "phone"),
        ("tel 021 312 3456", "phone"),
        ("tel 0356-123-456", "phone"),
        ("call +49 30 1234567", "phone"),
        ("call +1 (212) 555-0100", "phone"),
        ("CNP 1850312070012", "cnp"),
        ("CNP 2990101400123 (cifra de control greșită)", "cnp"),
        ("cnp:5010229123456", "cnp"),
        ("auto BT 12 ABC", "plate"),
        ("auto B 123 ABC", "plate"),
        ("auto B 12 ABC", "plate"),
        ("auto TM-07-XYZ", "plate"),
        ("auto bt12abc", "plate"),
        ("auto CJ 99 WWW pe trotuar", "plate"),
    ],
)
def test_personal_data_is_masked(text: str, kind: str) -> None:
    masked, counts = mask_text(text)
    markers = {"email": "[email]", "phone": "[phone]", "cnp": "[CNP]", "plate": "[plate]"}
    assert markers[kind] in masked, masked
    assert counts[kind] == 1 and sum(counts.values()) == 1, counts
    # Not a digit of the personal data is left.
    assert not any(character.isdigit() for character in masked.split(markers[kind])[0][-3:])


@pytest.mark.parametrize(
    "text",
    [
        "Str. Mihai Eminescu nr. 12, bloc A3, sc. B, ap. 14",
        "2 containere răsturnate",
        "din anul 2024",
        "pe 07.03.2024 la 12:30",
        "pe 01.03.2024 10:30",
        "data 2024-03-07",
        "costă 1.250.000 lei",
        "0,50 lei bucata",
        "suma de 350 lei, 12345 lei în total",
        "cod poștal 710123",
        "it is 12 and more; is 12 ani",
        "numărul 1234567890123 nu e un CNP (luna 45)",
        "între orele 07:30 și 08:45",
        "tramvaiul 7 și autobuzul 33",
        "",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    masked, counts = mask_text(text)
    assert masked == text and sum(counts.values()) == 0, (masked, counts)


def test_several_kinds_in_one_text_are_counted() -> None:
    masked, counts = mask_text(
        "Sunați la 0745 123 456 sau 0722.111.222, scrieți la a@b.ro; mașina BT 12 ABC; "
        "CNP 1850312070012; nr. 12"
    )
    assert counts == {"email": 1, "phone": 2, "cnp": 1, "plate": 1}
    assert masked.endswith("nr. 12")


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=-70, max_value=70, allow_nan=False),
    st.floats(min_value=-179, max_value=179, allow_nan=False),
    st.sampled_from([25, 50, 100, 250]),
)
def test_a_snapped_point_is_within_half_a_diagonal_and_its_cell_agrees(
    latitude: float, longitude: float, metres: int
) -> None:
    snapped = grid_snap(latitude, longitude, metres)
    # The half diagonal, to the centimetre of the output's rounding.
    assert distance_metres(latitude, longitude, *snapped) <= metres / 2**0.5 + 0.02
    # The centre is in its own cell, and so are points near it.
    assert grid_snap(*snapped, metres) == snapped
    nudged = grid_snap(snapped[0] + metres / 8 / 111_195, snapped[1], metres)
    assert nudged == snapped


def test_points_of_one_cell_share_its_centre_and_neighbours_differ() -> None:
    base = grid_snap(47.7475, 26.6694, 50)
    # Points a few metres apart inside a cell give one output; 60 m away another.
    inside = {
        grid_snap(base[0] + dy, base[1] + dx, 50) for dy in (-1e-4, 1e-4) for dx in (-1e-4, 1e-4)
    }
    assert inside == {base}
    assert grid_snap(base[0] + 60 / 111_195, base[1], 50) != base
    with pytest.raises(ValueError):
        grid_snap(47.0, 26.0, 0)


def test_k_anonymity_is_the_smallest_class() -> None:
    assert k_anonymity([]) is None
    rows = [("roads", "Centru")] * 3 + [("waste", "Est")] * 5
    assert k_anonymity(rows) == 3
    assert k_anonymity([*rows, ("waste", "Centru")]) == 1


def _determined(rows: list[dict[str, Any]], rule: Suppression) -> set[tuple[Hashable, ...]]:
    """The hidden figures of each group that the published ones fix: the unit vector of the
    unknown lies in the row space of the table's equations."""
    assert rule.column is not None
    found: set[tuple[Hashable, ...]] = set()
    groups = sorted({tuple(row[name] for name in rule.groups) for row in rows})
    for group in groups:
        members = [row for row in rows if tuple(row[name] for name in rule.groups) == group]
        figures = {(row[rule.rows[0]], row[rule.column]): row[rule.value] for row in members}
        unknowns = sorted((key for key, value in figures.items() if value is None), key=repr)
        if not unknowns:
            continue
        row_keys = sorted({key[0] for key in figures if key[0] != TOTAL})
        column_keys = sorted({key[1] for key in figures if key[1] != TOTAL})
        equations = []
        for row_key in row_keys:
            equation = {(row_key, c): 1 for c in column_keys if (row_key, c) in figures}
            equations.append({**equation, (row_key, TOTAL): -1})
        for column_key in column_keys:
            equation = {(r, column_key): 1 for r in row_keys if (r, column_key) in figures}
            equations.append({**equation, (TOTAL, column_key): -1})
        equations.append({**{(r, TOTAL): 1 for r in row_keys}, (TOTAL, TOTAL): -1})
        equations.append({**{(TOTAL, c): 1 for c in column_keys}, (TOTAL, TOTAL): -1})
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
            if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
                found.add((*group, *key))
    return found


TABLE = Suppression(value="reports", rows=("category",), column="area", groups=("month",))


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["2026-01", "2026-02"]),
            st.sampled_from(["roads", "waste", "lighting", "parks"]),
            st.sampled_from(["Centru", "Est", "Vest"]),
            st.one_of(st.integers(1, 9), st.integers(10, 80)),
        ),
        min_size=1,
        max_size=24,
        unique_by=lambda cell: cell[:3],
    )
)
def test_suppressed_tables_publish_nothing_small_and_nothing_recoverable(
    cells: list[tuple[str, str, str, int]],
) -> None:
    rows = [
        {"month": month, "category": category, "area": area, "reports": count}
        for month, category, area, count in cells
    ]
    result = suppress(rows, TABLE, k=K)
    truth = {(m, c, a): n for m, c, a, n in cells}
    published = {
        (row["month"], row["category"], row["area"]): row["reports"] for row in result.rows
    }
    for (month, category, area), value in published.items():
        if value is None:
            continue
        # Published figures are true, never under k (totals included).
        assert value >= K
        if category != TOTAL and area != TOTAL:
            assert value == truth[(month, category, area)]
        elif category != TOTAL:
            assert value == sum(n for (m, c, _a), n in truth.items() if (m, c) == (month, category))
    assert _determined(result.rows, TABLE) == set()
    hidden = sum(1 for value in published.values() if value is None)
    assert result.primary + result.complementary == hidden
    assert result.primary == sum(1 for value in _all_figures(cells).values() if 0 < value < K)


def _all_figures(cells: list[tuple[str, str, str, int]]) -> dict[tuple[str, str, str], int]:
    figures: dict[tuple[str, str, str], int] = {}
    for month, category, area, count in cells:
        for key in itertools.product([month], [category, TOTAL], [area, TOTAL]):
            figures[key] = figures.get(key, 0) + count
    return figures


def test_a_one_dimensional_table_never_leaves_one_hidden_figure() -> None:
    rule = Suppression(value="trips", rows=("line",), people="riders")
    rows = [
        {"line": "1", "trips": 40, "riders": 30},
        {"line": "2", "trips": 6, "riders": 4},
        {"line": "3", "trips": 70, "riders": 50},
    ]
    result = suppress(rows, rule, k=K)
    assert all("riders" not in row for row in result.rows)
    values = {row["line"]: row["trips"] for row in result.rows}
    assert values == {"1": None, "2": None, "3": 70, TOTAL: 116}
    assert (result.primary, result.complementary) == (1, 1)
    with pytest.raises(ValueError, match="two cells"):
        suppress([rows[0], rows[0]], rule, k=K)


def test_the_modules_distinct_people_behind_a_total_decide_whether_it_is_small() -> None:
    # One resident reported once in each of twelve neighbourhoods: twelve reports, but one
    # person behind the category's total.
    rule = Suppression(value="reports", rows=("category",), column="area", people="reporters")
    areas = [f"area-{number}" for number in range(12)]
    cells = [{"category": "roads", "area": a, "reports": 1, "reporters": 1} for a in areas]
    cells += [{"category": "waste", "area": a, "reports": 20, "reporters": 15} for a in areas]
    summed = suppress(cells, rule, k=K)
    assert _value(summed.rows, "roads", TOTAL) == 12  # sum of people: 12, not small
    declared = {"category": "roads", "area": TOTAL, "reports": 12, "reporters": 1}
    result = suppress([*cells, declared], rule, k=K)
    assert _value(result.rows, "roads", TOTAL) is None
    assert len(result.rows) == len(summed.rows)  # the module's totals row is not published
    assert (
        _determined(
            [{**row, "month": "-"} for row in result.rows],
            Suppression(value="reports", rows=("category",), column="area", groups=("month",)),
        )
        == set()
    )


def _value(rows: list[dict[str, Any]], category: str, area: str) -> Any:
    return next(
        row["reports"] for row in rows if (row["category"], row["area"]) == (category, area)
    )
