"""Texts that a city writes for its processes, surveys, budgets and meetings are
translatable; what residents write (proposals, comments, projects, questions) is not."""

from modeltranslation.translator import TranslationOptions, register

from .models import (
    Budget,
    Meeting,
    Phase,
    Process,
    ProposalCategory,
    Question,
    QuestionOption,
    Survey,
    Zone,
)


@register(Zone)
class ZoneTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Process)
class ProcessTranslationOptions(TranslationOptions):
    fields = ("title", "summary", "description")


@register(Phase)
class PhaseTranslationOptions(TranslationOptions):
    fields = ("title", "description")


@register(Survey)
class SurveyTranslationOptions(TranslationOptions):
    fields = ("title", "description")


@register(Question)
class QuestionTranslationOptions(TranslationOptions):
    fields = ("text", "help_text", "scale_min_label", "scale_max_label")


@register(QuestionOption)
class QuestionOptionTranslationOptions(TranslationOptions):
    fields = ("label",)


@register(ProposalCategory)
class ProposalCategoryTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Budget)
class BudgetTranslationOptions(TranslationOptions):
    fields = ("title", "description")


@register(Meeting)
class MeetingTranslationOptions(TranslationOptions):
    fields = ("title", "description", "agenda")
