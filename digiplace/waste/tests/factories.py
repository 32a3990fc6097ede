"""factory_boy factories shared by the waste module's tests (also used by the isolation
tests): every record near Botoșani's centre, in the municipality given."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.waste.compliance import ObservationKind
from digiplace.waste.models import (
    CameraSite,
    Campaign,
    Collection,
    CollectionPlan,
    CollectionPoint,
    CollectionSource,
    Container,
    Depot,
    EnforcementCase,
    Fraction,
    Observation,
    ObservationSource,
    Truck,
    WasteSettings,
)

_same_city = factory.SelfAttribute("..municipality")


class CollectionPointFactory(factory.django.DjangoModelFactory[CollectionPoint]):
    class Meta:
        model = CollectionPoint

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda number: f"p{number:04d}")
    name = factory.Sequence(lambda number: f"Point {number}")
    street = "Calea Națională"
    latitude = 47.7486
    longitude = 26.6694


class ContainerFactory(factory.django.DjangoModelFactory[Container]):
    class Meta:
        model = Container

    municipality = factory.SubFactory(MunicipalityFactory)
    point = factory.SubFactory(CollectionPointFactory, municipality=_same_city)
    code = factory.Sequence(lambda number: f"c{number:05d}")
    fraction = Fraction.PLASTIC
    capacity_litres = 1100


class DepotFactory(factory.django.DjangoModelFactory[Depot]):
    class Meta:
        model = Depot

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda number: f"Depot {number}")
    latitude = 47.7300
    longitude = 26.6500


class TruckFactory(factory.django.DjangoModelFactory[Truck]):
    class Meta:
        model = Truck

    municipality = factory.SubFactory(MunicipalityFactory)
    depot = factory.SubFactory(DepotFactory, municipality=_same_city)
    name = factory.Sequence(lambda number: f"BT-{number:02d}-SAL")
    capacity_litres = 40_000
    shift_start = datetime.time(6, 0)
    shift_minutes = 480


class CollectionPlanFactory(factory.django.DjangoModelFactory[CollectionPlan]):
    class Meta:
        model = CollectionPlan

    municipality = factory.SubFactory(MunicipalityFactory)
    day = factory.Sequence(lambda number: datetime.date(2026, 1, 1) + datetime.timedelta(number))
    fraction = Fraction.PLASTIC
    depot = factory.SubFactory(DepotFactory, municipality=_same_city)


class CollectionFactory(factory.django.DjangoModelFactory[Collection]):
    class Meta:
        model = Collection

    municipality = factory.SubFactory(MunicipalityFactory)
    container = factory.SubFactory(ContainerFactory, municipality=_same_city)
    collected_at = factory.Sequence(
        lambda number: timezone.now() - datetime.timedelta(days=number + 1)
    )
    fill_before = 0.7
    source = CollectionSource.STAFF


class CameraSiteFactory(factory.django.DjangoModelFactory[CameraSite]):
    class Meta:
        model = CameraSite

    municipality = factory.SubFactory(MunicipalityFactory)
    point = factory.SubFactory(CollectionPointFactory, municipality=_same_city)
    camera_started_on = datetime.date(2026, 3, 1)


class ObservationFactory(factory.django.DjangoModelFactory[Observation]):
    class Meta:
        model = Observation

    municipality = factory.SubFactory(MunicipalityFactory)
    site = factory.SubFactory(CameraSiteFactory, municipality=_same_city)
    observed_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=2))
    kind = ObservationKind.WRONG_FRACTION
    count = 1
    source = ObservationSource.DISPATCHER


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda number: f"Sort it right {number}")
    starts_on = datetime.date(2026, 4, 1)
    ends_on = datetime.date(2026, 4, 30)


class EnforcementCaseFactory(factory.django.DjangoModelFactory[EnforcementCase]):
    class Meta:
        model = EnforcementCase

    municipality = factory.SubFactory(MunicipalityFactory)
    observation = factory.SubFactory(ObservationFactory, municipality=_same_city)


class WasteSettingsFactory(factory.django.DjangoModelFactory[WasteSettings]):
    class Meta:
        model = WasteSettings

    municipality = factory.SubFactory(MunicipalityFactory)
    population = 100_000
