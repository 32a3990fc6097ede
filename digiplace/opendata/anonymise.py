"""The anonymisation the open-data module applies to every declared dataset (pure functions,
no database): free text masked, points snapped to a grid, the k-anonymity of published rows
measured, and small counts suppressed with their complements (``core.suppression``).

Masking of free text looks for four kinds of personal data people write into a report's
description: email addresses, phone numbers, Romanian personal numeric codes (CNP) and
Romanian licence plates. Each is replaced by a marker ("[email]", "[phone]", "[CNP]",
"[plate]") and counted. The patterns are strict on purpose: ordinary numbers people write
(a street number, "2 containers", a year, a date, an amount in lei) must stay readable, so a
phone number needs its Romanian shape (0, +40 or 0040, then a 2, 3 or 7 and eight more
digits) or an international "+" prefix, a CNP needs a plausible birth month and day, and a
plate needs a county code.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from digiplace.core.datasets import TOTAL, Suppression
from digiplace.core.suppression import Count, is_small, protect_line, protect_table

MARKERS = {"email": "[email]", "phone": "[phone]", "cnp": "[CNP]", "plate": "[plate]"}
KINDS = tuple(MARKERS)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

# First digit: sex and century (1-9); then year, a real month, a day 01-31, the county code,
# a serial and the check digit. The check digit is not verified: a mistyped CNP is still
# personal data.
_CNP = re.compile(r"(?<!\d)[1-9]\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{6}(?!\d)")

# Between digits of a phone number people put spaces, dots, dashes, slashes or brackets.
_GAP = r"[ \t.\-/()]{0,3}"
# Romanian numbers: 0, +40 or 0040 (with an optional "(0)"), then 2/3 (landlines) or
# 7 (mobiles) and eight more digits.
_PHONE_RO = re.compile(
    r"(?<![\w+])(?:(?:\+|00)[ \t]?40[ \t.\-]?(?:\(0\)[ \t]?)?|\(?0)"
    r"[237](?:" + _GAP + r"\d){8}(?!\d)"
)
# Other countries: "+" and a country code, 8 to 15 digits in all (E.164).
_PHONE_INTERNATIONAL = re.compile(r"(?<![\w+])\+[1-9](?:" + _GAP + r"\d){7,14}(?!\d)")
# A date inside what looks like a phone number ("07.03.2024 12") makes it a date.
_DATE = re.compile(
    r"(?<!\d)(?:0?[1-9]|[12]\d|3[01])[./-](?:0?[1-9]|1[0-2])[./-](?:19|20)\d{2}(?!\d)"
)

COUNTY_CODES = [
    "AB",
    "AG",
    "AR",
    "BC",
    "BH",
    "BN",
    "BR",
    "BT",
    "BV",
    "BZ",
    "CJ",
    "CL",
    "CS",
    "CT",
    "CV",
    "DB",
    "DJ",
    "GJ",
    "GL",
    "GR",
    "HD",
    "HR",
    "IF",
    "IL",
    "IS",
    "MH",
    "MM",
    "MS",
    "NT",
    "OT",
    "PH",
    "SB",
    "SJ",
    "SM",
    "SV",
    "TL",
    "TM",
    "TR",
    "VL",
    "VN",
    "VS",
]
# Bucharest: two or three digits; counties: two. The three letters never include Q.
_COUNTIES = "|".join(COUNTY_CODES)
_PLATE_NUMBER = r"(?:B[ \-]?\d{2,3}|(?:" + _COUNTIES + r")[ \-]?\d{2})"
_PLATE_LETTERS = r"[A-PR-Z]{3}"
# Written apart ("BT 12 ABC", "TM-07-XYZ") the plate must be in capitals, so that ordinary
# words ("is 12 ani") are left alone; written as one word ("bt12abc") any case.
_PLATE_SPACED = re.compile(r"(?<![\w])" + _PLATE_NUMBER + r"[ \-]" + _PLATE_LETTERS + r"(?!\w)")
_PLATE_COMPACT = re.compile(
    r"(?<![\w])(?:B\d{2,3}|(?:" + _COUNTIES + r")\d{2})" + _PLATE_LETTERS + r"(?!\w)",
    re.IGNORECASE,
)


def _phone_unless_date(match: re.Match[str]) -> str:
    return match.group(0) if _DATE.search(match.group(0)) else MARKERS["phone"]


def mask_text(text: str) -> tuple[str, dict[str, int]]:
    """``text`` with its emails, phone numbers, CNPs and licence plates replaced by markers,
    and how many of each kind were replaced."""
    counts = dict.fromkeys(KINDS, 0)
    if not text:
        return text, counts
    text, counts["email"] = _EMAIL.subn(MARKERS["email"], text)
    # CNPs before phones: thirteen digits would otherwise hold a phone-like run.
    text, counts["cnp"] = _CNP.subn(MARKERS["cnp"], text)
    phones = 0
    for pattern in (_PHONE_RO, _PHONE_INTERNATIONAL):
        masked = pattern.sub(_phone_unless_date, text)
        phones += masked.count(MARKERS["phone"]) - text.count(MARKERS["phone"])
        text = masked
    counts["phone"] = phones
    plates = 0
    for pattern in (_PLATE_SPACED, _PLATE_COMPACT):
        text, found = pattern.subn(MARKERS["plate"], text)
        plates += found
    counts["plate"] = plates
    return text, counts


# Grid

METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180  # along a meridian, on core.geo's sphere


def grid_snap(latitude: float, longitude: float, metres: float) -> tuple[float, float]:
    """The centre of the point's cell in a square grid of ``metres``: rows of ``metres``
    along the meridians, and in each row cells of ``metres`` along the parallel at the
    row's edge nearest the equator (so a cell is never wider than ``metres`` anywhere in
    its row). Every point of a cell gives the same centre, never further from it than half
    the cell's diagonal."""
    if metres <= 0:
        raise ValueError("the grid's cells need a positive size")
    latitude_step = metres / METRES_PER_DEGREE
    row = math.floor(latitude / latitude_step)
    edge = min(abs(row), abs(row + 1)) * latitude_step
    longitude_step = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(edge)), 1e-9))
    column = math.floor(longitude / longitude_step)
    # Seven decimals (about a centimetre) keep the files short and the output stable.
    return (
        round((row + 0.5) * latitude_step, 7),
        round((column + 0.5) * longitude_step, 7),
    )


# k-anonymity


def k_anonymity(rows: Iterable[Sequence[Hashable]]) -> int | None:
    """The size of the smallest class of rows with equal quasi-identifier values (each row
    given as the tuple of its quasi-identifiers' values); None without rows."""
    classes = Counter(tuple(row) for row in rows)
    return min(classes.values()) if classes else None


class KAnonymity:
    """k-anonymity counted as rows go by (one pass over a large file)."""

    def __init__(self, quasi_identifiers: Sequence[str]) -> None:
        self.quasi_identifiers = tuple(quasi_identifiers)
        self._classes: Counter[tuple[Hashable, ...]] = Counter()

    def add(self, values: Sequence[Hashable]) -> None:
        if self.quasi_identifiers:
            self._classes[tuple(values)] += 1

    @property
    def k(self) -> int | None:
        """None with no quasi-identifiers or no rows."""
        if not self.quasi_identifiers or not self._classes:
            return None
        return min(self._classes.values())


# Suppression of small counts


@dataclass
class Suppressed:
    """A protected table: its rows (cells then totals, hidden counts None, the people column
    dropped) and how many figures were hidden for being small (primary) or to protect them
    (complementary)."""

    rows: list[dict[str, Any]]
    primary: int
    complementary: int
    k: int


def _count(row: Mapping[str, Any], rule: Suppression) -> Count:
    value = int(row.get(rule.value) or 0)
    people = int(row.get(rule.people) or 0) if rule.people else value
    return Count(boardings=value, riders=people)


def _add(a: Count, b: Count) -> Count:
    return Count(a.boardings + b.boardings, a.riders + b.riders)


def suppress(rows: Iterable[Mapping[str, Any]], rule: Suppression, *, k: int) -> Suppressed:
    """Apply ``rule`` to the cells in ``rows``: per group, a table (``rows`` × ``column``,
    with row, column and grand totals; or ``rows`` alone, cells adding up to one total).

    The people behind a total are the ``people`` of a row the module gives for it (its key
    columns saying ``TOTAL``: distinct people, when one person may be in several cells),
    otherwise the sum of its cells' people (exact when the count is the people). The
    module's totals rows are not published as given: the totals are computed from the cells
    and protected with them. Key columns of totals rows say ``TOTAL``; other columns are
    empty."""
    key_names = (*rule.rows, *((rule.column,) if rule.column else ()))
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    declared: dict[tuple[Any, ...], dict[tuple[Any, ...], int]] = {}
    for source in rows:
        row = {name: value for name, value in source.items() if name != rule.people}
        group = tuple(row.get(name) for name in rule.groups)
        key = tuple(row.get(name) for name in key_names)
        if TOTAL in key:
            declared.setdefault(group, {})[key] = _count(source, rule).riders
            continue
        groups.setdefault(group, []).append({**row, "__count": _count(source, rule)})
    out: list[dict[str, Any]] = []
    primary = hidden_total = 0
    for group, members in groups.items():
        base: dict[str, Any] = dict.fromkeys(name for name in members[0] if name != "__count")
        base.update(zip(rule.groups, group, strict=True))
        keys = [tuple(member.get(name) for name in key_names) for member in members]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{rule.value}: two cells with the same keys in group {group!r}")
        if rule.column is None:
            hidden_keys, totals_rows, small = _protect_line(
                members, rule, k, base, declared.get(group, {})
            )
        else:
            hidden_keys, totals_rows, small = _protect_table(
                members, rule, k, base, declared.get(group, {})
            )
        for key, member in zip(keys, members, strict=True):
            row = {name: value for name, value in member.items() if name != "__count"}
            if key in hidden_keys:
                row[rule.value] = None
            out.append(row)
        out.extend(totals_rows)
        primary += small
        hidden_total += len(hidden_keys) + sum(1 for row in totals_rows if row[rule.value] is None)
    return Suppressed(rows=out, primary=primary, complementary=hidden_total - primary, k=k)


def _people(count: Count, people: int | None) -> Count:
    return count if people is None else Count(count.boardings, people)


def _protect_line(
    members: list[dict[str, Any]],
    rule: Suppression,
    k: int,
    base: dict[str, Any],
    declared: dict[tuple[Any, ...], int],
) -> tuple[set[tuple[Any, ...]], list[dict[str, Any]], int]:
    cells: dict[tuple[Any, ...], Count] = {}
    total = Count(0, 0)
    for member in members:
        key = tuple(member.get(name) for name in rule.rows)
        cells[key] = member["__count"]
        total = _add(total, member["__count"])
    total = _people(total, declared.get((TOTAL,) * len(rule.rows)))
    hidden, total_hidden = protect_line(cells, total, k=k)
    small = sum(1 for key in hidden if is_small(cells[key], k)) + int(
        total_hidden and is_small(total, k)
    )
    total_row = {**base, **dict.fromkeys(rule.rows, TOTAL)}
    total_row[rule.value] = None if total_hidden else total.boardings
    return hidden, [total_row], small


def _protect_table(
    members: list[dict[str, Any]],
    rule: Suppression,
    k: int,
    base: dict[str, Any],
    declared: dict[tuple[Any, ...], int],
) -> tuple[set[tuple[Any, ...]], list[dict[str, Any]], int]:
    assert rule.column is not None
    cells: dict[tuple[tuple[Any, ...], Any], Count] = {}
    row_totals: dict[tuple[Any, ...], Count] = {}
    column_totals: dict[Any, Count] = {}
    grand = Count(0, 0)
    for member in members:
        row_key = tuple(member.get(name) for name in rule.rows)
        column_key = member.get(rule.column)
        count = member["__count"]
        cells[(row_key, column_key)] = count
        row_totals[row_key] = _add(row_totals.get(row_key, Count(0, 0)), count)
        column_totals[column_key] = _add(column_totals.get(column_key, Count(0, 0)), count)
        grand = _add(grand, count)
    every = (TOTAL,) * len(rule.rows)
    for row_key, total in row_totals.items():
        row_totals[row_key] = _people(total, declared.get((*row_key, TOTAL)))
    for column_key, total in column_totals.items():
        column_totals[column_key] = _people(total, declared.get((*every, column_key)))
    grand = _people(grand, declared.get((*every, TOTAL)))
    hidden = protect_table(cells, row_totals, column_totals, grand, k=k)
    hidden_cells = {(*cast(tuple[Any, ...], key[1]), key[2]) for key in hidden if key[0] == "cell"}
    small = 0
    for key in hidden:
        if key[0] == "cell":
            count = cells[(cast(tuple[Any, ...], key[1]), key[2])]
        elif key[0] == "row":
            count = row_totals[cast(tuple[Any, ...], key[1])]
        elif key[0] == "column":
            count = column_totals[key[1]]
        else:
            count = grand
        small += int(is_small(count, k))
    totals: list[dict[str, Any]] = []
    for key_values, count in row_totals.items():
        row = {**base, **dict(zip(rule.rows, key_values, strict=True)), rule.column: TOTAL}
        row[rule.value] = None if ("row", key_values) in hidden else count.boardings
        totals.append(row)
    for column_key, count in column_totals.items():
        row = {**base, **dict.fromkeys(rule.rows, TOTAL), rule.column: column_key}
        row[rule.value] = None if ("column", column_key) in hidden else count.boardings
        totals.append(row)
    row = {**base, **dict.fromkeys(rule.rows, TOTAL), rule.column: TOTAL}
    row[rule.value] = None if ("grand",) in hidden else grand.boardings
    totals.append(row)
    return hidden_cells, totals, small


def is_total_row(row: Mapping[str, Any], rule: Suppression) -> bool:
    """Whether a published row is one of the table's totals."""
    keys = (*rule.rows, *((rule.column,) if rule.column else ()))
    return any(row.get(name) == TOTAL for name in keys)


__all__ = [
    "COUNTY_CODES",
    "KINDS",
    "MARKERS",
    "KAnonymity",
    "Suppressed",
    "grid_snap",
    "is_total_row",
    "k_anonymity",
    "mask_text",
    "suppress",
]
