"""Serializers of the core API: input and output apart, outputs read-only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    AuditAction,
    AuditLogEntry,
    Department,
    Municipality,
    Notification,
    StaffMembership,
    StaffRole,
    User,
)

# Text that may be empty: the schema says so instead of promising a well-formed value.


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}],
        "description": "An email address, or empty when there is none.",
    }
)
class OptionalEmailField(serializers.EmailField):
    pass


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}],
        "description": "An address on the web, or empty when there is none.",
    }
)
class OptionalUrlField(serializers.URLField):
    pass


# Municipalities (public)


class MunicipalityCentreSerializer(serializers.Serializer[Any]):
    latitude = serializers.FloatField(source="centre_latitude")
    longitude = serializers.FloatField(source="centre_longitude")
    zoom = serializers.IntegerField(source="default_zoom")


class MunicipalityBoundsSerializer(serializers.Serializer[Any]):
    south = serializers.FloatField(source="bounds_south")
    west = serializers.FloatField(source="bounds_west")
    north = serializers.FloatField(source="bounds_north")
    east = serializers.FloatField(source="bounds_east")


class MunicipalityColoursSerializer(serializers.Serializer[Any]):
    primary = serializers.CharField(source="primary_colour")
    secondary = serializers.CharField(source="secondary_colour")


class MunicipalityContactSerializer(serializers.Serializer[Any]):
    email = OptionalEmailField(source="contact_email")
    phone = serializers.CharField(source="contact_phone")
    address = serializers.CharField()
    website = OptionalUrlField()


class MunicipalityOutputSerializer(serializers.ModelSerializer[Municipality]):
    """What anyone may know about a hosted municipality; nothing about people."""

    languages = serializers.ListField(
        child=serializers.CharField(), help_text="Language codes the municipality offers."
    )
    # A plain string: one enum of language codes is enough in the schema (PreferredLanguage).
    default_language = serializers.CharField(help_text="One of the codes in `languages`.")
    centre = MunicipalityCentreSerializer(source="*")
    bounds = MunicipalityBoundsSerializer(source="*")
    colours = MunicipalityColoursSerializer(source="*")
    contact = MunicipalityContactSerializer(source="*")

    class Meta:
        model = Municipality
        fields = [
            "slug",
            "name",
            "description",
            "languages",
            "default_language",
            "time_zone",
            "centre",
            "bounds",
            "colours",
            "contact",
        ]
        read_only_fields = fields


# The signed-in person


class MembershipSummarySerializer(serializers.ModelSerializer[StaffMembership]):
    municipality: serializers.SlugRelatedField[Municipality] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    department = serializers.CharField(source="department.name", allow_null=True, default=None)
    modules = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = StaffMembership
        fields = ["municipality", "role", "department", "modules"]
        read_only_fields = fields


PREFERRED_LANGUAGE_CHOICES = [("", "—"), *settings.LANGUAGES]


class MeOutputSerializer(serializers.ModelSerializer[User]):
    # Empty until the person picks a language: then the municipality's language is used.
    preferred_language = serializers.ChoiceField(
        choices=PREFERRED_LANGUAGE_CHOICES, allow_blank=True, read_only=True
    )
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "preferred_language",
            "notify_in_app",
            "notify_by_email",
            "email_confirmed_at",
            "date_joined",
            "memberships",
        ]
        read_only_fields = fields

    @extend_schema_field(MembershipSummarySerializer(many=True))
    def get_memberships(self, user: User) -> list[dict[str, object]]:
        active = user.memberships.filter(is_active=True).select_related(
            "municipality", "department"
        )
        return list(MembershipSummarySerializer(active, many=True).data)


class MeInputSerializer(serializers.Serializer[Any]):
    full_name = serializers.CharField(max_length=150, allow_blank=True)
    preferred_language = serializers.ChoiceField(
        choices=PREFERRED_LANGUAGE_CHOICES, allow_blank=True
    )
    notify_in_app = serializers.BooleanField()
    notify_by_email = serializers.BooleanField()


# Notifications


class NotificationOutputSerializer(serializers.ModelSerializer[Notification]):
    municipality: serializers.SlugRelatedField[Municipality] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "subject",
            "body",
            "url",
            "municipality",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


# Back office


class DepartmentOutputSerializer(serializers.ModelSerializer[Department]):
    name_ro = serializers.CharField()
    name_en = serializers.CharField(allow_null=True, help_text="Null until it is translated.")
    email = OptionalEmailField()

    class Meta:
        model = Department
        fields = ["id", "name", "name_ro", "name_en", "email"]
        read_only_fields = fields


class DepartmentInputSerializer(serializers.Serializer[Any]):
    name_ro = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class StaffMembershipOutputSerializer(serializers.ModelSerializer[StaffMembership]):
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.ChoiceField(choices=StaffRole.choices)
    department = DepartmentOutputSerializer(allow_null=True)
    modules = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = StaffMembership
        fields = ["id", "email", "full_name", "role", "department", "modules", "is_active"]
        read_only_fields = fields


class AuditLogEntryOutputSerializer(serializers.ModelSerializer[AuditLogEntry]):
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)

    class Meta:
        model = AuditLogEntry
        fields = [
            "id",
            "created_at",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "before",
            "after",
        ]
        read_only_fields = fields


class AuditLogFilterSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    target_type = serializers.CharField(required=False, max_length=100)


# Authentication


class TokenCreateInputSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenOutputSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(
        read_only=True, help_text="Send it as the header `Authorization: Token <token>`."
    )
