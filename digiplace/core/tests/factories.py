"""factory_boy factories for the core models, shared by every module's tests."""

from __future__ import annotations

import factory
from django.utils import timezone

from digiplace.core.models import (
    Department,
    Municipality,
    MunicipalityHost,
    StaffMembership,
    StaffRole,
    User,
)

PASSWORD = "correct-horse-battery-staple"


class MunicipalityFactory(factory.django.DjangoModelFactory[Municipality]):
    class Meta:
        model = Municipality
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda number: f"city{number}")
    name_ro = factory.LazyAttribute(lambda city: f"Municipiul {city.slug.title()}")
    name_en = factory.LazyAttribute(lambda city: f"{city.slug.title()} Municipality")
    name = factory.LazyAttribute(lambda city: city.name_ro)
    languages = factory.LazyFunction(lambda: ["ro", "en"])
    default_language = "ro"
    centre_latitude = 47.7486
    centre_longitude = 26.6694
    bounds_south = 47.70
    bounds_west = 26.59
    bounds_north = 47.79
    bounds_east = 26.74
    contact_email = factory.LazyAttribute(lambda city: f"contact@{city.slug}.example")

    @factory.post_generation
    def hosts(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if not create:
            return
        for host in extracted or [f"{self.slug}.localhost"]:
            MunicipalityHost.objects.get_or_create(host=host, defaults={"municipality": self})


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda number: f"person{number}@example.org")
    full_name = factory.Faker("name")
    email_confirmed_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(PASSWORD)


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda number: f"Department {number}")


class StaffMembershipFactory(factory.django.DjangoModelFactory[StaffMembership]):
    class Meta:
        model = StaffMembership

    municipality = factory.SubFactory(MunicipalityFactory)
    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(
        DepartmentFactory, municipality=factory.SelfAttribute("..municipality")
    )
    role = StaffRole.STAFF
    modules = factory.LazyFunction(list)
