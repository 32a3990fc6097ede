"""Texts that a city writes in its plan are translatable (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from .models import (
    Activity,
    GovernanceBody,
    GovernanceMember,
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
    fields = (
        "title",
        "description",
        "open_action_category",
        "owner",
        "stakeholders",
        "strategy_links",
        "funding_programmes",
        "schedule_text",
        "digital_enablers",
        "local_actor_types",
    )


@register(Activity)
class ActivityTranslationOptions(TranslationOptions):
    fields = ("title", "related_activities", "schedule_text", "outputs")


@register(Kpi)
class KpiTranslationOptions(TranslationOptions):
    fields = ("name", "unit")


@register(Risk)
class RiskTranslationOptions(TranslationOptions):
    fields = ("description", "mitigation", "owner")


@register(GovernanceBody)
class GovernanceBodyTranslationOptions(TranslationOptions):
    fields = ("name", "role", "description")


@register(GovernanceMember)
class GovernanceMemberTranslationOptions(TranslationOptions):
    fields = ("name", "role")


@register(WorkingGroup)
class WorkingGroupTranslationOptions(TranslationOptions):
    fields = ("name", "description")
