"""factory_boy factories of the proposals component: categories, proposals (in a process
that takes proposals now), supports, comments and flags."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from digiplace.core.tests.factories import MunicipalityFactory, UserFactory
from digiplace.participation.models import (
    ContentFlag,
    FlagTarget,
    Proposal,
    ProposalCategory,
    ProposalComment,
    ProposalSupport,
)

from .factories import ProcessFactory

_same_city = factory.SelfAttribute("..municipality")


class ProposalProcessFactory(ProcessFactory):
    """A published process that takes proposals now (for a month more)."""

    proposals_enabled = True
    proposals_open_from = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=7))
    proposals_open_until = factory.LazyFunction(
        lambda: timezone.now() + datetime.timedelta(days=30)
    )


class ProposalCategoryFactory(factory.django.DjangoModelFactory[ProposalCategory]):
    class Meta:
        model = ProposalCategory

    municipality = factory.SubFactory(MunicipalityFactory)
    slug = factory.Sequence(lambda number: f"category-{number}")
    name = factory.Sequence(lambda number: f"Categoria {number}")
    name_ro = factory.Sequence(lambda number: f"Categoria {number}")
    name_en = factory.Sequence(lambda number: f"Category {number}")


class ProposalFactory(factory.django.DjangoModelFactory[Proposal]):
    class Meta:
        model = Proposal

    municipality = factory.SubFactory(MunicipalityFactory)
    process = factory.SubFactory(ProposalProcessFactory, municipality=_same_city)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda number: f"Propunerea {number}")
    body = "Wi-Fi gratuit în Parcul Tineretului."


class ProposalSupportFactory(factory.django.DjangoModelFactory[ProposalSupport]):
    class Meta:
        model = ProposalSupport

    municipality = factory.SubFactory(MunicipalityFactory)
    proposal = factory.SubFactory(ProposalFactory, municipality=_same_city)
    user = factory.SubFactory(UserFactory)


class ProposalCommentFactory(factory.django.DjangoModelFactory[ProposalComment]):
    class Meta:
        model = ProposalComment

    municipality = factory.SubFactory(MunicipalityFactory)
    proposal = factory.SubFactory(ProposalFactory, municipality=_same_city)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda number: f"Comentariul {number}")


class ContentFlagFactory(factory.django.DjangoModelFactory[ContentFlag]):
    class Meta:
        model = ContentFlag

    municipality = factory.SubFactory(MunicipalityFactory)
    target = FlagTarget.PROPOSAL
    target_id = factory.LazyAttribute(
        lambda flag: ProposalFactory.create(municipality=flag.municipality).pk
    )
    reason = "Limbaj jignitor."
    flagged_by = factory.SubFactory(UserFactory)
