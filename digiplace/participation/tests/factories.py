"""factory_boy factories shared by the participation tests: zones and processes. Each
component's own factories live in ``factories_<component>.py``."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.participation.models import Phase, Process, Zone


class ZoneFactory(factory.django.DjangoModelFactory[Zone]):
    class Meta:
        model = Zone

    municipality = factory.SubFactory(MunicipalityFactory)
    slug = factory.Sequence(lambda number: f"zone-{number}")
    name = factory.Sequence(lambda number: f"Zona {number}")
    name_en = factory.Sequence(lambda number: f"Zone {number}")


class ProcessFactory(factory.django.DjangoModelFactory[Process]):
    class Meta:
        model = Process

    municipality = factory.SubFactory(MunicipalityFactory)
    slug = factory.Sequence(lambda number: f"process-{number}")
    title = factory.Sequence(lambda number: f"Proces {number}")
    title_en = factory.Sequence(lambda number: f"Process {number}")
    description = "Descriere"
    is_published = True


class PhaseFactory(factory.django.DjangoModelFactory[Phase]):
    class Meta:
        model = Phase

    process = factory.SubFactory(ProcessFactory)
    municipality = factory.SelfAttribute("process.municipality")
    # Not "Etapa N": the process form labels its phase fieldsets so (the isolation walk).
    title = factory.Sequence(lambda number: f"Etapa de probă {number}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=7))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
