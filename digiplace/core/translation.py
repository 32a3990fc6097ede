"""Content fields that a city writes are translatable (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Department, Municipality


@register(Municipality)
class MunicipalityTranslationOptions(TranslationOptions):
    fields = ("name", "description")


@register(Department)
class DepartmentTranslationOptions(TranslationOptions):
    fields = ("name",)
