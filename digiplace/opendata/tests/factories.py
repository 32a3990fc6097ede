"""Factories of the open-data module: datasets, versions and their files (real files in the
media storage, with their true sizes and checksums)."""

from __future__ import annotations

import hashlib

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.opendata.models import Dataset, DatasetVersion, Distribution


class DatasetFactory(factory.django.DjangoModelFactory[Dataset]):
    class Meta:
        model = Dataset

    municipality = factory.SubFactory(MunicipalityFactory)
    slug = factory.Sequence(lambda number: f"test-dataset-{number}")
    module = "opendata"
    issued = factory.LazyFunction(timezone.now)
    modified = factory.LazyFunction(timezone.now)
    checked = factory.LazyFunction(timezone.now)


class DatasetVersionFactory(factory.django.DjangoModelFactory[DatasetVersion]):
    class Meta:
        model = DatasetVersion

    dataset = factory.SubFactory(DatasetFactory)
    municipality = factory.SelfAttribute("dataset.municipality")
    number = factory.Sequence(lambda number: number + 1)
    created = factory.LazyFunction(timezone.now)
    row_count = 2
    privacy_report = factory.LazyFunction(dict)
    fingerprint = factory.Sequence(lambda number: f"{number:064x}")


class DistributionFactory(factory.django.DjangoModelFactory[Distribution]):
    """A CSV distribution; ``content`` (bytes) sets the file."""

    class Meta:
        model = Distribution
        exclude = ("content",)

    version = factory.SubFactory(DatasetVersionFactory)
    municipality = factory.SelfAttribute("version.municipality")
    key = "csv"
    media_type = "text/csv"
    content = b"name,value\r\na,1\r\nb,2\r\n"
    file = factory.LazyAttribute(lambda d: ContentFile(d.content, name=f"data.{d.key}"))
    byte_size = factory.LazyAttribute(lambda d: len(d.content))
    sha256 = factory.LazyAttribute(lambda d: hashlib.sha256(d.content).hexdigest())
