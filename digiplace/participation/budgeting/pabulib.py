"""Reading and writing participatory-budgeting elections in the Pabulib ``.pb`` format.

A ``.pb`` file has three sections, each a line with its name followed by a header line and
``;``-separated rows (fields may be quoted): ``META`` (``key;value`` pairs, among them
``budget`` and ``vote_type``), ``PROJECTS`` (``project_id``, ``cost`` and any other columns)
and ``VOTES`` (``voter_id``, ``vote`` — project ids separated by commas — and, for cumulative
or scoring ballots, ``points``). Every meta key and every other column is kept as text, so
that writing an election and reading it back gives the same election.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from digiplace.participation.budgeting.i18n import gettext

Number = int | Fraction

APPROVAL_VOTE_TYPES = frozenset({"approval", "choose-1"})
POINTS_VOTE_TYPES = frozenset({"cumulative", "scoring"})
VOTE_TYPES = APPROVAL_VOTE_TYPES | POINTS_VOTE_TYPES | {"ordinal"}
SECTIONS = ("meta", "projects", "votes")


class PabulibError(ValueError):
    """A ``.pb`` file that cannot be read, with the line where reading stopped (or None)."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.message = message
        self.line = line
        if line is not None:
            message = gettext("Line %(line)d: %(message)s") % {"line": line, "message": message}
        super().__init__(message)


@dataclass(frozen=True)
class Project:
    """A project: its id, its cost, and the file's other columns as text (in column order)."""

    project_id: str
    cost: Number
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Voter:
    """A ballot: the voter's id, the project ids voted for (in the ballot's order), the points
    given to each (cumulative and scoring ballots only) and the other columns as text."""

    voter_id: str
    vote: tuple[str, ...]
    points: tuple[Number, ...] | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Election:
    """A whole ``.pb`` file. ``project_columns`` and ``voter_columns`` name the extra columns
    in the order they are written."""

    meta: dict[str, str]
    projects: list[Project]
    voters: list[Voter]
    project_columns: tuple[str, ...] = ()
    voter_columns: tuple[str, ...] = ()

    @property
    def budget(self) -> Number:
        return number_parse(self.meta["budget"])

    @property
    def vote_type(self) -> str:
        return self.meta["vote_type"].strip().lower()

    @property
    def is_approval(self) -> bool:
        return self.vote_type in APPROVAL_VOTE_TYPES


def number_parse(text: str) -> Number:
    """An exact number from a file's text (``12``, ``12.50``, ``12,50`` or ``25/2``, which the
    writer uses for a fraction without a finite decimal); ValueError otherwise."""
    cleaned = text.strip().replace(",", ".")
    try:
        value = Fraction(cleaned) if "/" in cleaned else Fraction(Decimal(cleaned))
    except (InvalidOperation, ValueError, OverflowError, ZeroDivisionError):
        raise ValueError(text) from None
    return value.numerator if value.denominator == 1 else value


def number_format(value: Number) -> str:
    """The text of an exact number: an integer, or a decimal when it has a finite one."""
    if isinstance(value, int) or value.denominator == 1:
        return str(int(value))
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    decimal = Decimal(value.numerator) / Decimal(value.denominator)
    return format(decimal.normalize(), "f")


def election_read(path: str | Path) -> Election:
    """The election in a ``.pb`` file; PabulibError when it is missing or malformed."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PabulibError(gettext("No such file: %(path)s") % {"path": path}) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PabulibError(
            gettext("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}
        ) from None
    return election_parse(text)


def _number_or_error(text: str, what: str, line: int | None) -> Number:
    try:
        return number_parse(text)
    except ValueError:
        messages = {
            "cost": gettext("The cost is not a number: %(value)s."),
            "budget": gettext("The budget is not a number: %(value)s."),
            "points": gettext("The points are not numbers: %(value)s."),
        }
        raise PabulibError(messages[what] % {"value": text}, line=line) from None


def _header_check(header: list[str], required: tuple[str, ...], section: str, line: int) -> None:
    for column in required:
        if column not in header:
            raise PabulibError(
                gettext("The %(section)s header has no %(column)s column.")
                % {"section": section.upper(), "column": column},
                line=line,
            )
    if len(set(header)) != len(header):
        raise PabulibError(
            gettext("The %(section)s header names a column twice.") % {"section": section.upper()},
            line=line,
        )


def election_parse(text: str) -> Election:
    """The election in the text of a ``.pb`` file; PabulibError (with the line) when malformed."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";")
    meta: dict[str, str] = {}
    projects: list[Project] = []
    voters: list[Voter] = []
    project_columns: tuple[str, ...] = ()
    voter_columns: tuple[str, ...] = ()
    section = ""
    header: list[str] | None = None
    seen_sections: list[str] = []
    project_ids: set[str] = set()
    voter_ids: set[str] = set()
    try:
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            name = row[0].strip().lower()
            if len(row) == 1 and name in SECTIONS:
                expected = SECTIONS[len(seen_sections)] if len(seen_sections) < 3 else None
                if name != expected:
                    raise PabulibError(
                        gettext(
                            "Section %(section)s is out of place (expected META, PROJECTS, VOTES)."
                        )
                        % {"section": row[0].strip()},
                        line=line,
                    )
                seen_sections.append(name)
                section, header = name, None
                if section == "votes" and "vote_type" not in meta:
                    raise PabulibError(gettext("The META section has no vote_type."), line=line)
                continue
            if not section:
                raise PabulibError(
                    gettext("The file does not start with a META section."), line=line
                )
            if header is None:
                header = [column.strip() for column in row]
                if section == "projects":
                    _header_check(header, ("project_id", "cost"), section, line)
                    project_columns = tuple(c for c in header if c not in {"project_id", "cost"})
                elif section == "votes":
                    _header_check(header, ("voter_id", "vote"), section, line)
                    own = {"voter_id", "vote"}
                    if meta.get("vote_type", "").strip().lower() in POINTS_VOTE_TYPES:
                        own.add("points")
                    voter_columns = tuple(c for c in header if c not in own)
                continue
            if len(row) != len(header):
                raise PabulibError(
                    gettext("Wrong number of fields: expected %(expected)d, found %(found)d.")
                    % {"expected": len(header), "found": len(row)},
                    line=line,
                )
            if section == "meta":
                key, value = row[0].strip(), row[1].strip()
                if key in meta:
                    raise PabulibError(
                        gettext("The meta key %(key)s appears twice.") % {"key": key}, line=line
                    )
                meta[key] = value
            elif section == "projects":
                values = {column: value.strip() for column, value in zip(header, row, strict=True)}
                project_id = values.pop("project_id")
                if not project_id or project_id in project_ids:
                    raise PabulibError(
                        gettext("Project id %(id)s is empty or repeated.") % {"id": project_id},
                        line=line,
                    )
                cost = _number_or_error(values.pop("cost"), "cost", line)
                if cost < 0:
                    raise PabulibError(gettext("A cost cannot be negative."), line=line)
                project_ids.add(project_id)
                projects.append(Project(project_id, cost, values))
            else:
                voters.append(_voter_parse(header, row, meta, project_ids, voter_ids, line))
    except csv.Error as error:
        raise PabulibError(
            gettext("The file is not valid CSV: %(error)s.") % {"error": error},
            line=reader.line_num,
        ) from None
    if seen_sections != list(SECTIONS):
        raise PabulibError(gettext("The file must have META, PROJECTS and VOTES sections."))
    if "budget" not in meta:
        raise PabulibError(gettext("The META section has no budget."))
    budget = _number_or_error(meta["budget"], "budget", None)
    if budget < 0:
        raise PabulibError(gettext("The budget cannot be negative."))
    return Election(meta, projects, voters, project_columns, voter_columns)


def _voter_parse(
    header: list[str],
    row: list[str],
    meta: dict[str, str],
    project_ids: set[str],
    voter_ids: set[str],
    line: int,
) -> Voter:
    values = {column: value.strip() for column, value in zip(header, row, strict=True)}
    voter_id = values.pop("voter_id")
    if not voter_id or voter_id in voter_ids:
        raise PabulibError(
            gettext("Voter id %(id)s is empty or repeated.") % {"id": voter_id}, line=line
        )
    voter_ids.add(voter_id)
    vote_type = meta["vote_type"].strip().lower()
    if vote_type not in VOTE_TYPES:
        raise PabulibError(
            gettext("Unknown vote type: %(type)s.") % {"type": meta["vote_type"]}, line=line
        )
    vote_text = values.pop("vote")
    vote = tuple(item.strip() for item in vote_text.split(",")) if vote_text else ()
    for project_id in vote:
        if project_id not in project_ids:
            raise PabulibError(
                gettext("The vote names an unknown project: %(id)s.") % {"id": project_id},
                line=line,
            )
    if len(set(vote)) != len(vote):
        raise PabulibError(gettext("The vote names a project twice."), line=line)
    if vote_type == "choose-1" and len(vote) > 1:
        raise PabulibError(gettext("A choose-1 vote names more than one project."), line=line)
    points: tuple[Number, ...] | None = None
    if vote_type in POINTS_VOTE_TYPES:
        points_text = values.pop("points", "")
        items = points_text.split(",") if points_text else []
        if len(items) != len(vote):
            raise PabulibError(
                gettext("Projects and points differ (projects: %(votes)d, points: %(points)d).")
                % {"votes": len(vote), "points": len(items)},
                line=line,
            )
        points = tuple(_number_or_error(item, "points", line) for item in items)
    return Voter(voter_id, vote, points, values)


def election_write(election: Election) -> str:
    """The text of a ``.pb`` file holding the election (``;``-separated, quoted when needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in election.meta.items():
        writer.writerow([key, value])
    writer.writerow(["PROJECTS"])
    writer.writerow(["project_id", "cost", *election.project_columns])
    for project in election.projects:
        writer.writerow(
            [
                project.project_id,
                number_format(project.cost),
                *(project.fields.get(column, "") for column in election.project_columns),
            ]
        )
    has_points = election.vote_type in POINTS_VOTE_TYPES
    voter_columns = [c for c in election.voter_columns if not (has_points and c == "points")]
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote", *(["points"] if has_points else []), *voter_columns])
    for voter in election.voters:
        points = [",".join(number_format(p) for p in voter.points or ())] if has_points else []
        writer.writerow(
            [
                voter.voter_id,
                ",".join(voter.vote),
                *points,
                *(voter.fields.get(column, "") for column in voter_columns),
            ]
        )
    return buffer.getvalue()


def election_save(election: Election, path: str | Path) -> None:
    """Writes the election to a ``.pb`` file (UTF-8)."""
    Path(path).write_text(election_write(election), encoding="utf-8")
