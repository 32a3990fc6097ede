"""Reading camera-analytics exports of waste-point observations (issue #12): pure, no ORM.

The file is CSV with a header row naming the columns ``time``, ``site``, ``kind``, ``count``
and, optionally, ``footage``, in any order (names are case-insensitive); UTF-8, with or without
a byte-order mark; ``,`` or ``;`` between fields, whichever the header uses. Any other column is
refused, so that no export can bring images or faces in: ``footage`` is only a reference to
footage kept elsewhere (up to 200 characters, no ``data:`` URLs).

- ``time``: ISO 8601 (``2026-03-02T14:05:00+02:00``, ``2026-03-02 14:05``) or
  ``02.03.2026 14:05[:00]``; without an offset it is the city's local time.
- ``site``: one of the caller's site codes.
- ``kind``: a code (``correct_use``, ``wrong_fraction``, ``waste_outside``, ``bulky_dumped``,
  ``vandalism``) or its English or Romanian label (``Utilizare corectă``, with or without
  diacritics), case-insensitive.
- ``count``: a whole number from 1 to 10,000 (more at one point in one row is an export error).

All or nothing: ``read_observations_csv`` returns either every row as an ``Observation`` or,
when anything is wrong, no observations and every error, each with its line number (the header
is line 1) and a reason in the user's language.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

from digiplace.waste.compliance import (
    DEFAULT_TIME_ZONE,
    ComplianceInputError,
    Observation,
    ObservationKind,
    footage_reference_error,
)

REQUIRED_COLUMNS = ("time", "site", "kind", "count")
MAX_COUNT = 10_000
OPTIONAL_COLUMNS = ("footage",)

# The Romanian labels camera-analytics exports use; fixed here, not taken from the
# translation catalogue, so that a file reads the same whatever the user's language.
ROMANIAN_KIND_LABELS = {
    ObservationKind.CORRECT_USE: "Utilizare corectă",
    ObservationKind.WRONG_FRACTION: "Fracție greșită",
    ObservationKind.WASTE_OUTSIDE: "Deșeuri lăsate afară",
    ObservationKind.BULKY_DUMPED: "Deșeuri voluminoase abandonate",
    ObservationKind.VANDALISM: "Vandalism",
}
_ENGLISH_KIND_LABELS = {
    ObservationKind.CORRECT_USE: "Correct use",
    ObservationKind.WRONG_FRACTION: "Wrong fraction",
    ObservationKind.WASTE_OUTSIDE: "Waste left outside",
    ObservationKind.BULKY_DUMPED: "Bulky waste dumped",
    ObservationKind.VANDALISM: "Vandalism",
}
_COUNT = re.compile(r"[0-9]+")
_ROMANIAN_DATE = re.compile(
    r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})"
    r"[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
)


def _folded(text: str) -> str:
    """Lower case without diacritics or repeated spaces: "Fracţie  greşită" -> "fractie gresita"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(character for character in decomposed if not unicodedata.combining(character))
    return " ".join(plain.replace("_", " ").split())


_KINDS_BY_NAME: dict[str, ObservationKind] = {}
for _kind in ObservationKind:
    for _name in (_kind.value, _ENGLISH_KIND_LABELS[_kind], ROMANIAN_KIND_LABELS[_kind]):
        _KINDS_BY_NAME[_folded(_name)] = _kind


@dataclass(frozen=True)
class RowError:
    """What is wrong at a line of the file (0 for the file as a whole), in the user's language."""

    line: int
    message: str

    def describe(self) -> str:
        """The message with its line number, for a list of errors."""
        if self.line == 0:
            return self.message
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class ObservationsImport:
    """Either all observations (``errors`` empty) or all errors (``observations`` empty)."""

    observations: tuple[Observation, ...]
    errors: tuple[RowError, ...]

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _failed(errors: list[RowError]) -> ObservationsImport:
    return ObservationsImport((), tuple(errors))


def _decode(data: bytes | str) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8-sig")  # a UnicodeDecodeError is reported by the caller
    return data.removeprefix("\ufeff")


def parse_observation_time(text: str, zone: ZoneInfo) -> datetime.datetime | None:
    """An aware time from ``text`` (formats in the module's docstring), None if unreadable or
    if a local time without offset does not exist (the hour skipped when clocks go forward)."""
    text = text.strip()
    match = _ROMANIAN_DATE.fullmatch(text)
    try:
        if match:
            part = {name: int(value or 0) for name, value in match.groupdict().items()}
            moment = datetime.datetime(  # noqa: DTZ001 - local time, zoned below
                part["year"],
                part["month"],
                part["day"],
                part["hour"],
                part["minute"],
                part["second"],
            )
        else:
            moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.utcoffset() is not None:
        return moment
    local = moment.replace(tzinfo=zone)
    round_trip = local.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None)
    return local if round_trip == moment else None


def _header_errors(header: list[str]) -> list[RowError]:
    errors = []
    names = [_folded(name).replace(" ", "_") for name in header]
    unknown = [
        original
        for original, name in zip(header, names, strict=True)
        if name not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    ]
    if unknown:
        errors.append(
            RowError(
                1,
                _(
                    "Unknown columns: %(columns)s. Only time, site, kind, count and footage are "
                    "accepted; no column may carry images or faces."
                )
                % {"columns": ", ".join(unknown)},
            )
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        errors.append(
            RowError(1, _("Repeated columns: %(columns)s.") % {"columns": ", ".join(repeated)})
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        errors.append(
            RowError(1, _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        )
    return errors


def _row_errors(
    values: dict[str, str],
    *,
    known_sites: Collection[str],
    zone: ZoneInfo,
    now: datetime.datetime,
) -> tuple[Observation | None, list[str]]:
    reasons = []
    moment = parse_observation_time(values["time"], zone)
    if moment is None:
        reasons.append(
            _(
                'Bad time "%(time)s": write a date and time such as 2026-03-02 14:05 or '
                "2026-03-02T14:05:00+02:00."
            )
            % {"time": values["time"].strip()}
        )
    elif moment > now:
        reasons.append(
            _('The time "%(time)s" is in the future.') % {"time": values["time"].strip()}
        )
    site = values["site"].strip()
    if site not in known_sites:
        reasons.append(_('Unknown site "%(site)s".') % {"site": site})
    kind = _KINDS_BY_NAME.get(_folded(values["kind"]))
    if kind is None:
        reasons.append(
            _(
                'Unknown kind "%(kind)s": use correct_use, wrong_fraction, waste_outside, '
                "bulky_dumped or vandalism."
            )
            % {"kind": values["kind"].strip()}
        )
    count_text = values["count"].strip()
    count = int(count_text) if _COUNT.fullmatch(count_text) else 0
    if not 1 <= count <= MAX_COUNT:
        reasons.append(
            _('The count "%(count)s" is not a whole number from 1 to %(maximum)d.')
            % {"count": count_text, "maximum": MAX_COUNT}
        )
    footage = values.get("footage", "").strip()
    footage_reason = footage_reference_error(footage)
    if footage_reason is not None:
        reasons.append(footage_reason)
    if reasons or moment is None or kind is None:
        return None, reasons
    try:
        return Observation(at=moment, site=site, kind=kind, count=count, footage=footage), []
    except ComplianceInputError as error:  # pragma: no cover - every check is made above
        return None, [str(error)]


def read_observations_csv(
    data: bytes | str,
    *,
    known_sites: Collection[str],
    now: datetime.datetime,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> ObservationsImport:
    """Every observation of a camera-analytics CSV export, or every error in it (see the
    module's docstring). ``now`` (aware) bounds the times; ``time_zone`` reads local times."""
    if not isinstance(now, datetime.datetime) or now.utcoffset() is None:
        raise ComplianceInputError(_("The current time must have a time zone."))
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ComplianceInputError(
            _("Unknown time zone: %(zone)s.") % {"zone": time_zone}
        ) from error
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        return _failed([RowError(0, _("The file is not UTF-8 text."))])
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    errors: list[RowError] = []
    observations: list[Observation] = []
    try:
        header = next(reader, None)
        if header is None or not any(name.strip() for name in header):
            return _failed([RowError(1, _("The file is empty: it needs a header row."))])
        header_errors = _header_errors(header)
        if header_errors:
            return _failed(header_errors)
        columns = [_folded(name).replace(" ", "_") for name in header]
        line = reader.line_num + 1
        for row in reader:
            if any(field.strip() for field in row):
                if len(row) != len(columns):
                    errors.append(
                        RowError(
                            line,
                            _("%(found)d fields where the header has %(expected)d.")
                            % {"found": len(row), "expected": len(columns)},
                        )
                    )
                else:
                    observation, reasons = _row_errors(
                        dict(zip(columns, row, strict=True)),
                        known_sites=known_sites,
                        zone=zone,
                        now=now,
                    )
                    if observation is not None:
                        observations.append(observation)
                    errors.extend(RowError(line, reason) for reason in reasons)
            line = reader.line_num + 1
    except csv.Error as error:
        errors.append(
            RowError(
                reader.line_num,
                _("This is not valid CSV (%(error)s).") % {"error": error},
            )
        )
    if errors:
        return _failed(errors)
    if not observations:
        return _failed([RowError(0, _("The file has no observations."))])
    return ObservationsImport(tuple(observations), ())
