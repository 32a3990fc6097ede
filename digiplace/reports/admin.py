"""Django admin for platform administrators: Open311 API keys, categories with their
questions, neighbourhoods, reply templates, and a read-only view of reports (city staff
change reports in the back office, whose writes go through the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from .models import ApiKey, Category, CategoryAttribute, Neighbourhood, ReplyTemplate, Report


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    list_display = ("name", "municipality", "contact_email", "is_active", "created_at")
    list_filter = ("municipality", "is_active")
    search_fields = ("name", "contact_email")
    # The key is generated; the administrator copies it to the developer.
    readonly_fields = ("key", "created_at")
    fields = ("municipality", "name", "contact_email", "is_active", "key", "created_at")


class CategoryAttributeInline(TranslationTabularInline[CategoryAttribute, Category]):
    model = CategoryAttribute
    extra = 0
    # The municipality is the category's; it is set on save.
    exclude = ("municipality",)


@admin.register(Category)
class CategoryAdmin(TranslationAdmin[Category]):
    list_display = ("name", "service_code", "municipality", "department", "sla_days", "is_active")
    list_filter = ("municipality", "is_active")
    search_fields = ("name", "service_code", "keywords")
    inlines = [CategoryAttributeInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        attributes = formset.save(commit=False)
        for attribute in attributes:
            attribute.municipality = form.instance.municipality
            attribute.save()
        for removed in formset.deleted_objects:
            removed.delete()
        formset.save_m2m()


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(TranslationAdmin[Neighbourhood]):
    list_display = ("name", "slug", "municipality")
    list_filter = ("municipality",)
    search_fields = ("name", "slug")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    list_display = ("id", "category", "municipality", "status", "created_at", "is_hidden")
    list_filter = ("municipality", "status", "is_hidden")
    search_fields = ("description", "address")
    date_hierarchy = "created_at"
    list_select_related = ("category", "municipality")
    raw_id_fields = (
        "category",
        "neighbourhood",
        "department",
        "reporter",
        "assigned_to",
        "duplicate_of",
        "api_key",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Report | None = None) -> list[str]:
        return [field.name for field in Report._meta.fields]

    # Every change of a report (status, category, assignment, merge, moderation, the
    # description) goes through a service that writes the timeline entry, tells the people
    # following it and records the audit entry; the back office offers them all. Here
    # nothing is written: reports are created by the web form and Open311, changed in the
    # back office, and erased with a person's data (core.personal_data).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(TranslationAdmin[ReplyTemplate]):
    list_display = ("title", "municipality", "category", "position", "is_active")
    list_filter = ("municipality", "is_active")
    search_fields = ("title", "text")
    list_select_related = ("municipality", "category")
    fields = ("municipality", "category", "title", "text", "position", "is_active")
