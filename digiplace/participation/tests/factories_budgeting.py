"""factory_boy factories of the budgeting component (budgets, zones, projects, census
entries, voting codes, ballots), shared with the voting tests.

By default a budget is open for voting (submission closed a week ago, voting open until
next week), and a project is eligible. ``BallotFactory(choices=[project, ...])`` adds the
approvals. ``CensusEntryFactory(cnp="...")`` and ``VotingCodeFactory(code="...")`` keep the
keyed digest of the given personal numeric code or voting code (keys derived from
``SECRET_KEY``, as :func:`census_key` and :func:`voting_code_key` describe).
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, ClassVar

import factory
from django.conf import settings
from django.utils import timezone

from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.participation.identifiers import (
    census_key,
    cnp_digest,
    voting_code_digest,
    voting_code_key,
    voting_code_new,
)
from digiplace.participation.models import (
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    BudgetProjectStatus,
    BudgetRule,
    BudgetZone,
    CensusEntry,
    VotingCode,
    VotingMethod,
    ZoneResult,
)
from digiplace.participation.tests.factories import ProcessFactory, ZoneFactory


def _days(number: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=number)


class BudgetFactory(factory.django.DjangoModelFactory[Budget]):
    """A budget open for voting now (project submission is over)."""

    class Meta:
        model = Budget

    municipality = factory.SubFactory(MunicipalityFactory)
    process = factory.SubFactory(
        ProcessFactory, municipality=factory.SelfAttribute("..municipality")
    )
    title = factory.Sequence(lambda number: f"Buget participativ {number}")
    title_ro = factory.SelfAttribute("title")
    title_en = factory.Sequence(lambda number: f"Participatory budget {number}")
    description = "Bugetul participativ al orașului."
    rule = BudgetRule.MES
    submission_opens_at = factory.LazyFunction(lambda: _days(-30))
    submission_closes_at = factory.LazyFunction(lambda: _days(-7))
    voting_opens_at = factory.LazyFunction(lambda: _days(-1))
    voting_closes_at = factory.LazyFunction(lambda: _days(7))
    census_voting = True
    code_voting = True
    minimum_age = 14
    min_projects = 1
    max_projects = None

    class Params:
        # BudgetFactory(submission=True): submission open now, voting later.
        submission = factory.Trait(
            submission_opens_at=factory.LazyFunction(lambda: _days(-7)),
            submission_closes_at=factory.LazyFunction(lambda: _days(7)),
            voting_opens_at=factory.LazyFunction(lambda: _days(14)),
            voting_closes_at=factory.LazyFunction(lambda: _days(28)),
        )
        # BudgetFactory(closed=True): voting is over (results not published).
        closed = factory.Trait(
            submission_opens_at=factory.LazyFunction(lambda: _days(-60)),
            submission_closes_at=factory.LazyFunction(lambda: _days(-40)),
            voting_opens_at=factory.LazyFunction(lambda: _days(-30)),
            voting_closes_at=factory.LazyFunction(lambda: _days(-1)),
        )


class _CityFromParent:
    """Given ``municipality`` but not the parent record (as the isolation tests do:
    ``BudgetZoneFactory(municipality=timisoara, id=...)``), the new parents are made in that
    city: the budget at the top of the chain, the others take its city."""

    _parent_path: ClassVar[tuple[str, ...]]

    @classmethod
    def _generate(cls, strategy: str, params: dict[str, Any]) -> Any:
        parent = cls._parent_path[0]
        if (
            "municipality" in params
            and parent not in params
            and not any(name.startswith(f"{parent}__") for name in params)
        ):
            chain = "__".join(cls._parent_path)
            params = {**params, f"{chain}__municipality": params["municipality"]}
        return super()._generate(strategy, params)  # type: ignore[misc]


class BudgetZoneFactory(_CityFromParent, factory.django.DjangoModelFactory[BudgetZone]):
    _parent_path = ("budget",)

    class Meta:
        model = BudgetZone

    budget = factory.SubFactory(BudgetFactory)
    municipality = factory.SelfAttribute("budget.municipality")
    zone = factory.SubFactory(ZoneFactory, municipality=factory.SelfAttribute("..municipality"))
    amount = Decimal(500_000)
    currency = "RON"


class BudgetProjectFactory(_CityFromParent, factory.django.DjangoModelFactory[BudgetProject]):
    """An eligible project of a zone."""

    _parent_path = ("budget_zone", "budget")

    class Meta:
        model = BudgetProject

    budget_zone = factory.SubFactory(BudgetZoneFactory)
    municipality = factory.SelfAttribute("budget_zone.municipality")
    code = factory.Sequence(lambda number: f"P{number + 1}")
    title = factory.Sequence(lambda number: f"Proiect {number + 1}")
    description = "Descrierea proiectului."
    cost = Decimal(100_000)
    category = "Spații verzi"
    status = BudgetProjectStatus.ELIGIBLE
    review_reason = ""


def _census_digest(entry: Any) -> str:
    cnp = entry.cnp
    if cnp is None:
        return secrets.token_hex(32)
    return cnp_digest(cnp, key=census_key(settings.SECRET_KEY))


def _code_digest(entry: Any) -> str:
    return voting_code_digest(entry.code, key=voting_code_key(settings.SECRET_KEY))


class CensusEntryFactory(_CityFromParent, factory.django.DjangoModelFactory[CensusEntry]):
    """A census entry; pass ``cnp="..."`` for the digest of a real personal numeric code
    (else a random digest), ``budget_zone`` for a zone."""

    _parent_path = ("budget",)

    class Meta:
        model = CensusEntry

    class Params:
        cnp: str | None = None

    budget = factory.SubFactory(BudgetFactory)
    municipality = factory.SelfAttribute("budget.municipality")
    digest = factory.LazyAttribute(_census_digest)
    budget_zone = None


class VotingCodeFactory(_CityFromParent, factory.django.DjangoModelFactory[VotingCode]):
    """A voting code; ``code`` (a fresh code unless given) is not stored, only its digest,
    so read it back from the factory call: ``VotingCodeFactory(code=voting_code_new())``."""

    _parent_path = ("budget",)

    class Meta:
        model = VotingCode

    class Params:
        code = factory.LazyFunction(voting_code_new)

    budget = factory.SubFactory(BudgetFactory)
    municipality = factory.SelfAttribute("budget.municipality")
    digest = factory.LazyAttribute(_code_digest)
    budget_zone = None
    batch = 1


class BallotFactory(_CityFromParent, factory.django.DjangoModelFactory[Ballot]):
    """A ballot in a zone; ``choices=[project, ...]`` adds its approvals."""

    _parent_path = ("budget_zone", "budget")

    class Meta:
        model = Ballot
        skip_postgeneration_save = True

    budget_zone = factory.SubFactory(BudgetZoneFactory)
    budget = factory.SelfAttribute("budget_zone.budget")
    municipality = factory.SelfAttribute("budget_zone.municipality")
    voter_key = factory.LazyFunction(lambda: secrets.token_hex(32))
    method = VotingMethod.CODE
    user = None
    receipt = factory.LazyFunction(lambda: secrets.token_hex(8))
    change_token_digest = ""
    imported = False

    @factory.post_generation
    def choices(
        ballot: Ballot, create: bool, extracted: Iterable[BudgetProject] | None, **kwargs: object
    ) -> None:
        if not create or not extracted:
            return
        BallotChoice.objects.bulk_create(
            BallotChoice(municipality=ballot.municipality, ballot=ballot, project=project)
            for project in extracted
        )


class BallotChoiceFactory(_CityFromParent, factory.django.DjangoModelFactory[BallotChoice]):
    """One approval: a ballot and a project of its zone."""

    _parent_path = ("ballot", "budget_zone", "budget")

    class Meta:
        model = BallotChoice

    ballot = factory.SubFactory(BallotFactory)
    municipality = factory.SelfAttribute("ballot.municipality")
    project = factory.SubFactory(
        BudgetProjectFactory, budget_zone=factory.SelfAttribute("..ballot.budget_zone")
    )


class ZoneResultFactory(_CityFromParent, factory.django.DjangoModelFactory[ZoneResult]):
    """A stored result (as publication writes it), for tests that need one as it is."""

    _parent_path = ("budget_zone", "budget")

    class Meta:
        model = ZoneResult

    budget_zone = factory.SubFactory(BudgetZoneFactory)
    municipality = factory.SelfAttribute("budget_zone.municipality")
    rule = BudgetRule.MES
    voters = 0
    selected = factory.LazyFunction(list)
    details = factory.LazyFunction(dict)
