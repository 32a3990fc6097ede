"""Texts that a city writes in its plan are translatable (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from .models import (
    Activity,
    GovernanceBody,
    Kpi,
    Objective,
    Pillar,
    Plan,
    Project,
    Risk,
    WorkingGroup,
)


@register(Plan)
class PlanTranslationOptions(TranslationOptions):
    fields = ("title", "vision", "mission", "motto", "pillar_label", "funding_approach")


@register(Pillar)
class PillarTranslationOptions(TranslationOptions):
    fields = ("title", "description")


@register(Objective)
class ObjectiveTranslationOptions(TranslationOptions):
    fields = ("title", "description")


@register(Project)
class ProjectTranslationOptions(TranslationOptions):
    fields = ("title", "description")


@register(Activity)
class ActivityTranslationOptions(TranslationOptions):
    fields = ("title", "related_activities")


@register(Kpi)
class KpiTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Risk)
class RiskTranslationOptions(TranslationOptions):
    fields = ("description", "mitigation")


@register(GovernanceBody)
class GovernanceBodyTranslationOptions(TranslationOptions):
    fields = ("name", "role", "description")


@register(WorkingGroup)
class WorkingGroupTranslationOptions(TranslationOptions):
    fields = ("name", "description")
