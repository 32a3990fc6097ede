"""Texts staff write are translatable (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from .models import ServiceAlert


@register(ServiceAlert)
class ServiceAlertTranslationOptions(TranslationOptions):
    fields = ("header", "description")
