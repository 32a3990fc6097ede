"""The open-data module's public pages: the index (search and filters), each dataset's page
(metadata, files, versions, preview, data dictionary, privacy report, API example), its
plain-language page for residents, and the downloads.

Everything is read through ``selectors.published_datasets`` / ``published_dataset``: a
dataset another city publishes, one not made yet, or one whose module is not installed (its
spec unregistered) answers 404. The pages are held by the page cache like the other
modules' (a new version is a write to this module, which moves its cache version); the
downloads never are, since each one is counted.
"""

from __future__ import annotations

import csv
import datetime
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import F
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotModified,
)
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from digiplace.core import modules
from digiplace.core.datasets import FREQUENCY_LABELS, THEME_LABELS, TOTAL, DatasetSpec, Text
from digiplace.core.http import request_municipality
from digiplace.core.page_cache import never_page_cached
from digiplace.core.templatetags.digiplace import chart_data

from .forms import COLUMN_TYPE_LABELS, UPDATED_DAYS, DatasetFilterForm
from .models import Dataset, DatasetVersion, Distribution
from .selectors import (
    Published,
    in_active_language,
    in_languages,
    published_dataset,
    published_datasets,
)

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

PAGE_SIZE = 20
PREVIEW_ROWS = 10
# The map preview: at most this many places, found in at most this many rows of the CSV
# (a year of hourly air quality is millions of rows at a few dozen stations).
MAP_PLACES = 500
MAP_SCAN_ROWS = 200_000
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
# How the tables' files are written (the generation engine's dialect, RFC 4180).
TABLE_FORMATS = {"csv": "CSV", "json": "JSON", "geojson": "GeoJSON", "xlsx": "XLSX"}
EXTENSIONS = {"csv": "csv", "json": "json", "geojson": "geojson", "xlsx": "xlsx"}


# --- Reading a dataset's description ------------------------------------------------------


def _plain(text: str) -> str:
    """Lower case, without diacritics ("Calitatea aerului" and "calitatea aerului" match)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _module_names() -> dict[str, Text]:
    return {spec.code: spec.name for spec in modules.all_modules()}


def distribution_format(spec: DatasetSpec, key: str) -> str:
    """The format people read for a distribution: "CSV", or a module file's ("GTFS")."""
    if key in TABLE_FORMATS:
        return TABLE_FORMATS[key]
    for data_file in spec.files:
        if data_file.name == key:
            return data_file.format
    return key.rsplit(".", 1)[-1].upper()


def dataset_formats(published: Published) -> list[str]:
    """Every format the dataset comes in: its files' and its live links'."""
    found = [distribution_format(published.spec, item.key) for item in published.distributions]
    found += [link.format for link in published.spec.links]
    return sorted(set(found), key=str.casefold)


def _link_url(request: HttpRequest, url_name: str, kwargs: Any) -> str | None:
    try:
        return request.build_absolute_uri(reverse(url_name, kwargs=dict(kwargs)))
    except NoReverseMatch:
        return None


@dataclass
class Entry:
    """A published dataset as the index lists and filters it."""

    published: Published
    title: str
    description: str
    formats: list[str]
    module: str
    module_name: str
    search_text: str

    @property
    def modified(self) -> datetime.datetime | None:
        return self.published.dataset.modified or self.published.version.created


def _entries(municipality: Municipality) -> list[Entry]:
    names = _module_names()
    entries = []
    for published in published_datasets(municipality):
        spec = published.spec
        texts = [*in_languages(spec.title).values(), *in_languages(spec.description).values()]
        for keyword in spec.keywords:
            texts += in_languages(keyword).values()
        texts.append(spec.slug)
        entries.append(
            Entry(
                published=published,
                title=str(spec.title),
                description=str(spec.description),
                formats=dataset_formats(published),
                module=spec.module,
                module_name=str(names.get(spec.module, spec.module)),
                search_text=_plain(" ".join(texts)),
            )
        )
    return sorted(entries, key=lambda entry: _plain(entry.title))


def _matches(entry: Entry, name: str, value: str, now: datetime.datetime) -> bool:
    if not value:
        return True
    if name == "q":
        return all(word in entry.search_text for word in _plain(value).split())
    if name == "theme":
        return value in entry.published.spec.themes
    if name == "format":
        return value in entry.formats
    if name == "module":
        return entry.module == value
    if name == "updated":
        modified = entry.modified
        return modified is not None and modified >= now - datetime.timedelta(
            days=UPDATED_DAYS[value]
        )
    return True


FILTERS = ("q", "theme", "format", "module", "updated")


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The city's datasets: search, filters with the number of datasets each would show."""
    municipality = request_municipality(request)
    entries = _entries(municipality)
    names = _module_names()
    all_formats = sorted({code for entry in entries for code in entry.formats}, key=str.casefold)
    module_codes = sorted({entry.module for entry in entries})
    form = DatasetFilterForm(
        request.GET,
        formats=all_formats,
        modules=[(code, names.get(code, code)) for code in module_codes],
    )
    form.is_valid()
    chosen = {name: form.value(name) for name in FILTERS}
    now = timezone.now()

    def kept(*, without: str = "") -> list[Entry]:
        return [
            entry
            for entry in entries
            if all(_matches(entry, name, chosen[name], now) for name in FILTERS if name != without)
        ]

    # Each option says how many datasets it would show with the other filters kept.
    for name in ("theme", "format", "module", "updated"):
        field = form.choice_field(name)
        others = kept(without=name)
        options = []
        for value, label in form.options[name]:
            count = sum(1 for entry in others if _matches(entry, name, value, now))
            if count or value in ("", chosen[name]):
                number = formats.number_format(count, force_grouping=True)
                options.append((value, f"{label} ({number})"))
        field.choices = options

    results = kept()
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "results_count": len(results),
        "total_count": len(entries),
        "filtered": any(chosen.values()),
        "ckan_url": request.build_absolute_uri("/api/3/action/package_search"),
    }
    status = 400 if form.errors else 200
    return render(request, "opendata/index.html", context, status=status)


# --- A dataset's page ---------------------------------------------------------------------


def _published_or_404(request: HttpRequest, slug: str) -> Published:
    published = published_dataset(request_municipality(request), slug)
    if published is None:
        raise Http404
    return published


def _number_text(value: float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        decimals = 1 if abs(value) >= 10 else 2
        return formats.number_format(round(value, decimals), decimals, force_grouping=True)
    return formats.number_format(int(value), force_grouping=True)


def _preview_key(distribution: Distribution, kind: str) -> str:
    # A distribution's file never changes (a new version is a new distribution).
    return f"opendata:preview:{kind}:{distribution.pk}:{distribution.sha256}"


def _csv_rows(distribution: Distribution) -> Iterator[list[str]]:
    with distribution.file.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        yield from csv.reader(text)


def preview_table(distribution: Distribution) -> dict[str, Any]:
    """The CSV's header and its first rows (read from the file, never the whole of it)."""
    key = _preview_key(distribution, "table")
    table: dict[str, Any] | None = cache.get(key)
    if table is None:
        header: list[str] = []
        rows: list[list[str]] = []
        try:
            for number, row in enumerate(_csv_rows(distribution)):
                if number == 0:
                    header = row
                    continue
                rows.append(row)
                if len(rows) >= PREVIEW_ROWS:
                    break
        except (OSError, UnicodeDecodeError, csv.Error):
            header, rows = [], []
        table = {"header": header, "rows": rows}
        cache.set(key, table, timeout=None)
    return table


def _place_title(spec: DatasetSpec) -> str | None:
    """The column naming a place on the map: ``name`` if there is one, else the first text."""
    texts = [
        column.name
        for column in spec.columns
        if column.type == "string" and column.name not in (spec.geometry or ())
    ]
    for candidate in ("name", "station_name", "title"):
        if candidate in texts:
            return candidate
    return texts[0] if texts else None


def preview_places(distribution: Distribution, spec: DatasetSpec) -> dict[str, Any]:
    """The distinct places of the dataset's rows as a GeoJSON FeatureCollection, each with
    the number of rows there (from the CSV, which has the same rows as the GeoJSON file)."""
    assert spec.geometry is not None
    key = _preview_key(distribution, f"places-{get_language()}")
    collection: dict[str, Any] | None = cache.get(key)
    if collection is not None:
        return collection
    latitude_name, longitude_name = spec.geometry
    title_name = _place_title(spec)
    places: dict[tuple[float, float], dict[str, Any]] = {}
    try:
        rows = _csv_rows(distribution)
        header = next(rows, [])
        position = {name: index for index, name in enumerate(header)}
        for number, row in enumerate(rows):
            if number >= MAP_SCAN_ROWS:
                break
            try:
                latitude = float(row[position[latitude_name]])
                longitude = float(row[position[longitude_name]])
            except (KeyError, IndexError, ValueError):
                continue
            place = places.get((latitude, longitude))
            if place is None:
                if len(places) >= MAP_PLACES:
                    continue
                title = row[position[title_name]] if title_name in position else ""
                place = places[(latitude, longitude)] = {"title": title, "rows": 0}
            place["rows"] += 1
    except (OSError, UnicodeDecodeError, csv.Error):
        places = {}
    features = []
    for (latitude, longitude), place in places.items():
        count = place["rows"]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
                "properties": {
                    "title": place["title"] or _("Place"),
                    "description": _("%(count)s rows here") % {"count": _number_text(count)},
                },
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    cache.set(key, collection, timeout=None)
    return collection


def chart_for(published: Published) -> dict[str, Any] | None:
    """The version's series (made when it was generated) for the chart component."""
    spec_chart = published.spec.chart
    series = published.version.chart or {}
    if spec_chart is None or not series.get("x"):
        return None
    columns = {column.name: column for column in published.spec.columns}
    x_column, y_column = columns[spec_chart.x], columns[spec_chart.y]
    label = str(y_column.description)
    if y_column.unit:
        label = f"{label} ({y_column.unit})"
    return chart_data(
        chart_type=spec_chart.kind,
        labels=[str(value) for value in series["x"]],
        datasets=[{"label": label, "data": list(series.get("y", []))}],
        label_title=str(x_column.description),
    )


def key_figures(published: Published) -> list[dict[str, str]]:
    values = list(published.version.figures or [])
    figures = []
    for index, figure in enumerate(published.spec.figures):
        value = values[index] if index < len(values) else None
        figures.append(
            {"label": str(figure.label), "value": _number_text(value), "unit": str(figure.unit)}
        )
    return figures


def _file_name(municipality: Municipality, spec: DatasetSpec, key: str, suffix: str = "") -> str:
    if key in EXTENSIONS:
        return f"{municipality.slug}-{spec.slug}{suffix}.{EXTENSIONS[key]}"
    return key


def _files(
    request: HttpRequest, published: Published, version: DatasetVersion, items: list[Distribution]
) -> list[dict[str, Any]]:
    current = version.pk == published.version.pk
    files = []
    for item in sorted(items, key=lambda item: item.key):
        if current:
            url = reverse("opendata:download", kwargs={"slug": published.slug, "key": item.key})
        else:
            url = reverse(
                "opendata:version-download",
                kwargs={"slug": published.slug, "number": version.number, "key": item.key},
            )
        files.append(
            {
                "distribution": item,
                "format": distribution_format(published.spec, item.key),
                "url": url,
                "absolute_url": request.build_absolute_uri(url),
            }
        )
    return files


def privacy_facts(published: Published) -> dict[str, Any]:
    """The privacy report of the current version, with the rules as the spec declares them."""
    privacy = published.spec.privacy
    report = published.version.privacy_report or {}
    suppression = report.get("suppressed") or {}
    rule = privacy.suppression
    masked = {kind: count for kind, count in (report.get("masked") or {}).items() if count}
    names = {
        "email": _("email addresses"),
        "phone": _("phone numbers"),
        "cnp": _("personal numeric codes (CNP)"),
        "plate": _("licence plates"),
    }
    return {
        "statement": str(privacy.statement),
        "personal": privacy.personal,
        "removed": [in_active_language(item) for item in report.get("removed") or privacy.removed],
        "generalised": [
            in_active_language(item) for item in report.get("generalised") or privacy.generalised
        ],
        "masked": [
            {"kind": names.get(kind, kind), "count": _number_text(count)}
            for kind, count in sorted(masked.items())
        ],
        "grid_metres": report.get("grid_metres")
        or (
            (privacy.grid_metres or settings.OPENDATA_GRID_METRES)
            if privacy.grid is not None
            else None
        ),
        "suppression": rule is not None,
        "k": suppression.get("k") or (rule.k if rule and rule.k else settings.OPENDATA_K),
        "primary": _number_text(suppression.get("primary", 0)),
        "complementary": _number_text(suppression.get("complementary", 0)),
        "quasi_identifiers": list(report.get("quasi_identifiers") or privacy.quasi_identifiers),
        "k_anonymity": report.get("k_anonymity"),
        "rows": report.get("rows", published.version.row_count),
        "total_marker": TOTAL,
    }


def _dataset_context(request: HttpRequest, published: Published) -> dict[str, Any]:
    municipality = request_municipality(request)
    spec = published.spec
    versions = list(
        DatasetVersion.objects.for_municipality(municipality)
        .filter(dataset=published.dataset)
        .exclude(pk=published.version.pk)
        .order_by("-number")
    )
    earlier_files: dict[int, list[Distribution]] = {}
    for item in Distribution.objects.for_municipality(municipality).filter(version__in=versions):
        earlier_files.setdefault(item.version_id, []).append(item)
    files = _files(request, published, published.version, list(published.distributions))
    csv_file = published.distribution("csv")
    table = preview_table(csv_file) if csv_file is not None else None
    places = (
        preview_places(csv_file, spec)
        if csv_file is not None and spec.geometry is not None
        else None
    )
    links = []
    for link in spec.links:
        url = _link_url(request, link.url_name, link.url_kwargs)
        if url is not None:
            links.append({"link": link, "url": url})
    download = next((item for item in files if item["distribution"].key == "csv"), None)
    download = download or (files[0] if files else None)
    ckan_query = urlencode({"id": spec.slug})
    return {
        "published": published,
        "spec": spec,
        "dataset": published.dataset,
        "version": published.version,
        "files": files,
        "links": links,
        "themes": [THEME_LABELS.get(code, code) for code in spec.themes],
        "theme_codes": spec.themes,
        "keywords": [str(keyword) for keyword in spec.keywords],
        "frequency": FREQUENCY_LABELS.get(spec.frequency, spec.frequency),
        "module_name": _module_names().get(spec.module, spec.module),
        "licence_url": LICENCE_URL,
        "columns": [
            {"column": column, "type": COLUMN_TYPE_LABELS.get(column.type, column.type)}
            for column in spec.columns
        ],
        "table": table,
        "places": places,
        "chart": chart_for(published),
        "figures": key_figures(published),
        "privacy": privacy_facts(published),
        "versions": [
            {
                "version": version,
                "files": _files(request, published, version, earlier_files.get(version.pk, [])),
            }
            for version in versions
        ],
        "ckan_url": request.build_absolute_uri(f"/api/3/action/package_show?{ckan_query}"),
        "download": download,
        "download_name": (
            _file_name(municipality, spec, download["distribution"].key) if download else ""
        ),
    }


@require_GET
def dataset(request: HttpRequest, slug: str) -> HttpResponse:
    published = _published_or_404(request, slug)
    return render(request, "opendata/dataset.html", _dataset_context(request, published))


@require_GET
def story(request: HttpRequest, slug: str) -> HttpResponse:
    """The plain-language page: what the data says, where it comes from, how it is safe."""
    published = _published_or_404(request, slug)
    spec = published.spec
    csv_file = published.distribution("csv")
    context = {
        "published": published,
        "spec": spec,
        "version": published.version,
        "figures": key_figures(published),
        "chart": chart_for(published),
        "privacy": privacy_facts(published),
        "module_name": _module_names().get(spec.module, spec.module),
        "frequency": FREQUENCY_LABELS.get(spec.frequency, spec.frequency),
        "csv_url": (
            reverse("opendata:download", kwargs={"slug": spec.slug, "key": "csv"})
            if csv_file is not None
            else None
        ),
    }
    return render(request, "opendata/story.html", context)


# --- Downloads ----------------------------------------------------------------------------


def _serve(
    request: HttpRequest, published: Published, version: DatasetVersion, key: str
) -> HttpResponseBase:
    item = (
        Distribution.objects.for_municipality(published.dataset.municipality)
        .filter(version=version, key=key)
        .first()
    )
    if item is None:
        raise Http404
    etag = f'"{item.sha256}"'
    if etag in [part.strip() for part in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    try:
        handle = item.file.open("rb")
    except (OSError, ValueError) as error:  # the file was pruned meanwhile, or never stored
        raise Http404 from error
    suffix = "" if version.pk == published.version.pk else f"-v{version.number}"
    name = _file_name(published.dataset.municipality, published.spec, key, suffix)
    # Counted in the database, not in Python: simultaneous downloads all count. These
    # updates leave the module's cache version alone, so the pages' counts catch up when
    # they are next made (a download does not empty the catalogue's caches).
    Distribution.objects.filter(pk=item.pk).update(downloads=F("downloads") + 1)
    Dataset.objects.filter(pk=published.dataset.pk).update(downloads=F("downloads") + 1)
    file_response = FileResponse(
        handle, as_attachment=True, filename=name, content_type=item.media_type
    )
    file_response["ETag"] = etag
    file_response["Cache-Control"] = "no-cache"
    file_response["X-Content-Type-Options"] = "nosniff"
    return file_response


@never_page_cached
@require_GET
def download(request: HttpRequest, slug: str, key: str) -> HttpResponseBase:
    published = _published_or_404(request, slug)
    return _serve(request, published, published.version, key)


@never_page_cached
@require_GET
def version_download(request: HttpRequest, slug: str, number: int, key: str) -> HttpResponseBase:
    published = _published_or_404(request, slug)
    version = (
        DatasetVersion.objects.for_municipality(published.dataset.municipality)
        .filter(dataset=published.dataset, number=number)
        .first()
    )
    if version is None:
        raise Http404
    return _serve(request, published, version, key)
