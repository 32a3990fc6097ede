"""Import of historical readings from CSV (``manage.py urbandata_import``).

The dialect: UTF-8 (a byte-order mark is allowed), comma-separated, a header row, quoting
as RFC 4180; columns ``entity_id`` (the entity's NGSI-LD id, or another column named by
the caller), ``attribute`` (its short Smart Data Model name, e.g. ``fillingLevel``),
``observed_at`` (ISO 8601 with a zone: ``2026-03-01T08:00:00Z`` or ``…+02:00``) and
``value`` (a number with a decimal point, or a state such as ``burning``); other columns are
ignored.

Every row is checked, then written through ``ingest.history_write`` (the one validation and
write path), grouped per entity in chunks. A rejected row (its line number and the reason
are reported) writes nothing; the other rows are written.
"""

from __future__ import annotations

import csv
import datetime
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from digiplace.core import metrics

from ..errors import NgsiError
from ..models import Entity
from .ingest import HistoryPoint, history_write

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

REQUIRED = ("attribute", "observed_at", "value")
CHUNK_SIZE = 1000


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    written: int = 0  # new readings (a row already stored counts as accepted, not written)
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.rows - len(self.rejected)


@dataclass(frozen=True)
class _Row:
    line: int
    point: HistoryPoint


class CsvHeaderError(ValueError):
    """The file cannot be read as readings at all (a missing column)."""


def _value(text: str) -> Any:
    """A number when the text is one, else the text (a state)."""
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _row_parse(row: dict[str, str | None], entity_column: str) -> tuple[str, HistoryPoint]:
    """The row's entity id and point; ValueError with the reason for a bad row."""
    entity_id = (row.get(entity_column) or "").strip()
    attribute = (row.get("attribute") or "").strip()
    observed_text = (row.get("observed_at") or "").strip()
    value_text = (row.get("value") or "").strip()
    if None in row:
        raise ValueError(_("The row has more fields than the header."))
    if not entity_id:
        raise ValueError(_("The entity identifier is empty."))
    if not attribute:
        raise ValueError(_("The attribute is empty."))
    if not value_text:
        raise ValueError(_("The value is empty."))
    try:
        observed_at = parse_datetime(observed_text)
    except ValueError:
        observed_at = None
    if observed_at is None:
        raise ValueError(
            _("“%(text)s” is not an ISO 8601 date and time.") % {"text": observed_text}
        )
    if observed_at.tzinfo is None:
        raise ValueError(
            _("“%(text)s” has no time zone (add Z or an offset such as +02:00).")
            % {"text": observed_text}
        )
    return entity_id, HistoryPoint(
        attribute=attribute,
        observed_at=observed_at.astimezone(datetime.UTC),
        value=_value(value_text),
    )


def readings_csv_import(
    *,
    municipality: Municipality,
    lines: Iterable[str],
    entity_id_column: str = "entity_id",
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import the readings of a CSV file given as lines of text; ``progress`` is called
    with the number of rows read so far after each chunk is written."""
    reader = csv.DictReader(iter(lines))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [name for name in (entity_id_column, *REQUIRED) if name not in header]
    if missing:
        raise CsvHeaderError(
            _("The header lacks the column(s): %(columns)s.") % {"columns": ", ".join(missing)}
        )
    report = ImportReport()
    entities: dict[str, Entity | None] = {}
    pending: dict[int, list[_Row]] = {}
    by_pk: dict[int, Entity] = {}

    def flush(entity_pk: int) -> None:
        rows = pending.pop(entity_pk, [])
        if rows:
            _write(municipality, by_pk[entity_pk], rows, report)

    for row in reader:
        report.rows += 1
        line = reader.line_num
        try:
            entity_id, point = _row_parse(row, entity_id_column)
        except ValueError as error:
            report.rejected.append(RejectedRow(line, str(error)))
            continue
        if entity_id not in entities:
            entities[entity_id] = Entity.objects.filter(
                municipality=municipality, entity_id=entity_id
            ).first()
        entity = entities[entity_id]
        if entity is None:
            report.rejected.append(
                RejectedRow(line, _("There is no entity %(id)s in this city.") % {"id": entity_id})
            )
            continue
        by_pk[entity.pk] = entity
        pending.setdefault(entity.pk, []).append(_Row(line, point))
        if len(pending[entity.pk]) >= chunk_size:
            flush(entity.pk)
            if progress:
                progress(report.rows)
    for entity_pk in list(pending):
        flush(entity_pk)
    if progress:
        progress(report.rows)
    report.rejected.sort(key=lambda rejected: rejected.line)
    return report


def _write(
    municipality: Municipality, entity: Entity, rows: Sequence[_Row], report: ImportReport
) -> None:
    """Write a chunk; when the write path refuses it (naming one bad point, writing
    nothing), split it until each bad row stands alone and is reported."""
    try:
        with metrics.ingest_source("csv"):
            report.written += history_write(
                municipality=municipality,
                entity=entity,
                points=[row.point for row in rows],
                key=None,
            )
    except NgsiError as error:
        if len(rows) == 1:
            report.rejected.append(RejectedRow(rows[0].line, error.detail))
            return
        middle = len(rows) // 2
        _write(municipality, entity, rows[:middle], report)
        _write(municipality, entity, rows[middle:], report)
