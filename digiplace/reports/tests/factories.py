"""factory_boy factories for the reports module (also used by the isolation tests)."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from digiplace.core.tests.factories import DepartmentFactory, MunicipalityFactory, UserFactory
from digiplace.reports.models import (
    AbuseFlag,
    ApiKey,
    AttributeDatatype,
    Category,
    CategoryAttribute,
    Neighbourhood,
    NeighbourhoodSubscription,
    ReplyTemplate,
    Report,
    ReportPhoto,
    ReportStatus,
    ReportUpdate,
    RoutingRule,
    Supporter,
    UpdateKind,
)

_same_city = factory.SelfAttribute("..municipality")


def square(south: float, west: float, north: float, east: float) -> dict[str, object]:
    """A GeoJSON polygon of a latitude/longitude box."""
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category

    municipality = factory.SubFactory(MunicipalityFactory)
    service_code = factory.Sequence(lambda number: f"category-{number}")
    name = factory.Sequence(lambda number: f"Category {number}")
    name_en = factory.SelfAttribute("name")
    department = factory.SubFactory(DepartmentFactory, municipality=_same_city)
    sla_days = 14


class CategoryAttributeFactory(factory.django.DjangoModelFactory[CategoryAttribute]):
    class Meta:
        model = CategoryAttribute

    municipality = factory.SubFactory(MunicipalityFactory)
    category = factory.SubFactory(CategoryFactory, municipality=_same_city)
    code = factory.Sequence(lambda number: f"question-{number}")
    datatype = AttributeDatatype.STRING
    description = factory.Sequence(lambda number: f"Question {number}")
    description_en = factory.SelfAttribute("description")


class NeighbourhoodFactory(factory.django.DjangoModelFactory[Neighbourhood]):
    """By default a square around the factory municipality's centre (Botoșani)."""

    class Meta:
        model = Neighbourhood

    class Params:
        south = 47.74
        west = 26.66
        north = 47.76
        east = 26.68

    municipality = factory.SubFactory(MunicipalityFactory)
    slug = factory.Sequence(lambda number: f"neighbourhood-{number}")
    name = factory.Sequence(lambda number: f"Neighbourhood {number}")
    name_en = factory.SelfAttribute("name")
    geometry = factory.LazyAttribute(
        lambda area: square(area.south, area.west, area.north, area.east)
    )
    min_latitude = factory.SelfAttribute("south")
    min_longitude = factory.SelfAttribute("west")
    max_latitude = factory.SelfAttribute("north")
    max_longitude = factory.SelfAttribute("east")


class RoutingRuleFactory(factory.django.DjangoModelFactory[RoutingRule]):
    class Meta:
        model = RoutingRule

    municipality = factory.SubFactory(MunicipalityFactory)
    category = factory.SubFactory(CategoryFactory, municipality=_same_city)
    neighbourhood = None
    department = factory.SubFactory(DepartmentFactory, municipality=_same_city)


class ApiKeyFactory(factory.django.DjangoModelFactory[ApiKey]):
    class Meta:
        model = ApiKey

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda number: f"Application {number}")
    contact_email = factory.Sequence(lambda number: f"developer{number}@example.org")


class ReportFactory(factory.django.DjangoModelFactory[Report]):
    class Meta:
        model = Report

    municipality = factory.SubFactory(MunicipalityFactory)
    category = factory.SubFactory(CategoryFactory, municipality=_same_city)
    department = factory.SelfAttribute("category.department")
    status = ReportStatus.NEW
    description = factory.Sequence(lambda number: f"Problem number {number} on the street.")
    latitude = factory.LazyAttribute(lambda report: report.municipality.centre_latitude)
    longitude = factory.LazyAttribute(lambda report: report.municipality.centre_longitude)
    reporter_name = "Ion Ionescu"
    reporter_email = factory.Sequence(lambda number: f"reporter{number}@example.org")
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.SelfAttribute("created_at")
    expected_at = factory.LazyAttribute(
        lambda report: report.created_at + datetime.timedelta(days=report.category.sla_days)
    )
    editable_until = factory.LazyAttribute(
        lambda report: report.created_at + datetime.timedelta(minutes=30)
    )


class ReportPhotoFactory(factory.django.DjangoModelFactory[ReportPhoto]):
    class Meta:
        model = ReportPhoto

    municipality = factory.SubFactory(MunicipalityFactory)
    report = factory.SubFactory(ReportFactory, municipality=_same_city)
    # The file itself is not needed to test who may see the record.
    image = factory.Sequence(lambda number: f"reports/photos/test/photo-{number}.jpg")
    width = 640
    height = 480


class ReportUpdateFactory(factory.django.DjangoModelFactory[ReportUpdate]):
    class Meta:
        model = ReportUpdate

    municipality = factory.SubFactory(MunicipalityFactory)
    report = factory.SubFactory(ReportFactory, municipality=_same_city)
    kind = UpdateKind.RESPONSE
    text = factory.Sequence(lambda number: f"Response number {number} from the city.")


class SupporterFactory(factory.django.DjangoModelFactory[Supporter]):
    class Meta:
        model = Supporter

    municipality = factory.SubFactory(MunicipalityFactory)
    report = factory.SubFactory(ReportFactory, municipality=_same_city)
    email = factory.Sequence(lambda number: f"supporter{number}@example.org")
    confirmed_at = factory.LazyFunction(timezone.now)


class NeighbourhoodSubscriptionFactory(
    factory.django.DjangoModelFactory[NeighbourhoodSubscription]
):
    class Meta:
        model = NeighbourhoodSubscription

    municipality = factory.SubFactory(MunicipalityFactory)
    neighbourhood = factory.SubFactory(NeighbourhoodFactory, municipality=_same_city)
    user = factory.SubFactory(UserFactory)


class AbuseFlagFactory(factory.django.DjangoModelFactory[AbuseFlag]):
    class Meta:
        model = AbuseFlag

    municipality = factory.SubFactory(MunicipalityFactory)
    report = factory.SubFactory(ReportFactory, municipality=_same_city)
    reason = factory.Sequence(lambda number: f"Offensive words, flag {number}")


class ReplyTemplateFactory(factory.django.DjangoModelFactory[ReplyTemplate]):
    class Meta:
        model = ReplyTemplate

    municipality = factory.SubFactory(MunicipalityFactory)
    category = factory.SubFactory(CategoryFactory, municipality=_same_city)
    title = factory.Sequence(lambda number: f"Reply {number}")
    title_en = factory.SelfAttribute("title")
    text = factory.Sequence(lambda number: f"Thank you; reply number {number}.")
    text_en = factory.SelfAttribute("text")
