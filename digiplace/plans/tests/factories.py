"""factory_boy factories for the plans module (also used by the isolation tests)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.plans.models import (
    Activity,
    ChangeRecord,
    ExpressionOfInterest,
    GovernanceBody,
    GovernanceMember,
    Kpi,
    Measurement,
    MonitoringReport,
    Objective,
    Pillar,
    Plan,
    Project,
    Risk,
    WorkingGroup,
)

_same_city = factory.SelfAttribute("..municipality")


class PlanFactory(factory.django.DjangoModelFactory[Plan]):
    class Meta:
        model = Plan

    municipality = factory.SubFactory(MunicipalityFactory)
    key = factory.Sequence(lambda number: f"plan-{number}")
    title_en = factory.Sequence(lambda number: f"Plan {number}")
    title_ro = factory.Sequence(lambda number: f"Planul {number}")
    period_start = 2022
    period_end = 2027
    pillar_label_en = "Ambition"
    pillar_label_ro = "Ambiție"


class PillarFactory(factory.django.DjangoModelFactory[Pillar]):
    class Meta:
        model = Pillar

    municipality = factory.SubFactory(MunicipalityFactory)
    plan = factory.SubFactory(PlanFactory, municipality=_same_city)
    key = factory.Sequence(lambda number: f"A{number}")
    position = factory.Sequence(int)
    title_en = factory.Sequence(lambda number: f"Ambition {number}")
    smart_city_dimensions = factory.LazyFunction(lambda: ["governance"])


class ObjectiveFactory(factory.django.DjangoModelFactory[Objective]):
    class Meta:
        model = Objective

    municipality = factory.SubFactory(MunicipalityFactory)
    pillar = factory.SubFactory(PillarFactory, municipality=_same_city)
    key = factory.Sequence(lambda number: f"SO{number}")
    title_en = factory.Sequence(lambda number: f"Objective {number}")


class ProjectFactory(factory.django.DjangoModelFactory[Project]):
    class Meta:
        model = Project

    municipality = factory.SubFactory(MunicipalityFactory)
    pillar = factory.SubFactory(PillarFactory, municipality=_same_city)
    plan = factory.SelfAttribute("pillar.plan")
    key = factory.Sequence(lambda number: f"P{number}")
    position = factory.Sequence(int)
    kind = "strategic_project"
    title_en = factory.Sequence(lambda number: f"Project {number}")
    title_ro = factory.Sequence(lambda number: f"Proiectul {number}")
    description_en = "A project of the plan."
    owner = "City Hall"
    status = "planned"
    budget_amount = Decimal("100000")
    funding_programmes = factory.LazyFunction(lambda: ["ERDF"])
    start_date = datetime.date(2022, 1, 1)
    start_precision = "year"
    end_date = datetime.date(2024, 12, 31)
    end_precision = "year"


class ActivityFactory(factory.django.DjangoModelFactory[Activity]):
    class Meta:
        model = Activity

    municipality = factory.SubFactory(MunicipalityFactory)
    project = factory.SubFactory(ProjectFactory, municipality=_same_city)
    number = factory.Sequence(lambda number: f"1.{number}")
    position = factory.Sequence(int)
    title_en = factory.Sequence(lambda number: f"Activity {number}")
    start_date = datetime.date(2022, 1, 1)
    end_date = datetime.date(2023, 12, 31)
    outputs = factory.LazyFunction(lambda: ["one output"])


class KpiFactory(factory.django.DjangoModelFactory[Kpi]):
    class Meta:
        model = Kpi

    municipality = factory.SubFactory(MunicipalityFactory)
    plan = factory.SubFactory(PlanFactory, municipality=_same_city)
    key = factory.Sequence(lambda number: f"K{number}")
    kind = "outcome"
    name_en = factory.Sequence(lambda number: f"Indicator {number}")
    unit = "%"
    baseline_value = Decimal("10")
    baseline_date = datetime.date(2021, 1, 1)
    target_value = Decimal("50")
    target_date = datetime.date(2027, 12, 31)


class MeasurementFactory(factory.django.DjangoModelFactory[Measurement]):
    class Meta:
        model = Measurement

    municipality = factory.SubFactory(MunicipalityFactory)
    kpi = factory.SubFactory(KpiFactory, municipality=_same_city)
    date = datetime.date(2023, 6, 30)
    value = Decimal("20")


class RiskFactory(factory.django.DjangoModelFactory[Risk]):
    class Meta:
        model = Risk

    municipality = factory.SubFactory(MunicipalityFactory)
    plan = factory.SubFactory(PlanFactory, municipality=_same_city)
    key = factory.Sequence(lambda number: f"R{number}")
    description_en = "Procurement delays"
    mitigation_en = "Start procurement early"
    intensity = "high"
    likelihood = "medium"


class GovernanceBodyFactory(factory.django.DjangoModelFactory[GovernanceBody]):
    class Meta:
        model = GovernanceBody

    municipality = factory.SubFactory(MunicipalityFactory)
    plan = factory.SubFactory(PlanFactory, municipality=_same_city)
    key = factory.Sequence(lambda number: f"body-{number}")
    name_en = factory.Sequence(lambda number: f"Steering group {number}")


class GovernanceMemberFactory(factory.django.DjangoModelFactory[GovernanceMember]):
    class Meta:
        model = GovernanceMember

    municipality = factory.SubFactory(MunicipalityFactory)
    body = factory.SubFactory(GovernanceBodyFactory, municipality=_same_city)
    name = "Member"


class WorkingGroupFactory(factory.django.DjangoModelFactory[WorkingGroup]):
    class Meta:
        model = WorkingGroup

    municipality = factory.SubFactory(MunicipalityFactory)
    plan = factory.SubFactory(PlanFactory, municipality=_same_city)
    key = factory.Sequence(lambda number: f"group-{number}")
    name_en = factory.Sequence(lambda number: f"Action group {number}")


class ExpressionOfInterestFactory(factory.django.DjangoModelFactory[ExpressionOfInterest]):
    class Meta:
        model = ExpressionOfInterest

    municipality = factory.SubFactory(MunicipalityFactory)
    project = factory.SubFactory(ProjectFactory, municipality=_same_city)
    plan = factory.SelfAttribute("project.plan")
    name = "Ioana Ionescu"
    organisation = "Asociația Vecinilor"
    email = factory.Sequence(lambda number: f"volunteer{number}@example.org")
    motivation = "I want to help."


class ChangeRecordFactory(factory.django.DjangoModelFactory[ChangeRecord]):
    class Meta:
        model = ChangeRecord

    municipality = factory.SubFactory(MunicipalityFactory)
    project = factory.SubFactory(ProjectFactory, municipality=_same_city)
    plan = factory.SelfAttribute("project.plan")
    field = "status"
    old_value = "planned"
    new_value = "in_progress"


class MonitoringReportFactory(factory.django.DjangoModelFactory[MonitoringReport]):
    class Meta:
        model = MonitoringReport

    municipality = factory.SubFactory(MunicipalityFactory)
    plan = factory.SubFactory(PlanFactory, municipality=_same_city)
    year = 2024
    quarter = factory.Sequence(lambda number: number % 4 + 1)
    status = "ready"
