"""k-anonymity of the published figures: no published figure under k riders, and no hidden
figure determined by the published ones (checked independently, by linear algebra on the
table's equations), on hand-made and random tables."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from digiplace.core.suppression import (
    GRAND,
    Count,
    TableKey,
    bridges,
    protect_line,
    protect_table,
    table_keys,
)

K = 10


def _determined(figures: dict[TableKey, Count], hidden: set[TableKey]) -> set[TableKey]:
    """The hidden figures that the published ones fix: the unit vector of the unknown lies
    in the row space of the equations (each row and column adds up to its total)."""
    unknowns = sorted(hidden, key=repr)
    index = {key: position for position, key in enumerate(unknowns)}
    rows = {key[1] for key in figures if key[0] == "row"}
    columns = {key[1] for key in figures if key[0] == "column"}
    equations = []
    for row in rows:
        members = [key for key in figures if key[0] == "cell" and key[1] == row]
        equations.append({**dict.fromkeys(members, 1), ("row", row): -1})
    for column in columns:
        members = [key for key in figures if key[0] == "cell" and key[2] == column]
        equations.append({**dict.fromkeys(members, 1), ("column", column): -1})
    equations.append({**{("row", row): 1 for row in rows}, GRAND: -1})
    equations.append({**{("column", column): 1 for column in columns}, GRAND: -1})
    if not unknowns:
        return set()
    matrix = np.zeros((len(equations), len(unknowns)))
    for line, equation in enumerate(equations):
        for key, sign in equation.items():
            if key in index:
                matrix[line, index[key]] = sign
    rank = np.linalg.matrix_rank(matrix)
    found = set()
    for key in unknowns:
        unit = np.zeros((1, len(unknowns)))
        unit[0, index[key]] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(key)
    return found


def _table(
    values: list[list[tuple[int, int]]],
) -> tuple[dict[tuple[int, int], Count], dict[int, Count], dict[int, Count], Count]:
    """A table from (boardings, riders) per cell; margins' riders are their cells' sum
    (as if no rider appeared in two cells)."""
    cells = {
        (row, column): Count(boardings, riders)
        for row, line in enumerate(values)
        for column, (boardings, riders) in enumerate(line)
    }

    def total(keys: list[tuple[int, int]]) -> Count:
        return Count(
            sum(cells[key].boardings for key in keys), sum(cells[key].riders for key in keys)
        )

    rows = {row: total([key for key in cells if key[0] == row]) for row in range(len(values))}
    columns = {
        column: total([key for key in cells if key[1] == column])
        for column in range(len(values[0]))
    }
    return cells, rows, columns, total(list(cells))


def _check(values: list[list[tuple[int, int]]]) -> set[TableKey]:
    cells, rows, columns, grand = _table(values)
    hidden = protect_table(cells, rows, columns, grand, k=K)
    figures = table_keys(cells, rows, columns, grand)
    for key, count in figures.items():
        if key not in hidden:
            assert count.boardings == 0 or count.riders >= K, key
        else:
            assert count.boardings > 0, key  # only positive figures hide: each has a range
    assert _determined(figures, hidden) == set()
    return hidden


def test_a_lone_small_cell_takes_three_others_with_it() -> None:
    values = [[(3, 3), (20, 15)], [(30, 25), (40, 30)]]
    hidden = _check(values)
    assert ("cell", 0, 0) in hidden
    assert len(hidden) >= 4


def test_two_hidden_squares_joined_by_one_cell_are_not_enough() -> None:
    # The "two per row and column" rule holds here, yet the joining cell (0, 2) is the
    # sum of rows 0 and 1 minus columns 0 and 1: a bridge, which protection closes.
    hidden_by_rule: set[TableKey] = {
        ("cell", 0, 0),
        ("cell", 0, 1),
        ("cell", 1, 0),
        ("cell", 1, 1),
        ("cell", 0, 2),
        ("cell", 2, 2),
        ("cell", 2, 3),
        ("cell", 3, 2),
        ("cell", 3, 3),
    }
    assert bridges(hidden_by_rule) == {("cell", 0, 2)}
    values = [[(50, 40)] * 5 for _ in range(5)]
    cells, rows, columns, grand = _table(values)
    figures = table_keys(cells, rows, columns, grand)
    assert ("cell", 0, 2) in _determined(figures, hidden_by_rule)
    protected = protect_table(cells, rows, columns, grand, k=K, forced=hidden_by_rule)
    assert _determined(figures, protected) == set()


def test_zeros_are_published_and_big_tables_untouched() -> None:
    values = [[(0, 0), (40, 30)], [(25, 20), (0, 0)]]
    assert _check(values) == set()


def test_a_line_never_leaves_exactly_one_hidden_figure() -> None:
    cells = {"a": Count(4, 4), "b": Count(30, 20), "c": Count(50, 40)}
    hidden, total_hidden = protect_line(cells, Count(84, 64), k=K)
    assert hidden == {"a", "b"} and not total_hidden
    hidden, total_hidden = protect_line({"a": Count(4, 4)}, Count(4, 4), k=K)
    assert hidden == {"a"} and total_hidden
    hidden, total_hidden = protect_line(cells, Count(84, 64), k=K, total_forced=True)
    assert hidden == {"a"} and total_hidden


cell_values = st.one_of(
    st.just((0, 0)),
    st.integers(1, 9).map(lambda riders: (riders + riders // 3, riders)),
    st.integers(10, 60).map(lambda riders: (riders + riders // 4, riders)),
)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda columns: st.lists(
            st.lists(cell_values, min_size=columns, max_size=columns), min_size=1, max_size=7
        )
    )
)
def test_random_tables_hide_nothing_recoverable(values: list[list[tuple[int, int]]]) -> None:
    _check(values)


@settings(max_examples=150, deadline=None)
@given(st.lists(cell_values, min_size=1, max_size=8))
def test_random_lines_hide_nothing_recoverable(values: list[tuple[int, int]]) -> None:
    cells = {index: Count(*value) for index, value in enumerate(values)}
    total = Count(sum(c.boardings for c in cells.values()), sum(c.riders for c in cells.values()))
    hidden, total_hidden = protect_line(cells, total, k=K)
    for key, count in cells.items():
        assert key in hidden or count.boardings == 0 or count.riders >= K
    assert total_hidden or total.boardings == 0 or total.riders >= K
    # One equation: a hidden figure is determined only when it is the only unknown.
    assert len(hidden) + int(total_hidden) != 1 or (total_hidden and total.boardings == 0)
