"""Factories of the ridership area: validators, with a real device key when asked."""

from __future__ import annotations

import factory

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.mobility.models import Validator
from digiplace.urbandata.services.keys import device_key_issue


class ValidatorFactory(factory.django.DjangoModelFactory[Validator]):
    class Meta:
        model = Validator

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda number: f"v{number:03d}")
    name = factory.Sequence(lambda number: f"Validator {number}")


def validator_with_key(municipality: Municipality, **fields: object) -> tuple[Validator, str]:
    """A validator and the secret of its device key."""
    key, secret = device_key_issue(municipality=municipality, name="validator")
    validator = ValidatorFactory.create(municipality=municipality, device_key=key, **fields)
    return validator, secret
