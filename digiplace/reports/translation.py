"""Texts that a city writes for its categories and questions are translatable."""

from modeltranslation.translator import TranslationOptions, register

from .models import Category, CategoryAttribute, Neighbourhood, ReplyTemplate


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name", "description", "group")


@register(CategoryAttribute)
class CategoryAttributeTranslationOptions(TranslationOptions):
    fields = ("description", "datatype_description")


@register(Neighbourhood)
class NeighbourhoodTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(ReplyTemplate)
class ReplyTemplateTranslationOptions(TranslationOptions):
    fields = ("title", "text")
