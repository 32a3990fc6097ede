"""The city's published datasets as the catalogue, the CKAN API and the pages read them: each
declared dataset (``core.datasets``) available in the city with its current version and files.

A dataset is published once it has a version; one whose module is not installed is not
declared, so it is not published (its rows, if any, stay in the database, unseen).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.utils import translation
from django.utils.functional import Promise

from digiplace.core.datasets import DatasetSpec, Text, dataset_spec, datasets_available
from digiplace.core.models import Municipality

from .models import Dataset, DatasetVersion, Distribution

LANGUAGES = ("ro", "en")


@dataclass(frozen=True)
class Published:
    spec: DatasetSpec
    dataset: Dataset
    version: DatasetVersion
    distributions: tuple[Distribution, ...]

    @property
    def slug(self) -> str:
        return self.spec.slug

    def distribution(self, key: str) -> Distribution | None:
        return next((item for item in self.distributions if item.key == key), None)


def in_languages(text: Text) -> dict[str, str]:
    """A declared text in each shipped language: {"ro": ..., "en": ...}."""
    if not isinstance(text, Promise):
        return dict.fromkeys(LANGUAGES, str(text))
    result = {}
    for language in LANGUAGES:
        with translation.override(language):
            result[language] = str(text)
    return result


def in_active_language(text: Text | dict[str, str]) -> str:
    """A text stored by ``in_languages`` (or a declared one) in the active language."""
    if isinstance(text, dict):
        language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
        return (
            text.get(language)
            or text.get(settings.LANGUAGE_CODE[:2])
            or next(iter(text.values()), "")
        )
    return str(text)


def _published(municipality: Municipality, specs: Iterable[DatasetSpec]) -> list[Published]:
    by_slug = {spec.slug: spec for spec in specs}
    datasets = {
        dataset.pk: dataset
        for dataset in Dataset.objects.for_municipality(municipality).filter(slug__in=list(by_slug))
    }
    latest = (
        DatasetVersion.objects.for_municipality(municipality)
        .filter(dataset_id__in=list(datasets))
        .values("dataset_id")
        .annotate(number=Max("number"))
    )
    wanted = {(row["dataset_id"], row["number"]) for row in latest}
    versions = [
        version
        for version in DatasetVersion.objects.for_municipality(municipality).filter(
            dataset_id__in=[dataset_id for dataset_id, _ in wanted],
            number__in={number for _, number in wanted},
        )
        if (version.dataset_id, version.number) in wanted
    ]
    files: dict[int, list[Distribution]] = {}
    for item in Distribution.objects.for_municipality(municipality).filter(
        version_id__in=[version.pk for version in versions]
    ):
        files.setdefault(item.version_id, []).append(item)
    result = []
    for version in versions:
        dataset = datasets[version.dataset_id]
        version.dataset = dataset
        result.append(
            Published(
                spec=by_slug[dataset.slug],
                dataset=dataset,
                version=version,
                distributions=tuple(files.get(version.pk, ())),
            )
        )
    return sorted(result, key=lambda item: item.slug)


def published_datasets(municipality: Municipality) -> list[Published]:
    """Every dataset the city publishes now, by slug (a few queries, whatever their number)."""
    return _published(municipality, datasets_available(municipality))


def published_dataset(municipality: Municipality, slug: str) -> Published | None:
    """One published dataset of the city; None if unknown, unavailable there or not made yet."""
    spec = dataset_spec(slug)
    if spec is None or (spec.available is not None and not spec.available(municipality)):
        return None
    found = _published(municipality, [spec])
    return found[0] if found else None
