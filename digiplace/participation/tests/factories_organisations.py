"""factory_boy factories of the NGO registry: organisations (with valid fictional CUIs)
and their links to the plans module."""

from __future__ import annotations

import factory

from digiplace.core.tests.factories import MunicipalityFactory, UserFactory
from digiplace.participation.identifiers import IdentifierError, cui_parse
from digiplace.participation.models import (
    Organisation,
    OrganisationField,
    OrganisationLink,
    OrganisationLinkKind,
    OrganisationStatus,
)


def cui_valid(body: str) -> str:
    """``body`` (1 to 9 digits, not starting with 0) with its control digit appended."""
    for digit in "0123456789":
        try:
            return cui_parse(body + digit).digits
        except IdentifierError:
            continue
    raise ValueError(f"No control digit makes {body!r} a CUI.")


def cui_wrong(body: str) -> str:
    """``body`` with a control digit that does not match."""
    right = cui_valid(body)
    wrong = (int(right[-1]) + 1) % 10
    return f"{body}{wrong}"


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda number: f"Asociația Demo {number}")
    cui = factory.Sequence(lambda number: cui_valid(str(41000000 + number)))
    field = OrganisationField.CIVIC
    description = "O organizație de test."
    contact_email = factory.Sequence(lambda number: f"contact{number}@ong.example")
    contact_phone = "0231 000 000"
    website = "https://ong.example"
    created_by = factory.SubFactory(UserFactory)
    status = OrganisationStatus.VERIFIED


class OrganisationLinkFactory(factory.django.DjangoModelFactory[OrganisationLink]):
    class Meta:
        model = OrganisationLink

    municipality = factory.SubFactory(MunicipalityFactory)
    organisation = factory.SubFactory(
        OrganisationFactory, municipality=factory.SelfAttribute("..municipality")
    )
    kind = OrganisationLinkKind.WORKING_GROUP
    target_ref = "plans.working_group:plan/group"
