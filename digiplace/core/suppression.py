"""Which counts may be published: k-anonymity with complementary suppression.

Shared by mobility's ridership figures and the open-data module's aggregate datasets (the
names come from ridership: ``boardings`` is the count published, ``riders`` the distinct
people behind it; for reports per category, both are the number of reports, or the number
of distinct reporters).

A figure (a *cell*) counts boardings and the distinct riders behind them. It is published
only when it counts at least ``k`` riders (*primary* suppression of the others). Tables
also publish totals, so a lone hidden cell could be recovered by subtracting the published
cells from their total; *complementary* suppression hides more cells until no hidden value
is determined by the published figures.

Two shapes of table are protected:

``protect_line``: cells that add up to a total (the day's boardings per line, adding up to
the day's total; a line's trips, adding up to the line's day). One equation; a hidden value
is determined exactly when it is the only unknown of the equation, so the rule is: never
exactly one hidden figure among the cells and the total. When there is one, the smallest
other positive figure is hidden too (a cell rather than the total, when one exists).

``protect_table``: a rows × columns table with row totals, column totals and the grand
total (boardings per stop and hour). Written with the totals as an extra row and column
(each total taken negatively), every row and column of the extended table adds up to zero.
Take the hidden figures as the edges of a bipartite graph between the extended table's rows
and columns. The values that agree with everything published differ from the true ones by
a circulation on that graph, i.e. by a combination of its cycles; so a hidden figure is
determined by the published ones exactly when its edge lies on no cycle (a *bridge*). The
often-quoted rule "at least two hidden cells in every row and column with one" is not
enough (two hidden rectangles joined by one cell: that cell is a bridge and the sum of one
side's margins gives it away), so the method here is the exact one: while the graph has a
bridge, the cheapest path between its two ends through other positive figures (already
hidden figures cost nothing, others their value, so as little as possible is lost) is
hidden as well, which puts the bridge on a cycle. Adding edges never makes a bridge, so the
number of bridges falls at each step and the loop ends.

Only positive figures are ever hidden (a zero, "nobody boarded", tells nothing about a
person and is published); since every hidden value is then positive, moving along a cycle
by a small amount in either direction keeps all values positive: each hidden value has a
range of possible values, not a single one, even knowing that counts are never negative.

Tables that share a figure (the day's total is the grand total of the stop × hour table and
the total of the lines' table; a line's day is the total of its trips) are protected
together by ``forced``: a figure hidden in one is hidden in the other and both are protected
again until nothing changes. (When each table leaves every hidden figure undetermined,
their union does too: a circulation of each, scaled to agree on the shared figure, is a
solution of both.)
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

DEFAULT_K = 10

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)


@dataclass(frozen=True)
class Count:
    """A figure: boardings, and the distinct riders they come from."""

    boardings: int
    riders: int


def is_small(count: Count, k: int) -> bool:
    """Primary suppression: a positive figure from fewer than ``k`` riders."""
    return count.boardings > 0 and count.riders < k


# One-equation tables


def protect_line(
    cells: Mapping[K, Count],
    total: Count,
    *,
    k: int,
    forced: Iterable[Hashable] = (),
    total_forced: bool = False,
) -> tuple[set[K], bool]:
    """The hidden cells and whether the total is hidden, for cells that add up to ``total``.

    ``forced`` cells and ``total_forced`` are hidden whatever their count (figures hidden
    in another table)."""
    hidden = {key for key, count in cells.items() if is_small(count, k)}
    hidden.update(key for key in cells if key in set(forced))
    total_hidden = total_forced or is_small(total, k)
    if len(hidden) + int(total_hidden) == 1:
        candidates = sorted(
            (count.boardings, str(key), key)
            for key, count in cells.items()
            if key not in hidden and count.boardings > 0
        )
        if candidates:
            hidden.add(candidates[0][2])
        elif total.boardings > 0 and not total_hidden:
            total_hidden = True
        # Otherwise the only hidden figure is the total and every cell is zero or hidden:
        # a total alone with all its cells zero is zero, nothing to hide.
    return hidden, total_hidden


# Two-way tables with margins

# Keys of the extended table: ("cell", row, column), ("row", row) for a row's total,
# ("column", column) for a column's total, ("grand",) for the grand total.
TableKey = tuple[Hashable, ...]
GRAND: TableKey = ("grand",)
_TOTAL = ("total",)


def _ends(key: TableKey) -> tuple[tuple[str, Hashable], tuple[str, Hashable]]:
    """The extended table's row node and column node of a figure."""
    if key[0] == "cell":
        return ("r", key[1]), ("c", key[2])
    if key[0] == "row":
        return ("r", key[1]), ("c", _TOTAL)
    if key[0] == "column":
        return ("r", _TOTAL), ("c", key[1])
    return ("r", _TOTAL), ("c", _TOTAL)


def table_keys(
    cells: Mapping[tuple[R, C], Count],
    row_totals: Mapping[R, Count],
    column_totals: Mapping[C, Count],
    grand: Count,
) -> dict[TableKey, Count]:
    """Every figure of the table under its extended-table key."""
    figures: dict[TableKey, Count] = {
        ("cell", row, column): count for (row, column), count in cells.items()
    }
    figures.update({("row", row): count for row, count in row_totals.items()})
    figures.update({("column", column): count for column, count in column_totals.items()})
    figures[GRAND] = grand
    return figures


def bridges(edges: Iterable[TableKey]) -> set[TableKey]:
    """The hidden figures on no cycle of the rows–columns graph (Tarjan's bridges)."""
    adjacency: dict[tuple[str, Hashable], list[tuple[tuple[str, Hashable], TableKey]]] = {}
    for key in edges:
        row, column = _ends(key)
        adjacency.setdefault(row, []).append((column, key))
        adjacency.setdefault(column, []).append((row, key))
    order: dict[tuple[str, Hashable], int] = {}
    low: dict[tuple[str, Hashable], int] = {}
    found: set[TableKey] = set()
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        # Iterative depth-first search: (node, the edge it was reached by, next neighbour).
        stack: list[tuple[tuple[str, Hashable], TableKey | None, int]] = [(root, None, 0)]
        while stack:
            node, via, position = stack[-1]
            neighbours = adjacency[node]
            if position < len(neighbours):
                stack[-1] = (node, via, position + 1)
                other, edge = neighbours[position]
                if edge == via:
                    continue
                if other in order:
                    low[node] = min(low[node], order[other])
                else:
                    order[other] = low[other] = len(order)
                    stack.append((other, edge, 0))
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent] and via is not None:
                    found.add(via)
    return found


def _cheapest_path(
    figures: Mapping[TableKey, Count], hidden: set[TableKey], bridge: TableKey
) -> list[TableKey]:
    """The positive figures, other than ``bridge``, on the cheapest path between its ends
    (hidden ones cost nothing); empty when there is none."""
    start, goal = _ends(bridge)
    adjacency: dict[tuple[str, Hashable], list[tuple[tuple[str, Hashable], TableKey]]] = {}
    for key, count in figures.items():
        if key == bridge or count.boardings <= 0:
            continue
        row, column = _ends(key)
        adjacency.setdefault(row, []).append((column, key))
        adjacency.setdefault(column, []).append((row, key))
    best: dict[tuple[str, Hashable], int] = {start: 0}
    came: dict[tuple[str, Hashable], tuple[tuple[str, Hashable], TableKey]] = {}
    queue: list[tuple[int, int, tuple[str, Hashable]]] = [(0, 0, start)]
    tie = 0
    while queue:
        cost, _order, node = heapq.heappop(queue)
        if node == goal:
            break
        if cost > best.get(node, cost):
            continue
        for other, key in adjacency.get(node, ()):
            step = 0 if key in hidden else figures[key].boardings
            if cost + step < best.get(other, cost + step + 1):
                best[other] = cost + step
                came[other] = (node, key)
                tie += 1
                heapq.heappush(queue, (cost + step, tie, other))
    if goal not in came:
        return []
    path: list[TableKey] = []
    node = goal
    while node != start:
        node, key = came[node]
        path.append(key)
    return path


def protect_table(
    cells: Mapping[tuple[R, C], Count],
    row_totals: Mapping[R, Count],
    column_totals: Mapping[C, Count],
    grand: Count,
    *,
    k: int,
    forced: Iterable[TableKey] = (),
) -> set[TableKey]:
    """The hidden figures (extended-table keys) of a table with all its margins."""
    figures = table_keys(cells, row_totals, column_totals, grand)
    hidden = {key for key, count in figures.items() if is_small(count, k)}
    hidden.update(key for key in forced if key in figures and figures[key].boardings > 0)
    while True:
        loose = bridges(hidden)
        if not loose:
            return hidden
        # One at a time: a path added for one bridge often closes a cycle for others.
        bridge = min(loose, key=repr)
        path = _cheapest_path(figures, hidden, bridge)
        if not path:  # pragma: no cover - margins of positive figures always give a path
            raise ValueError(f"no complementary figures for {bridge!r}")
        hidden.update(path)
