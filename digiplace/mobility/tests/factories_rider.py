"""Factories of the ridership area: validators, with a real device key when asked."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.mobility.models import CellKind, RidershipCell, Tap, TapReject, Validator
from digiplace.urbandata.services.keys import device_key_issue


class ValidatorFactory(factory.django.DjangoModelFactory[Validator]):
    class Meta:
        model = Validator

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda number: f"v{number:03d}")
    name = factory.Sequence(lambda number: f"Validator {number}")


class TapFactory(factory.django.DjangoModelFactory[Tap]):
    """A tap of the day before yesterday, hashed under a key that no longer exists."""

    class Meta:
        model = Tap

    municipality = factory.SubFactory(MunicipalityFactory)
    validator = factory.SubFactory(
        ValidatorFactory, municipality=factory.SelfAttribute("..municipality")
    )
    tapped_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=2))
    day = factory.LazyAttribute(lambda tap: timezone.localdate(tap.tapped_at))
    rider = factory.Sequence(lambda number: f"{number:064x}")


class TapRejectFactory(factory.django.DjangoModelFactory[TapReject]):
    class Meta:
        model = TapReject

    municipality = factory.SubFactory(MunicipalityFactory)
    validator_ref = "v999"
    reason = "unknown_validator"
    message = "This validator is not registered."


class RidershipCellFactory(factory.django.DjangoModelFactory[RidershipCell]):
    class Meta:
        model = RidershipCell

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = CellKind.CITY_DAY
    day = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=2))
    boardings = 120
    riders = 80
    transfers = 12


def validator_with_key(municipality: Municipality, **fields: object) -> tuple[Validator, str]:
    """A validator and the secret of its device key."""
    key, secret = device_key_issue(municipality=municipality, name="validator")
    validator = ValidatorFactory.create(municipality=municipality, device_key=key, **fields)
    return validator, secret
