"""Writers of a dataset's files: CSV, JSON, GeoJSON and XLSX, fed one row at a time (a table
of 100,000 rows goes to temporary files, never into memory whole).

CSV, JSON and GeoJSON are byte-for-byte the same for the same data, so the version's
fingerprint is a SHA-256 over their bytes (and the module's own files); XLSX is a zip whose
entries carry the time it was written, so it stays out of the fingerprint. The JSON file
names its version number, which is left out of its fingerprint: the same rows under the
next number are the same data.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from digiplace.core.datasets import Column

from .selectors import in_languages

MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "geojson": "application/geo+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TABLE_FORMATS = tuple(MEDIA_TYPES)
# The formats whose bytes are the same for the same data (the fingerprint's).
CANONICAL_FORMATS = frozenset({"csv", "json", "geojson"})

CSV_STANDARD = "https://www.rfc-editor.org/rfc/rfc4180"


class PublishedCsv(csv.Dialect):
    """The dialect of every published CSV file (RFC 4180), as Python's csv module reads it."""

    delimiter = ","
    quotechar = '"'
    doublequote = True
    escapechar = None
    lineterminator = "\r\n"
    quoting = csv.QUOTE_MINIMAL
    skipinitialspace = False
    strict = True


# What the pages say about every CSV file (the data dictionary's note).
CSV_DIALECT = _(
    "CSV files follow RFC 4180: UTF-8 without a byte-order mark, fields separated by commas, "
    "text in double quotes when it holds a comma, a quote or a line break (a quote inside "
    "written twice), lines ending in CRLF, and a first line with the column names. Dates and "
    "times are in ISO 8601, times in UTC with their offset (2026-03-01T08:00:00+00:00); "
    "decimals use a point; an empty field means no value."
)


def _utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime in a dataset: {value!r}")
    return value.astimezone(datetime.UTC)


def json_value(value: Any) -> Any:
    """A cell as JSON: numbers, booleans and null as themselves, dates in ISO 8601."""
    if isinstance(value, datetime.datetime):
        return _utc(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def cell_text(value: Any) -> str:
    """A cell as the CSV writes it (and as the quasi-identifiers are compared)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, datetime.datetime | datetime.date):
        return str(json_value(value))
    return str(value)


def _xlsx_value(sheet: Any, value: Any) -> Any:
    # Excel has no time zones: times are written in UTC, as the dialect note says.
    if isinstance(value, datetime.datetime):
        return _utc(value).replace(tzinfo=None)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):
            # Text people wrote stays text: openpyxl would store it as a formula.
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
    return value


@dataclass(frozen=True)
class WrittenFile:
    """A finished file: where it lies, its size and checksums."""

    key: str
    name: str
    media_type: str
    path: Path
    byte_size: int
    sha256: str
    # SHA-256 of the bytes that depend on the data only (None: not part of the fingerprint).
    canonical: str | None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingText:
    """A UTF-8 text file whose bytes are hashed as they are written; ``canonical=False``
    writes bytes left out of the data's hash (the version number)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] = path.open("wb")
        self.canonical = hashlib.sha256()

    def write(self, text: str, *, canonical: bool = True) -> None:
        data = text.encode("utf-8")
        self._handle.write(data)
        if canonical:
            self.canonical.update(data)

    def close(self) -> None:
        self._handle.close()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def column_dictionary(column: Column) -> dict[str, Any]:
    """A column as the JSON file's ``columns`` describe it."""
    return {
        "name": column.name,
        "type": column.type,
        "unit": column.unit,
        "description": in_languages(column.description),
    }


class TableFiles:
    """The files of one table, written together as the rows go by.

    ``formats``: of ``TABLE_FORMATS``; ``geometry``: (latitude, longitude) columns for
    GeoJSON. Use as ``files.write(row)`` for each row, then ``files.finish()``; the files lie
    in a temporary folder until ``cleanup()``.
    """

    def __init__(
        self,
        *,
        slug: str,
        version: int,
        columns: Sequence[Column],
        formats: Sequence[str],
        geometry: tuple[str, str] | None = None,
    ) -> None:
        unknown = set(formats) - set(TABLE_FORMATS)
        if unknown:
            raise ValueError(f"{slug}: unknown formats {sorted(unknown)}")
        if "geojson" in formats and geometry is None:
            raise ValueError(f"{slug}: GeoJSON needs the geometry columns")
        self.slug = slug
        self.columns = tuple(columns)
        self.names = [column.name for column in self.columns]
        self.formats = tuple(dict.fromkeys(formats))
        self.geometry = geometry
        self._folder = tempfile.TemporaryDirectory(prefix="opendata-")
        self.folder = Path(self._folder.name)
        self.rows = 0
        self._csv_file: _HashingText | None = None
        self._csv: Any = None
        self._json: _HashingText | None = None
        self._geojson: _HashingText | None = None
        self._xlsx: Workbook | None = None
        self._xlsx_sheet: Any = None
        self._open(version)

    def _path(self, key: str) -> Path:
        return self.folder / f"{self.slug}.{key}"

    def _open(self, version: int) -> None:
        if "csv" in self.formats:
            self._csv_file = _HashingText(self._path("csv"))
            self._csv_buffer = io.StringIO()
            self._csv = csv.writer(self._csv_buffer, dialect=PublishedCsv)
            self._csv.writerow(self.names)
            self._flush_csv()
        if "json" in self.formats:
            self._json = _HashingText(self._path("json"))
            self._json.write(f'{{"dataset":{_json(self.slug)},')
            self._json.write(f'"version":{version},', canonical=False)
            columns = [column_dictionary(column) for column in self.columns]
            self._json.write(f'"columns":{_json(columns)},"rows":[')
        if "geojson" in self.formats:
            self._geojson = _HashingText(self._path("geojson"))
            self._geojson.write('{"type":"FeatureCollection","features":[')
        if "xlsx" in self.formats:
            self._xlsx = Workbook(write_only=True)
            self._xlsx_sheet = self._xlsx.create_sheet("data")
            self._xlsx_sheet.append(self.names)

    def _flush_csv(self) -> None:
        assert self._csv_file is not None
        self._csv_file.write(self._csv_buffer.getvalue())
        self._csv_buffer.seek(0)
        self._csv_buffer.truncate()

    def write(self, row: Mapping[str, Any]) -> None:
        values = [row.get(name) for name in self.names]
        separator = "," if self.rows else ""
        if self._csv is not None:
            self._csv.writerow([cell_text(value) for value in values])
            self._flush_csv()
        if self._json is not None:
            record = {
                name: json_value(value) for name, value in zip(self.names, values, strict=True)
            }
            self._json.write(separator + _json(record))
        if self._geojson is not None and self.geometry is not None:
            self._geojson.write(separator + _json(self._feature(row)))
        if self._xlsx_sheet is not None:
            self._xlsx_sheet.append([_xlsx_value(self._xlsx_sheet, value) for value in values])
        self.rows += 1

    def _feature(self, row: Mapping[str, Any]) -> dict[str, Any]:
        assert self.geometry is not None
        latitude, longitude = (row.get(name) for name in self.geometry)
        geometry = None
        if latitude is not None and longitude is not None:
            # RFC 7946: longitude first.
            geometry = {"type": "Point", "coordinates": [float(longitude), float(latitude)]}
        properties = {
            name: json_value(row.get(name)) for name in self.names if name not in self.geometry
        }
        return {"type": "Feature", "geometry": geometry, "properties": properties}

    def finish(self) -> list[WrittenFile]:
        """Close every file; returns them in the order of ``formats``."""
        hashes: dict[str, str | None] = {}
        if self._csv_file is not None:
            self._csv_file.close()
            hashes["csv"] = self._csv_file.canonical.hexdigest()
        if self._json is not None:
            self._json.write("]}")
            self._json.close()
            hashes["json"] = self._json.canonical.hexdigest()
        if self._geojson is not None:
            self._geojson.write("]}")
            self._geojson.close()
            hashes["geojson"] = self._geojson.canonical.hexdigest()
        if self._xlsx is not None:
            dictionary = self._xlsx.create_sheet("dictionary")
            dictionary.append(["name", "type", "unit", "description (ro)", "description (en)"])
            for column in self.columns:
                texts = in_languages(column.description)
                dictionary.append([column.name, column.type, column.unit, texts["ro"], texts["en"]])
            self._xlsx.save(self._path("xlsx"))
            hashes["xlsx"] = None
        written = []
        for key in self.formats:
            path = self._path(key)
            written.append(
                WrittenFile(
                    key=key,
                    name=path.name,
                    media_type=MEDIA_TYPES[key],
                    path=path,
                    byte_size=path.stat().st_size,
                    sha256=file_sha256(path),
                    canonical=hashes[key],
                )
            )
        return written

    def cleanup(self) -> None:
        for handle in (self._csv_file, self._json, self._geojson):
            if handle is not None:
                handle.close()
        self._folder.cleanup()


def module_file(folder: Path, *, name: str, media_type: str, content: bytes) -> WrittenFile:
    """A module's own file (a GTFS zip) written next to the tables."""
    path = folder / name
    path.write_bytes(content)
    checksum = hashlib.sha256(content).hexdigest()
    return WrittenFile(
        key=name,
        name=name,
        media_type=media_type,
        path=path,
        byte_size=len(content),
        sha256=checksum,
        canonical=checksum,
    )


def fingerprint(files: Sequence[WrittenFile]) -> str:
    """SHA-256 over the files' data checksums (XLSX left out), in key order."""
    digest = hashlib.sha256()
    for item in sorted(files, key=lambda written: written.key):
        if item.canonical is not None:
            digest.update(f"{item.key}:{item.canonical}\n".encode())
    return digest.hexdigest()


__all__ = [
    "CANONICAL_FORMATS",
    "CSV_DIALECT",
    "CSV_STANDARD",
    "MEDIA_TYPES",
    "TABLE_FORMATS",
    "PublishedCsv",
    "TableFiles",
    "WrittenFile",
    "cell_text",
    "column_dictionary",
    "fingerprint",
    "json_value",
    "module_file",
]
