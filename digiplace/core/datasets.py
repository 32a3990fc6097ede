"""The open-data registry: each module declares the datasets it publishes, the open-data
module (``digiplace.opendata``) makes and serves them.

A module registers its datasets in its AppConfig.ready() (``dataset_register``), as it
registers its periodic jobs; it imports nothing from the open-data module, and the open-data
module imports nothing from it. A module that is not installed registers nothing, so it
publishes nothing; without the open-data module installed, the declarations are unused.

A dataset declares:

- what it is, in words translated with the catalogue (title, description, keywords), the
  EU vocabularies' codes (data themes, update frequency) and when it is refreshed;
- its table: ``rows(municipality)`` yields one mapping per row, keyed by the ``columns``'
  names, in order (a generator: 100,000 reports are never held in memory at once), or
  ``files`` for data a module already exports in its field's standard format (a GTFS zip),
  and ``links`` for data served live by the module itself (GTFS-realtime feeds);
- how personal data is taken out (``Privacy``): the open-data module applies the declared
  transformations itself (free text masked, locations snapped to a grid, small cells
  suppressed) and measures the result, so each module's query selects no personal field
  and the rules are written, checked and reported in one place;
- what residents read on the dataset's plain-language page: a few key figures and a chart.

Values in rows are ``str``, ``int``, ``float``, ``bool``, ``datetime.date``,
``datetime.datetime`` (aware) or None, as the column's ``type`` says.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from .models import Municipality

Text = str | Promise
Row = Mapping[str, Any]

ColumnType = Literal["string", "integer", "number", "boolean", "date", "datetime"]

# The EU data-theme vocabulary's codes and labels
# (http://publications.europa.eu/resource/authority/data-theme/).
THEME_LABELS: dict[str, Promise] = {
    "AGRI": gettext_lazy("Agriculture, fisheries, forestry and food"),
    "ECON": gettext_lazy("Economy and finance"),
    "EDUC": gettext_lazy("Education, culture and sport"),
    "ENER": gettext_lazy("Energy"),
    "ENVI": gettext_lazy("Environment"),
    "GOVE": gettext_lazy("Government and public sector"),
    "HEAL": gettext_lazy("Health"),
    "INTR": gettext_lazy("International issues"),
    "JUST": gettext_lazy("Justice, legal system and public safety"),
    "OP_DATPRO": gettext_lazy("Provisional data"),
    "REGI": gettext_lazy("Regions and cities"),
    "SOCI": gettext_lazy("Population and society"),
    "TECH": gettext_lazy("Science and technology"),
    "TRAN": gettext_lazy("Transport"),
}
THEMES = frozenset(THEME_LABELS)
# The EU frequency vocabulary's codes used here, and their labels
# (http://publications.europa.eu/resource/authority/frequency/).
FREQUENCY_LABELS: dict[str, Promise] = {
    "CONT": gettext_lazy("Continuously"),
    "UPDATE_CONT": gettext_lazy("Continuously updated"),
    "HOURLY": gettext_lazy("Every hour"),
    "DAILY": gettext_lazy("Every day"),
    "WEEKLY": gettext_lazy("Every week"),
    "MONTHLY": gettext_lazy("Every month"),
    "QUARTERLY": gettext_lazy("Every quarter"),
    "ANNUAL": gettext_lazy("Every year"),
    "IRREG": gettext_lazy("Irregularly"),
}
FREQUENCIES = frozenset(FREQUENCY_LABELS)


@dataclass(frozen=True)
class Column:
    """One column of a dataset's table, as its data dictionary shows it."""

    name: str  # stable machine name: the CSV header, the JSON key
    type: ColumnType
    description: Text
    unit: str = ""  # as people write it: "µg/m³", "RON", "%", "min"
    # Text people wrote (a report's description): emails, phone numbers, CNPs and licence
    # plates in it are masked before publication.
    free_text: bool = False


@dataclass(frozen=True)
class Suppression:
    """Aggregate counts: cells counting fewer than ``k`` people are hidden, with
    complementary suppression (``core.suppression``) so that no hidden value can be recovered
    from the published row and column totals.

    The rows are the cells of a table whose row key is ``rows``, column key ``column`` (None:
    a one-dimensional table, cells adding up to a total) and, when ``groups`` is given, one
    such table per distinct value of ``groups`` (a month). The published file carries the
    table's totals as rows whose key columns say ``TOTAL``; a hidden count is published
    empty. ``people`` names the column that counts the distinct people behind ``value``
    (dropped from the file); without it the count itself is taken as the people.
    """

    value: str
    rows: tuple[str, ...]
    column: str | None = None
    groups: tuple[str, ...] = ()
    people: str | None = None
    k: int | None = None  # None: settings.OPENDATA_K


TOTAL = "TOTAL"


@dataclass(frozen=True)
class Privacy:
    """How the published rows were made safe, in plain words and as rules to apply."""

    # What the statement on the dataset's page says, in plain words.
    statement: Text
    # Fields the source records have and the file does not (names, emails...).
    removed: tuple[Text, ...] = ()
    # Fields published less precisely (a date as its month...), done by the module's query.
    generalised: tuple[Text, ...] = ()
    # (latitude column, longitude column) snapped to a square grid (settings.OPENDATA_GRID_METRES
    # unless ``grid_metres``): each point becomes its cell's centre.
    grid: tuple[str, str] | None = None
    grid_metres: int | None = None
    # The columns someone could link to a person (place, time, category): the privacy report
    # gives the smallest number of published rows sharing one combination (k-anonymity).
    quasi_identifiers: tuple[str, ...] = ()
    suppression: Suppression | None = None
    # False for data about no one (a bus timetable, a budget): the statement says so.
    personal: bool = True


@dataclass(frozen=True)
class KeyFigure:
    """A figure the plain-language page shows, computed from the published rows."""

    label: Text
    compute: Callable[[Sequence[Row]], float | int | None]
    unit: Text = ""


def figure_count(rows: Sequence[Row]) -> int:
    """A key figure: how many rows were published."""
    return len(rows)


def figure_distinct(*columns: str) -> Callable[[Sequence[Row]], int]:
    """A key figure: how many distinct values (tuples of ``columns``) the rows hold, rows
    with all of them empty left out."""

    def compute(rows: Sequence[Row]) -> int:
        seen = {tuple(row[column] for column in columns) for row in rows}
        seen.discard((None,) * len(columns))
        return len(seen)

    return compute


def figure_mean(column: str, **where: Any) -> Callable[[Sequence[Row]], float | None]:
    """A key figure: the mean of ``column`` over the rows (whose ``where`` columns hold the
    values given), to one decimal; None without values."""

    def compute(rows: Sequence[Row]) -> float | None:
        total, count = 0.0, 0
        for row in rows:
            value = row[column]
            if value is not None and all(row[key] == wanted for key, wanted in where.items()):
                total += value
                count += 1
        return round(total / count, 1) if count else None

    return compute


def figure_total(column: str, *, scale: float = 1.0) -> Callable[[Sequence[Row]], float | None]:
    """A key figure: the sum of ``column`` times ``scale`` (kWh to MWh), to one decimal; None
    without values."""

    def compute(rows: Sequence[Row]) -> float | None:
        values = [row[column] for row in rows if row[column] is not None]
        return round(sum(values) * scale, 1) if values else None

    return compute


@dataclass(frozen=True)
class Chart:
    """A series the plain-language page and the preview draw: ``y`` against ``x``, the rows
    with equal ``x`` combined by ``aggregate`` (totals rows of suppressed tables left out)."""

    x: str
    y: str
    kind: Literal["line", "bar"] = "line"
    aggregate: Literal["sum", "mean", "max", "count"] = "sum"
    # At most this many points: the latest ones for a line, the largest for bars.
    limit: int = 60


@dataclass(frozen=True)
class DataFile:
    """A distribution the module makes itself in its field's format (a GTFS zip)."""

    name: str  # file name offered on download: "gtfs.zip"
    format: str  # EU file-type code: "ZIP", "GTFS"...
    media_type: str  # "application/zip"
    title: Text
    produce: Callable[[Municipality], bytes]
    description: Text = ""


@dataclass(frozen=True)
class DataLink:
    """A distribution the module serves live (a GTFS-realtime feed): the catalogue gives its
    address (``url_name`` reversed with ``url_kwargs``, on the city's host)."""

    url_name: str
    format: str  # EU file-type code, or the field's name ("GTFS-RT")
    media_type: str
    title: Text
    description: Text = ""
    url_kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetSpec:
    module: str  # the module's code (``core.modules``)
    slug: str  # unique on the platform, "<module>-<name>": the dataset's address
    title: Text
    description: Text
    themes: tuple[str, ...]  # codes of THEMES
    keywords: tuple[Text, ...]
    frequency: str  # a code of FREQUENCIES
    # Regenerated at least this often, and soon after a write in a module of ``depends_on``
    # (settings.OPENDATA_CHANGE_DELAY_SECONDS) when ``on_change``.
    refresh: datetime.timedelta
    privacy: Privacy
    columns: tuple[Column, ...] = ()
    rows: Callable[[Municipality], Iterable[Row]] | None = None
    # Of "csv", "json", "xlsx" and "geojson" (which needs ``geometry``).
    formats: tuple[str, ...] = ("csv", "json", "xlsx")
    # (latitude column, longitude column): the points of the map preview and of GeoJSON.
    geometry: tuple[str, str] | None = None
    # The column whose values give the dataset's temporal coverage (a date or datetime).
    temporal: str | None = None
    files: tuple[DataFile, ...] = ()
    links: tuple[DataLink, ...] = ()
    figures: tuple[KeyFigure, ...] = ()
    chart: Chart | None = None
    on_change: bool = True
    # How long an earlier version stays downloadable (None: settings'
    # OPENDATA_VERSION_RETENTION_DAYS). Shorter for a rolling series whose every version
    # holds the previous one (a year of hourly readings, hundreds of megabytes a day).
    versions_kept: datetime.timedelta | None = None
    depends_on: tuple[str, ...] = ()  # modules whose writes change it; empty: ``module``
    # Whether the city publishes it at all (a city with no bus network publishes no GTFS).
    available: Callable[[Municipality], bool] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.themes) - THEMES
        if unknown or not self.themes:
            raise ValueError(f"{self.slug}: unknown or missing data themes {sorted(unknown)}")
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"{self.slug}: unknown frequency {self.frequency}")
        if self.rows is None and not self.files and not self.links:
            raise ValueError(f"{self.slug}: a dataset needs rows, files or links")
        if self.rows is not None and not self.columns:
            raise ValueError(f"{self.slug}: a table needs its columns")
        if "geojson" in self.formats and self.geometry is None:
            raise ValueError(f"{self.slug}: GeoJSON needs the geometry columns")
        names = {column.name for column in self.columns}
        named = [*(self.geometry or ()), self.temporal or ""]
        named += list(self.privacy.grid or ()) + list(self.privacy.quasi_identifiers)
        if self.chart:
            named += [self.chart.x, self.chart.y]
        if self.privacy.suppression:
            rule = self.privacy.suppression
            named += [rule.value, *rule.rows, *rule.groups]
            named += [name for name in (rule.column, rule.people) if name]
        missing = {name for name in named if name} - names
        if missing:
            raise ValueError(f"{self.slug}: columns not declared: {sorted(missing)}")

    @property
    def modules(self) -> tuple[str, ...]:
        return self.depends_on or (self.module,)


_datasets: dict[str, DatasetSpec] = {}


def dataset_register(spec: DatasetSpec) -> None:
    """Declare a dataset; registering a slug again replaces it."""
    _datasets[spec.slug] = spec


def dataset_unregister(slug: str) -> None:
    _datasets.pop(slug, None)


def registered_datasets(module: str | None = None) -> list[DatasetSpec]:
    """Every declared dataset (of ``module``), by slug."""
    return sorted(
        (spec for spec in _datasets.values() if module is None or spec.module == module),
        key=lambda spec: spec.slug,
    )


def dataset_spec(slug: str) -> DatasetSpec | None:
    return _datasets.get(slug)


def datasets_available(municipality: Municipality) -> list[DatasetSpec]:
    """The datasets the city publishes: declared, and available there."""
    return [
        spec
        for spec in registered_datasets()
        if spec.available is None or spec.available(municipality)
    ]


__all__ = [
    "FREQUENCIES",
    "FREQUENCY_LABELS",
    "THEMES",
    "THEME_LABELS",
    "TOTAL",
    "Chart",
    "Column",
    "DataFile",
    "DataLink",
    "DatasetSpec",
    "KeyFigure",
    "Privacy",
    "Row",
    "Suppression",
    "dataset_register",
    "dataset_spec",
    "dataset_unregister",
    "datasets_available",
    "figure_count",
    "figure_distinct",
    "figure_mean",
    "figure_total",
    "registered_datasets",
]
