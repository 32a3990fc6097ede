"""Fixtures shared by every test: the two demo-like municipalities and their people."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from digiplace.core.models import Municipality, StaffMembership, StaffRole, User
from digiplace.core.tests.factories import (
    MunicipalityFactory,
    StaffMembershipFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _isolate_per_test_state() -> None:
    # The host → municipality cache and the active language must not leak between tests.
    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture
def botosani(db: None) -> Municipality:
    return MunicipalityFactory.create(
        slug="botosani",
        name_ro="Municipiul Botoșani",
        name_en="Botoșani Municipality",
        name="Municipiul Botoșani",
        hosts=["botosani.localhost"],
    )


@pytest.fixture
def timisoara(db: None) -> Municipality:
    return MunicipalityFactory.create(
        slug="timisoara",
        name_ro="Municipiul Timișoara",
        name_en="Timișoara Municipality",
        name="Municipiul Timișoara",
        centre_latitude=45.7537,
        centre_longitude=21.2257,
        bounds_south=45.69,
        bounds_west=21.13,
        bounds_north=45.81,
        bounds_east=21.33,
        hosts=["timisoara.localhost"],
        primary_colour="#6d1f3b",
    )


@pytest.fixture
def resident(db: None) -> User:
    return UserFactory.create(email="resident@example.org", full_name="Ana Popescu")


@pytest.fixture
def botosani_staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani, user=UserFactory.create(email="staff@botosani.example")
    )


@pytest.fixture
def botosani_admin(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="admin@botosani.example"),
        role=StaffRole.ADMIN,
    )


@pytest.fixture
def timisoara_admin(timisoara: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=timisoara,
        user=UserFactory.create(email="admin@timisoara.example"),
        role=StaffRole.ADMIN,
    )
