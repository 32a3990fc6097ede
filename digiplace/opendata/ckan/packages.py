"""The city's published datasets as CKAN's dicts (package, resource, tag, group,
organization), with what the search compares, built once per change and kept in memory.

The index is rebuilt when anything it shows may have changed: its key holds the cache
versions (``core.cache_versions``) of core (the city's name and hosts) and of the open-data
module (datasets, versions, files), the registry's declarations, the language and the
address the request came to. A version moves on every write in any process, so an index
kept in this process is never served after the data it was built from changed. The modules'
own versions are left out on purpose: a report filed every minute would rebuild it each
time, while what the API shows of a module changes only when the engine regenerates its
datasets (which writes to the open-data module, moving its version).
"""

from __future__ import annotations

import datetime
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from digiplace.core.cache_versions import cache_versions
from digiplace.core.datasets import THEME_LABELS, DataFile, DatasetSpec, registered_datasets

from ..selectors import LANGUAGES, Published, in_languages, published_datasets
from .parameters import normalised

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# Ids are UUIDs derived from names, so that they stay the same across regenerations,
# restarts and installations: a harvester keeps its records.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://digiplace.eu/opendata/ckan")
THEME_BASE = "http://publications.europa.eu/resource/authority/data-theme/"
FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"
LICENSE_ID = "CC-BY-4.0"
LICENSE_TITLE = "Creative Commons Attribution 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"


# Table distributions: (CKAN format, what the file is, in words).
TABLE_FORMATS: dict[str, tuple[str, Promise]] = {
    "csv": ("CSV", gettext_lazy("The table as CSV: UTF-8, comma-separated, a header row.")),
    "json": ("JSON", gettext_lazy("The table as JSON.")),
    "geojson": ("GeoJSON", gettext_lazy("The places as GeoJSON points, with the table's fields.")),
    "xlsx": ("XLSX", gettext_lazy("The table as an Excel workbook (XLSX).")),
}
INDEXES_KEPT = 16


def ckan_time(moment: datetime.datetime | None) -> str | None:
    """CKAN's timestamps: ISO 8601 in UTC, without a zone (``2026-03-01T08:30:00.123456``)."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).replace(tzinfo=None).isoformat()


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


def group_name(theme: str) -> str:
    return theme.lower().replace("_", "-")


@dataclass
class Entry:
    """One package: its dict and what ``package_search`` compares."""

    package: dict[str, Any]
    name: str
    id: str
    title: str  # in the request's language, normalised (for sorting and scoring)
    text: str  # every language's title, description and keywords, normalised
    tags: frozenset[str]  # normalised, every language's
    groups: frozenset[str]
    formats: frozenset[str]  # normalised
    modified: datetime.datetime
    created: datetime.datetime


@dataclass
class Index:
    """The city's packages in one language, by name, and its organization and groups."""

    entries: list[Entry]
    by_key: dict[str, Entry]  # by name and by id
    organization: dict[str, Any]
    groups: list[dict[str, Any]] = field(default_factory=list)  # by name
    theme_names: dict[str, str] = field(default_factory=dict)  # group name → display name
    # The declarations it was built from, held so that their ids (in the key) stay unique.
    specs: tuple[DatasetSpec, ...] = ()


@dataclass(frozen=True)
class Addresses:
    """What every package's dicts repeat, worked out once per build (reversing 2,000
    addresses and reading the city's hosts 500 times made a cold build take seconds)."""

    city_key: str
    dataset: str  # the dataset page's absolute address, with SLUG standing for the slug
    download: str  # a current file's, with SLUG and KEY

    @classmethod
    def of(cls, municipality: Municipality, request: HttpRequest) -> Addresses:
        def template(name: str, **kwargs: str) -> str:
            return request.build_absolute_uri(reverse(name, kwargs=kwargs))

        return cls(
            # The primary host names the city across installations; the slug without one.
            city_key=municipality.primary_host or municipality.slug,
            dataset=template("opendata:dataset", slug=_SLUG),
            download=template("opendata:download", slug=_SLUG, key=_KEY),
        )

    def dataset_url(self, slug: str) -> str:
        return self.dataset.replace(_SLUG, slug)

    def download_url(self, slug: str, key: str) -> str:
        return self.download.replace(_SLUG, slug).replace(_KEY, quote(key, safe=""))


# Placeholders that match the addresses' converters (slug, str) and no real value.
_SLUG = "ckan-slug-placeholder-0"
_KEY = "ckan-key-placeholder-0"


def _organization(
    municipality: Municipality,
    request: HttpRequest,
    addresses: Addresses,
    created: str | None,
    count: int,
) -> dict[str, Any]:
    logo = municipality.logo.url if municipality.logo else ""
    logo_url = request.build_absolute_uri(logo) if logo else ""
    title = str(municipality.name)
    return {
        "id": stable_id(addresses.city_key, "organization"),
        "name": municipality.slug,
        "title": title,
        "display_name": title,
        "type": "organization",
        "description": str(municipality.description or ""),
        "image_url": logo_url,
        "image_display_url": logo_url,
        "created": created,
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "package_count": count,
        "num_followers": 0,
    }


def organization_in_package(organization: dict[str, Any]) -> dict[str, Any]:
    """The organization as a package dict carries it (CKAN leaves out the counts)."""
    keys = (
        "id",
        "name",
        "title",
        "type",
        "description",
        "image_url",
        "created",
        "is_organization",
        "approval_status",
        "state",
    )
    return {key: organization[key] for key in keys}


def _group(addresses: Addresses, theme: str, created: str | None, count: int) -> dict[str, Any]:
    title = str(THEME_LABELS.get(theme, theme))
    return {
        "id": stable_id(addresses.city_key, "group", theme),
        "name": group_name(theme),
        "title": title,
        "display_name": title,
        "type": "group",
        "description": THEME_BASE + theme,
        "image_url": "",
        "image_display_url": "",
        "created": created,
        "is_organization": False,
        "approval_status": "approved",
        "state": "active",
        "package_count": count,
        "num_followers": 0,
    }


def group_in_package(group: dict[str, Any]) -> dict[str, Any]:
    keys = ("description", "display_name", "id", "image_display_url", "name", "title")
    return {key: group[key] for key in keys}


def _resources(
    item: Published, request: HttpRequest, addresses: Addresses, package_id: str, title: str
) -> list[dict[str, Any]]:
    spec = item.spec
    files: dict[str, DataFile] = {data_file.name: data_file for data_file in spec.files}
    order = {key: position for position, key in enumerate([*spec.formats, *files])}
    distributions = sorted(item.distributions, key=lambda d: (order.get(d.key, len(order)), d.key))
    created = ckan_time(item.version.created)
    resources: list[dict[str, Any]] = []
    for distribution in distributions:
        data_file = files.get(distribution.key)
        if data_file is not None:
            format_name = data_file.format
            name = str(data_file.title)
            description = str(data_file.description or data_file.title)
        else:
            format_name, words = TABLE_FORMATS.get(distribution.key, (distribution.key.upper(), ""))
            name = f"{title} ({format_name})"
            description = str(words)
        url = addresses.download_url(spec.slug, distribution.key)
        resources.append(
            _resource(
                package_id=package_id,
                key=distribution.key,
                name=name,
                description=description,
                format_name=format_name,
                media_type=distribution.media_type,
                url=url,
                size=distribution.byte_size,
                checksum=distribution.sha256,
                created=created,
            )
        )
    for link in spec.links:
        url = request.build_absolute_uri(reverse(link.url_name, kwargs=dict(link.url_kwargs)))
        resources.append(
            _resource(
                package_id=package_id,
                key=f"link:{link.url_name}:{sorted(link.url_kwargs.items())}",
                name=str(link.title),
                description=str(link.description or link.title),
                format_name=link.format,
                media_type=link.media_type,
                url=url,
                size=None,
                checksum="",
                created=created,
            )
        )
    for position, resource in enumerate(resources):
        resource["position"] = position
    return resources


def _resource(
    *,
    package_id: str,
    key: str,
    name: str,
    description: str,
    format_name: str,
    media_type: str,
    url: str,
    size: int | None,
    checksum: str,
    created: str | None,
) -> dict[str, Any]:
    return {
        "id": stable_id(package_id, "resource", key),
        "package_id": package_id,
        "name": name,
        "description": description,
        "format": format_name,
        "mimetype": media_type,
        "mimetype_inner": None,
        "url": url,
        "size": size,
        "hash": checksum,
        "created": created,
        "last_modified": created,
        "metadata_modified": created,
        "position": 0,
        "state": "active",
        # None: a link to a file served elsewhere than CKAN's own file store.
        "url_type": None,
        "resource_type": None,
        "datastore_active": False,
        "cache_url": None,
        "cache_last_updated": None,
    }


def _spatial(municipality: Municipality) -> str:
    south, west = municipality.bounds_south, municipality.bounds_west
    north, east = municipality.bounds_north, municipality.bounds_east
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _extras(
    item: Published, municipality: Municipality, texts: dict[str, dict[str, str]], language: str
) -> list[dict[str, str]]:
    spec, version = item.spec, item.version
    privacy = spec.privacy
    values: dict[str, str] = {
        "spatial": _spatial(municipality),
        "frequency": FREQUENCY_BASE + spec.frequency,
        "theme": json.dumps([THEME_BASE + theme for theme in spec.themes]),
        "language": json.dumps(list(LANGUAGES)),
        "privacy_statement": str(privacy.statement),
        "privacy_personal_data": json.dumps(privacy.personal),
        "module": spec.module,
    }
    # Titles and descriptions in the other languages (the package has the request's).
    for other in LANGUAGES:
        if other != language:
            values[f"title_{other}"] = texts["title"][other]
            values[f"notes_{other}"] = texts["notes"][other]
    if version.temporal_start is not None:
        values["temporal_start"] = version.temporal_start.astimezone(datetime.UTC).isoformat()
    if version.temporal_end is not None:
        values["temporal_end"] = version.temporal_end.astimezone(datetime.UTC).isoformat()
    if privacy.suppression is not None:
        k = privacy.suppression.k or settings.OPENDATA_K
        values["privacy_suppression_k"] = str(k)
    measured = version.privacy_report.get("k_anonymity") if version.privacy_report else None
    if isinstance(measured, int) and not isinstance(measured, bool):
        values["privacy_k_anonymity"] = str(measured)
    return [{"key": key, "value": values[key]} for key in sorted(values)]


def _tags(keywords: Sequence[str]) -> list[dict[str, Any]]:
    names = list(dict.fromkeys(keyword.strip() for keyword in keywords if keyword.strip()))
    return [
        {
            "id": stable_id("tag", name),
            "name": name,
            "display_name": name,
            "state": "active",
            "vocabulary_id": None,
        }
        for name in names
    ]


def _entry(
    item: Published,
    municipality: Municipality,
    request: HttpRequest,
    addresses: Addresses,
    language: str,
    organization: dict[str, Any],
    groups: dict[str, dict[str, Any]],
) -> Entry:
    spec, dataset = item.spec, item.dataset
    texts = {"title": in_languages(spec.title), "notes": in_languages(spec.description)}
    keywords = [in_languages(keyword) for keyword in spec.keywords]
    title = texts["title"][language]
    package_id = stable_id(addresses.city_key, "dataset", spec.slug)
    resources = _resources(item, request, addresses, package_id, title)
    tags = _tags([keyword[language] for keyword in keywords])
    contact = municipality.contact_email or None
    created = dataset.issued or item.version.created
    modified = dataset.modified or item.version.created
    package: dict[str, Any] = {
        "id": package_id,
        "name": spec.slug,
        "title": title,
        "notes": texts["notes"][language],
        "url": addresses.dataset_url(spec.slug),
        "version": str(item.version.number),
        "author": organization["title"],
        "author_email": contact,
        "maintainer": organization["title"],
        "maintainer_email": contact,
        "license_id": LICENSE_ID,
        "license_title": LICENSE_TITLE,
        "license_url": LICENSE_URL,
        "isopen": True,
        "private": False,
        "state": "active",
        "type": "dataset",
        "creator_user_id": None,
        "metadata_created": ckan_time(created),
        "metadata_modified": ckan_time(modified),
        "num_resources": len(resources),
        "num_tags": len(tags),
        "tags": tags,
        "groups": [group_in_package(groups[theme]) for theme in spec.themes],
        "organization": organization_in_package(organization),
        "owner_org": organization["id"],
        "resources": resources,
        "extras": _extras(item, municipality, texts, language),
        "relationships_as_subject": [],
        "relationships_as_object": [],
    }
    every_keyword = [value for keyword in keywords for value in keyword.values()]
    searchable = [spec.slug, *texts["title"].values(), *texts["notes"].values(), *every_keyword]
    return Entry(
        package=package,
        name=spec.slug,
        id=package_id,
        title=normalised(title),
        text=normalised(" \n ".join(searchable)),
        tags=frozenset(normalised(keyword) for keyword in every_keyword),
        groups=frozenset(group_name(theme) for theme in spec.themes),
        formats=frozenset(normalised(resource["format"]) for resource in resources),
        modified=modified,
        created=created,
    )


def _build(municipality: Municipality, request: HttpRequest, language: str) -> Index:
    published = published_datasets(municipality)
    earliest = min(
        (item.dataset.issued or item.version.created for item in published), default=None
    )
    created = ckan_time(earliest)
    addresses = Addresses.of(municipality, request)
    organization = _organization(municipality, request, addresses, created, len(published))
    counts: dict[str, int] = {}
    for item in published:
        for theme in item.spec.themes:
            counts[theme] = counts.get(theme, 0) + 1
    groups = {theme: _group(addresses, theme, created, count) for theme, count in counts.items()}
    entries = [
        _entry(item, municipality, request, addresses, language, organization, groups)
        for item in published
    ]
    by_key = {entry.name: entry for entry in entries}
    by_key.update({entry.id: entry for entry in entries})
    group_list = sorted(groups.values(), key=lambda group: str(group["name"]))
    return Index(
        entries=entries,
        by_key=by_key,
        organization=organization,
        groups=group_list,
        theme_names={group["name"]: group["display_name"] for group in group_list},
    )


_indexes: OrderedDict[tuple[Any, ...], Index] = OrderedDict()
_lock = threading.Lock()


def _declared(specs: Sequence[DatasetSpec]) -> tuple[tuple[str, int], ...]:
    # A declaration registered again (or removed) is another object: another key.
    return tuple((spec.slug, id(spec)) for spec in specs)


def city_index(municipality: Municipality, request: HttpRequest) -> Index:
    """The city's index in the active language, for the address the request came to."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    specs = registered_datasets()
    versions = cache_versions(municipality.pk, ("core", "opendata"))
    key = (
        municipality.pk,
        language,
        request.scheme,
        request.get_host(),
        tuple(versions.values()),
        _declared(specs),
    )
    with _lock:
        index = _indexes.get(key)
        if index is not None:
            _indexes.move_to_end(key)
            return index
    index = _build(municipality, request, language)
    index.specs = tuple(specs)
    with _lock:
        _indexes[key] = index
        while len(_indexes) > INDEXES_KEPT:
            _indexes.popitem(last=False)
    return index
