"""Making a city's datasets: the files of each declared dataset (``core.datasets``), with its
privacy rules applied and measured, stored as a new version when the data changed.

One pass over the module's rows: free-text columns masked, grid columns snapped, rows
written to every format at once and counted as they go (a table of 100,000 rows is never
held in memory: the key figures and the chart read the published rows again from a
temporary file; only suppressing small counts needs the whole table, of aggregates). The
files go to the default storage first, then the database rows in one transaction; when
anything fails, the files written are deleted, the dataset's ``last_error`` says why and its
previous version stays current.
"""

from __future__ import annotations

import datetime
import logging
import pickle
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from digiplace.core.cache_versions import cache_version_bump, cache_versions
from digiplace.core.datasets import TOTAL, DatasetSpec, Suppression, datasets_available
from digiplace.core.models import Municipality

from ..anonymise import KINDS, KAnonymity, grid_snap, is_total_row, mask_text, suppress
from ..formats import TableFiles, WrittenFile, cell_text, fingerprint, json_value, module_file
from ..models import Dataset, DatasetVersion, Distribution
from ..selectors import in_languages

logger = logging.getLogger(__name__)


class GenerationFailed(Exception):
    """A dataset could not be made; its previous version stays current."""


class _Superseded(Exception):
    """Another worker made the same version meanwhile."""


def source_version(municipality: Municipality, spec: DatasetSpec) -> str:
    """The joined cache versions of the modules the dataset depends on."""
    versions = cache_versions(municipality.pk, spec.modules)
    return "|".join(f"{module}={versions[module]}" for module in spec.modules)[:400]


class _Spool(Sequence[dict[str, Any]]):
    """The published rows, kept for the key figures and the chart in a temporary file rather
    than in memory (a year of hourly air quality is millions of rows): read again from the
    start by each figure, in batches of pickled rows. Only iteration and ``len`` are cheap;
    an index reads up to it."""

    BATCH = 2_000

    def __init__(self) -> None:
        # Closed by ``cleanup`` (the generation's clean-up list), whatever happens.
        self._file = tempfile.TemporaryFile(prefix="opendata-rows-")  # noqa: SIM115
        self._batch: list[dict[str, Any]] = []
        self._count = 0

    def append(self, row: dict[str, Any]) -> None:
        self._batch.append(row)
        self._count += 1
        if len(self._batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            pickle.dump(self._batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._batch = []

    def close(self) -> None:
        self._flush()

    def cleanup(self) -> None:
        self._file.close()

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self._flush()
        self._file.seek(0)
        # Only this process wrote the file: the pickles are ours.
        while True:
            try:
                batch = pickle.load(self._file)  # noqa: S301
            except EOFError:
                return
            yield from batch

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        rows = list(self)
        return rows[index]


@dataclass
class _Measured:
    """What one pass over the rows found."""

    rows: int = 0
    masked: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    kept: _Spool | None = None
    primary: int = 0
    complementary: int = 0


def _moment(value: Any) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time(), tzinfo=datetime.UTC)
    return None


def _prepared(
    spec: DatasetSpec, municipality: Municipality, measured: _Measured
) -> Iterator[dict[str, Any]]:
    """The module's rows with free text masked and the grid columns snapped."""
    assert spec.rows is not None
    names = [column.name for column in spec.columns]
    free = [column.name for column in spec.columns if column.free_text]
    grid = spec.privacy.grid
    metres = spec.privacy.grid_metres or settings.OPENDATA_GRID_METRES
    for source in spec.rows(municipality):
        row = {name: source.get(name) for name in names}
        for name in free:
            text = row[name]
            if isinstance(text, str):
                row[name], counts = mask_text(text)
                for kind, found in counts.items():
                    measured.masked[kind] += found
        if grid is not None:
            latitude, longitude = row[grid[0]], row[grid[1]]
            if latitude is not None and longitude is not None:
                row[grid[0]], row[grid[1]] = grid_snap(float(latitude), float(longitude), metres)
        yield row


def _published_rows(
    spec: DatasetSpec, municipality: Municipality, measured: _Measured
) -> Iterable[dict[str, Any]]:
    rows = _prepared(spec, municipality, measured)
    rule = spec.privacy.suppression
    if rule is None:
        return rows
    result = suppress(rows, rule, k=rule.k or settings.OPENDATA_K)
    measured.primary, measured.complementary = result.primary, result.complementary
    return result.rows


def _charted(row: dict[str, Any], rule: Suppression, x: str, aggregate: str) -> bool:
    """Whether a row of a suppressed table goes into the chart. Totals rows are left out,
    but for sums along a key the table's own totals are the exact figures (hidden cells
    would be missing from a sum of cells): per group, its grand total; per row key, the
    row totals; per column key, the column totals."""
    keys = (*rule.rows, *((rule.column,) if rule.column else ()))
    if aggregate == "sum" and x in rule.groups:
        return all(row.get(name) == TOTAL for name in keys)
    if aggregate == "sum" and rule.column is not None and (x == rule.column or rule.rows == (x,)):
        return row.get(x) != TOTAL and all(row.get(name) == TOTAL for name in keys if name != x)
    return not is_total_row(row, rule)


def _chart(spec: DatasetSpec, rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    chart = spec.chart
    if chart is None:
        return {}
    rule = spec.privacy.suppression
    groups: dict[Any, list[float]] = {}
    for row in rows:
        if rule is not None and not _charted(row, rule, chart.x, chart.aggregate):
            continue
        x, y = row.get(chart.x), row.get(chart.y)
        if x is None or (y is None and chart.aggregate != "count"):
            continue
        # A count counts rows, whatever ``y`` holds (an identifier, a text).
        value = 1.0 if chart.aggregate == "count" else float(y or 0)
        groups.setdefault(json_value(x), []).append(value)
    points: list[tuple[Any, float]] = []
    for x, values in groups.items():
        if chart.aggregate == "sum":
            value = sum(values)
        elif chart.aggregate == "mean":
            value = sum(values) / len(values)
        elif chart.aggregate == "max":
            value = max(values)
        else:
            value = float(len(values))
        points.append((x, round(value, 6)))
    if chart.kind == "line":
        points = sorted(points, key=lambda point: str(point[0]))[-chart.limit :]
    else:
        points = sorted(points, key=lambda point: (-point[1], str(point[0])))[: chart.limit]
    return {"x": [x for x, _ in points], "y": [y for _, y in points]}


def _figures(spec: DatasetSpec, rows: Sequence[dict[str, Any]]) -> list[float | int | None]:
    values: list[float | int | None] = []
    for figure in spec.figures:
        value = figure.compute(rows)
        values.append(round(value, 6) if isinstance(value, float) else value)
    return values


@dataclass
class _Made:
    """A generation's files (in a temporary folder) and what goes on the version."""

    files: list[WrittenFile]
    measured: _Measured
    report: dict[str, Any]
    figures: list[float | int | None]
    chart: dict[str, list[Any]]
    k: int | None
    cleanup: list[Any]

    def discard(self) -> None:
        for item in self.cleanup:
            item.cleanup()


def _make(spec: DatasetSpec, municipality: Municipality, number: int) -> _Made:
    measured = _Measured()
    files: list[WrittenFile] = []
    cleanup: list[Any] = []
    privacy = spec.privacy
    quasi = KAnonymity(privacy.quasi_identifiers)
    figures: list[float | int | None] = []
    chart: dict[str, list[Any]] = {}
    try:
        if spec.rows is not None:
            rule = privacy.suppression
            columns = [c for c in spec.columns if rule is None or c.name != rule.people]
            formats = list(spec.formats)
            table = TableFiles(
                slug=spec.slug,
                version=number,
                columns=columns,
                formats=formats,
                geometry=spec.geometry,
            )
            cleanup.append(table)
            if spec.figures or spec.chart:
                measured.kept = _Spool()
                cleanup.append(measured.kept)
            for row in _published_rows(spec, municipality, measured):
                table.write(row)
                measured.rows += 1
                if spec.temporal is not None:
                    moment = _moment(row.get(spec.temporal))
                    if moment is not None:
                        if measured.start is None or moment < measured.start:
                            measured.start = moment
                        if measured.end is None or moment > measured.end:
                            measured.end = moment
                # Measured on the text the CSV holds, so that it can be checked from the file.
                quasi.add([cell_text(row.get(name)) for name in privacy.quasi_identifiers])
                if measured.kept is not None:
                    measured.kept.append(row)
            files.extend(table.finish())
            if measured.kept is not None:
                measured.kept.close()
                figures = _figures(spec, measured.kept)
                chart = _chart(spec, measured.kept)
        if spec.files:
            folder = tempfile.TemporaryDirectory(prefix="opendata-")
            cleanup.append(folder)
            for data_file in spec.files:
                files.append(
                    module_file(
                        Path(folder.name),
                        name=data_file.name,
                        media_type=data_file.media_type,
                        content=data_file.produce(municipality),
                    )
                )
    except BaseException:
        for item in cleanup:
            item.cleanup()
        raise
    rule = privacy.suppression
    report: dict[str, Any] = {
        "personal": privacy.personal,
        "removed": [in_languages(text) for text in privacy.removed],
        "generalised": [in_languages(text) for text in privacy.generalised],
        "masked": measured.masked,
        "grid_metres": (privacy.grid_metres or settings.OPENDATA_GRID_METRES)
        if privacy.grid
        else None,
        "suppressed": {
            "primary": measured.primary,
            "complementary": measured.complementary,
            "k": rule.k or settings.OPENDATA_K,
        }
        if rule is not None
        else None,
        "quasi_identifiers": list(privacy.quasi_identifiers),
        "k_anonymity": quasi.k,
        "rows": measured.rows if spec.rows is not None else None,
    }
    return _Made(
        files=files,
        measured=measured,
        report=report,
        figures=figures,
        chart=chart,
        k=quasi.k,
        cleanup=cleanup,
    )


def _store(version: DatasetVersion, made: _Made, stored: list[str]) -> list[Distribution]:
    """Copy the files into the default storage (their names appended to ``stored`` as they
    land, for the clean-up); the distributions are returned unsaved."""
    distributions = []
    for written in made.files:
        distribution = Distribution(
            version=version,
            municipality_id=version.municipality_id,
            key=written.key,
            media_type=written.media_type,
            byte_size=written.byte_size,
            sha256=written.sha256,
        )
        with written.path.open("rb") as handle:
            distribution.file.save(written.name, File(handle), save=False)
        stored.append(distribution.file.name)
        distributions.append(distribution)
    return distributions


def _record_error(dataset: Dataset, error: BaseException, now: datetime.datetime) -> None:
    # ``checked`` moves too: the refresh tries again after the change delay, not every minute.
    message = f"{now.isoformat()}: {type(error).__name__}: {error}"[:2000]
    Dataset.objects.filter(pk=dataset.pk).update(last_error=message, checked=now)
    dataset.last_error, dataset.checked = message, now
    # The back office shows the error (update() sends no signal).
    cache_version_bump(dataset.municipality_id, "opendata")


def dataset_generate(
    municipality: Municipality,
    spec: DatasetSpec,
    *,
    force: bool = False,
    now: datetime.datetime | None = None,
) -> DatasetVersion | None:
    """Make the dataset's files for the city; returns the new version, or None when the data
    had not changed (then only ``checked`` and ``source_version`` move). ``force``: a new
    version even when the files are the same (staff's "regenerate now").

    Raises ``GenerationFailed`` when the files could not be made or stored; nothing of the
    attempt remains but the dataset's ``last_error``."""
    now = now or timezone.now()
    # Read before the rows: a write made while they are read moves it again, and the next
    # refresh sees the difference.
    seen = source_version(municipality, spec)
    dataset, _created = Dataset.objects.get_or_create(
        municipality=municipality, slug=spec.slug, defaults={"module": spec.module}
    )
    current = dataset.current_version()
    number = (current.number if current else 0) + 1
    stored: list[str] = []
    made: _Made | None = None
    try:
        made = _make(spec, municipality, number)
        new_fingerprint = fingerprint(made.files)
        if current is not None and current.fingerprint == new_fingerprint and not force:
            Dataset.objects.filter(pk=dataset.pk).update(
                checked=now, source_version=seen, last_error="", module=spec.module
            )
            if dataset.last_error:
                cache_version_bump(municipality.pk, "opendata")
            return None
        version = DatasetVersion(
            dataset=dataset,
            municipality=municipality,
            number=number,
            created=now,
            row_count=made.measured.rows if spec.rows is not None else None,
            temporal_start=made.measured.start,
            temporal_end=made.measured.end,
            privacy_report=made.report,
            figures=made.figures,
            chart=made.chart,
            fingerprint=new_fingerprint,
        )
        distributions = _store(version, made, stored)
        with transaction.atomic():
            locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
            latest = locked.current_version()
            if (latest.number if latest else 0) != number - 1:
                # Another worker made a version meanwhile: its files stand, ours go.
                raise _Superseded
            version.save()
            for distribution in distributions:
                distribution.version = version
                distribution.save()
            Dataset.objects.filter(pk=dataset.pk).update(
                module=spec.module,
                issued=locked.issued or now,
                modified=now,
                checked=now,
                source_version=seen,
                last_error="",
            )
        return version
    except _Superseded:
        _delete(stored)
        return None
    except Exception as error:
        _delete(stored)
        _record_error(dataset, error, now)
        logger.exception("open data: %s of %s could not be made", spec.slug, municipality.slug)
        raise GenerationFailed(f"{spec.slug}: {error}") from error
    finally:
        if made is not None:
            made.discard()


def _delete(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - the storage away: the file stays an orphan
            logger.exception("open data: could not delete %s", name)


@dataclass(frozen=True)
class Generated:
    """What a generation did, for the command and the logs."""

    municipality: Municipality
    spec: DatasetSpec
    version: DatasetVersion | None
    error: str = ""

    @property
    def rows(self) -> int | None:
        return self.version.row_count if self.version is not None else None


def _generate_logged(
    municipality: Municipality, spec: DatasetSpec, *, force: bool, now: datetime.datetime | None
) -> Generated:
    try:
        version = dataset_generate(municipality, spec, force=force, now=now)
    except GenerationFailed as error:
        return Generated(municipality, spec, None, error=str(error))
    except Exception as error:
        # Outside the generation itself (the database away): logged, the others go on.
        logger.exception("open data: %s of %s failed", spec.slug, municipality.slug)
        return Generated(municipality, spec, None, error=f"{spec.slug}: {error}")
    return Generated(municipality, spec, version)


def city_generate(
    municipality: Municipality,
    *,
    force: bool = False,
    slugs: Iterable[str] | None = None,
    now: datetime.datetime | None = None,
) -> list[Generated]:
    """Make every dataset the city publishes (or those of ``slugs``), one failing not
    stopping the others."""
    wanted = set(slugs) if slugs is not None else None
    return [
        _generate_logged(municipality, spec, force=force, now=now)
        for spec in datasets_available(municipality)
        if wanted is None or spec.slug in wanted
    ]


def is_due(
    spec: DatasetSpec,
    dataset: Dataset | None,
    *,
    has_version: bool,
    seen: str,
    now: datetime.datetime,
) -> bool:
    """Whether the refresh makes the dataset now: never made, its refresh interval passed,
    or (``on_change``) its modules changed and it was not checked in the last
    OPENDATA_CHANGE_DELAY_SECONDS (many writes in a row make one regeneration); after a
    failure, once that delay has passed."""
    if dataset is None or dataset.checked is None:
        return True
    delay = datetime.timedelta(seconds=settings.OPENDATA_CHANGE_DELAY_SECONDS)
    if dataset.last_error:
        # A failed attempt is tried again after the delay, not at every tick.
        return dataset.checked <= now - delay
    if not has_version or dataset.checked + spec.refresh <= now:
        return True
    return spec.on_change and seen != dataset.source_version and dataset.checked <= now - delay


def datasets_refresh(*, now: datetime.datetime | None = None) -> list[Generated]:
    """The periodic job: make every dataset of every city that is due (``is_due``)."""
    now = now or timezone.now()
    done: list[Generated] = []
    for municipality in Municipality.objects.order_by("pk"):
        specs = datasets_available(municipality)
        if not specs:
            continue
        datasets = {
            dataset.slug: dataset
            for dataset in Dataset.objects.for_municipality(municipality).filter(
                slug__in=[spec.slug for spec in specs]
            )
        }
        with_versions = set(
            DatasetVersion.objects.for_municipality(municipality)
            .filter(dataset__in=list(datasets.values()))
            .values_list("dataset_id", flat=True)
            .distinct()
        )
        for spec in specs:
            dataset = datasets.get(spec.slug)
            has_version = dataset is not None and dataset.pk in with_versions
            seen = source_version(municipality, spec)
            if not is_due(spec, dataset, has_version=has_version, seen=seen, now=now):
                continue
            result = _refresh_one(municipality, spec, now=now)
            if result is not None:
                done.append(result)
    return done


# A dataset being made by one refresh is skipped by another (a large table can take longer
# than the minute between ticks); the lock expires on its own if its worker dies.
LOCK_SECONDS = 3600


def refresh_lock_key(municipality: Municipality, slug: str) -> str:
    return f"opendata:generating:{municipality.pk}:{slug}"


def _refresh_one(
    municipality: Municipality, spec: DatasetSpec, *, now: datetime.datetime
) -> Generated | None:
    key = refresh_lock_key(municipality, spec.slug)
    if not cache.add(key, now.isoformat(), timeout=LOCK_SECONDS):
        return None
    try:
        # Read again under the lock: another refresh may have made it meanwhile.
        dataset = Dataset.objects.for_municipality(municipality).filter(slug=spec.slug).first()
        has_version = dataset is not None and dataset.versions.exists()
        seen = source_version(municipality, spec)
        if not is_due(spec, dataset, has_version=has_version, seen=seen, now=now):
            return None
        return _generate_logged(municipality, spec, force=False, now=now)
    finally:
        cache.delete(key)


__all__ = [
    "Generated",
    "GenerationFailed",
    "city_generate",
    "dataset_generate",
    "datasets_refresh",
    "is_due",
    "source_version",
]
