"""Django admin: for platform administrators only (city staff use the back office)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin as TasksDBTaskResultAdmin
from django_tasks_db.models import DBTaskResult
from modeltranslation.admin import TranslationAdmin

from .models import (
    AuditLogEntry,
    Department,
    Municipality,
    MunicipalityHost,
    Notification,
    StaffMembership,
    User,
)
from .selectors import municipality_cache_clear


class MunicipalityHostInline(admin.TabularInline[MunicipalityHost, Municipality]):
    model = MunicipalityHost
    extra = 1


@admin.register(Municipality)
class MunicipalityAdmin(TranslationAdmin[Municipality]):
    list_display = ("name", "slug", "default_language", "time_zone", "is_active")
    search_fields = ("name", "slug")
    inlines = [MunicipalityHostInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # A host removed here must stop being served at once, in every process.
        former_hosts = list(form.instance.hosts.values_list("host", flat=True))
        super().save_related(request, form, formsets, change)
        municipality_cache_clear(municipality=form.instance, former_hosts=former_hosts)


@admin.register(Department)
class DepartmentAdmin(TranslationAdmin[Department]):
    list_display = ("name", "municipality", "email")
    list_filter = ("municipality",)


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin[StaffMembership]):
    list_display = ("user", "municipality", "department", "role", "is_active")
    list_filter = ("municipality", "role", "is_active")
    autocomplete_fields = ("user",)
    search_fields = ("user__email",)


# Django's UserAdmin is typed for AbstractUser; ours is an AbstractBaseUser with an email.
@admin.register(User)
class UserAdmin(BaseUserAdmin[Any]):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "preferred_language")}),
        (_("Notifications"), {"fields": ("notify_in_app", "notify_by_email")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined", "email_confirmed_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups",)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin[AuditLogEntry]):
    list_display = (
        "created_at",
        "municipality",
        "actor_label",
        "action",
        "target_type",
        "target_id",
    )
    list_filter = ("municipality", "action", "target_type")
    readonly_fields = [field.name for field in AuditLogEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ("created_at", "recipient", "kind", "subject", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("recipient__email", "subject")


# Third-party apps: their names and the few labels they leave untranslatable, in the admin's
# language (their texts are in our catalogue through core.i18n_extra).
apps.get_app_config("axes").verbose_name = _("Sign-in protection")
apps.get_app_config("django_tasks_database").verbose_name = _("Background tasks")
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class DBTaskResultAdmin(TasksDBTaskResultAdmin):
    list_display = (
        "id",
        "task_label",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    )

    @admin.display(description=_("task"))
    def task_label(self, obj: DBTaskResult[..., Any]) -> str:
        return str(obj.task_name)

    @admin.display(description=_("traceback"))
    def formatted_traceback(self, obj: DBTaskResult[..., Any]) -> str:
        return super().formatted_traceback(obj)

    @admin.display(description=_("run after"))
    def display_run_after(self, obj: DBTaskResult[..., Any]) -> Any:
        return super().display_run_after(obj)
