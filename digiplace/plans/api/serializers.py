"""Serializers of the plans API: input and output apart, outputs read-only and impersonal
(no expressions of interest, no names of the staff who entered values)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Activity, KpiKind, Measurement, Objective, Pillar, Plan, Project, Status
from ..selectors import KpiReading, KpiStatus

KPI_STATUSES = [KpiStatus.ON_TRACK, KpiStatus.AT_RISK, KpiStatus.OFF_TRACK, KpiStatus.NO_DATA]


# Plain strings in the schema: the enum names "status" and "kind" belong to projects.
@extend_schema_field(
    {
        "type": "string",
        "description": "One of: "
        + ", ".join(f"`{code}`" for code in KPI_STATUSES)
        + ". The latest measurement against the straight trajectory from baseline to target.",
    }
)
class KpiStatusField(serializers.CharField):
    pass


@extend_schema_field(
    {"type": "string", "description": "One of: " + ", ".join(f"`{c}`" for c in KpiKind.values)}
)
class KpiKindField(serializers.CharField):
    pass


def _progress_of(context: dict[str, Any], kind: str, pk: int) -> int:
    progress = context["progress"]
    if kind == "project":
        return int(progress.projects.get(pk, 0))
    return int(getattr(progress, kind)[pk].percent)


class ObjectiveOutputSerializer(serializers.ModelSerializer[Objective]):
    progress = serializers.SerializerMethodField(help_text="Weighted progress, in per cent.")

    class Meta:
        model = Objective
        fields = ["key", "title", "description", "progress"]
        read_only_fields = fields

    def get_progress(self, objective: Objective) -> int:
        return _progress_of(self.context, "objectives", objective.pk)


class PillarOutputSerializer(serializers.ModelSerializer[Pillar]):
    progress = serializers.SerializerMethodField(help_text="Weighted progress, in per cent.")
    objectives = ObjectiveOutputSerializer(many=True, read_only=True)
    smart_city_dimensions = serializers.ListField(child=serializers.CharField(), read_only=True)
    sdgs = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Pillar
        fields = [
            "key",
            "title",
            "description",
            "smart_city_dimensions",
            "sdgs",
            "progress",
            "objectives",
        ]
        read_only_fields = fields

    def get_progress(self, pillar: Pillar) -> int:
        return _progress_of(self.context, "pillars", pillar.pk)


class PlanListOutputSerializer(serializers.ModelSerializer[Plan]):
    class Meta:
        model = Plan
        fields = ["key", "title", "period_start", "period_end", "motto", "pillar_label"]
        read_only_fields = fields


class PlanDetailOutputSerializer(serializers.ModelSerializer[Plan]):
    progress = serializers.SerializerMethodField(help_text="Weighted progress, in per cent.")
    pillars = PillarOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "key",
            "title",
            "period_start",
            "period_end",
            "vision",
            "mission",
            "motto",
            "pillar_label",
            "funding_approach",
            "source_title",
            "source_reference",
            "progress",
            "pillars",
        ]
        read_only_fields = fields

    def get_progress(self, plan: Plan) -> int:
        return int(self.context["progress"].plan.percent)


class BudgetOutputSerializer(serializers.Serializer[Any]):
    amount = serializers.DecimalField(
        source="budget_amount", max_digits=16, decimal_places=2, allow_null=True
    )
    currency = serializers.CharField(source="budget_currency")


class LocationOutputSerializer(serializers.Serializer[Any]):
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class ProjectListOutputSerializer(serializers.ModelSerializer[Project]):
    status = serializers.ChoiceField(
        choices=Status.choices, allow_blank=True, read_only=True, help_text="Empty when unknown."
    )
    pillar = serializers.CharField(source="pillar.key", read_only=True)
    objective = serializers.CharField(source="objective.key", read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField(
        help_text="Set by staff, or the mean of the activities, in per cent."
    )
    budget = BudgetOutputSerializer(source="*", read_only=True)
    funding_programmes = serializers.ListField(child=serializers.CharField(), read_only=True)
    location = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "key",
            "pillar",
            "objective",
            "kind",
            "title",
            "owner",
            "status",
            "progress",
            "budget",
            "funding_programmes",
            "start_date",
            "end_date",
            "schedule_text",
            "location",
            "updated_at",
        ]
        read_only_fields = fields

    def get_progress(self, project: Project) -> int:
        return _progress_of(self.context, "project", project.pk)

    @extend_schema_field(LocationOutputSerializer(allow_null=True))
    def get_location(self, project: Project) -> dict[str, float] | None:
        if not project.has_location:
            return None
        return {"latitude": project.latitude, "longitude": project.longitude}  # type: ignore[dict-item]


class ActivityOutputSerializer(serializers.ModelSerializer[Activity]):
    status = serializers.ChoiceField(
        choices=Status.choices, allow_blank=True, read_only=True, help_text="Empty when unknown."
    )
    outputs = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Activity
        fields = [
            "number",
            "title",
            "status",
            "progress",
            "start_date",
            "end_date",
            "schedule_text",
            "outputs",
            "related_activities",
        ]
        read_only_fields = fields


class ProjectDetailOutputSerializer(ProjectListOutputSerializer):
    activities = ActivityOutputSerializer(many=True, read_only=True)
    stakeholders = serializers.ListField(child=serializers.CharField(), read_only=True)
    strategy_links = serializers.ListField(child=serializers.CharField(), read_only=True)
    digital_enablers = serializers.ListField(child=serializers.CharField(), read_only=True)
    local_actor_types = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(ProjectListOutputSerializer.Meta):
        fields = [
            *ProjectListOutputSerializer.Meta.fields,
            "description",
            "open_action_category",
            "stakeholders",
            "strategy_links",
            "digital_enablers",
            "local_actor_types",
            "activities",
        ]
        read_only_fields = fields


class ProjectFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    pillar = serializers.CharField(required=False, max_length=40, help_text="A pillar's key.")


class ValueAtSerializer(serializers.Serializer[Any]):
    value = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    date = serializers.DateField(allow_null=True)


class KpiOutputSerializer(serializers.Serializer[Any]):
    """A KPI with its latest measurement and its status against the trajectory."""

    key = serializers.CharField(source="kpi.key")
    kind = KpiKindField(source="kpi.kind")
    name = serializers.CharField(source="kpi.name")
    unit = serializers.CharField(source="kpi.unit")
    pillar = serializers.CharField(source="kpi.pillar.key", allow_null=True, default=None)
    objective = serializers.CharField(source="kpi.objective.key", allow_null=True, default=None)
    project = serializers.CharField(source="kpi.project.key", allow_null=True, default=None)
    baseline = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    higher_is_better = serializers.BooleanField(source="kpi.higher_is_better")
    source = serializers.CharField(source="kpi.source")  # type: ignore[assignment]
    latest = serializers.SerializerMethodField()
    expected_value = serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        allow_null=True,
        help_text="The value on the straight line from baseline to target, on the latest date.",
    )
    status = KpiStatusField()

    @extend_schema_field(ValueAtSerializer)
    def get_baseline(self, reading: KpiReading) -> dict[str, Any]:
        return ValueAtSerializer(
            {"value": reading.kpi.baseline_value, "date": reading.kpi.baseline_date}
        ).data

    @extend_schema_field(ValueAtSerializer)
    def get_target(self, reading: KpiReading) -> dict[str, Any]:
        return ValueAtSerializer(
            {"value": reading.kpi.target_value, "date": reading.kpi.target_date}
        ).data

    @extend_schema_field(ValueAtSerializer)
    def get_latest(self, reading: KpiReading) -> dict[str, Any]:
        return ValueAtSerializer({"value": reading.latest_value, "date": reading.latest_date}).data


class MeasurementOutputSerializer(serializers.ModelSerializer[Measurement]):
    kpi = serializers.CharField(source="kpi.key", read_only=True)

    class Meta:
        model = Measurement
        fields = ["id", "kpi", "date", "value", "source", "note", "created_at"]
        read_only_fields = fields


class MeasurementInputSerializer(serializers.Serializer[Any]):
    date = serializers.DateField(
        help_text="Not in the future and not before the KPI's baseline date.",
        error_messages={"invalid": _("Enter a date such as 2025-03-31.")},
    )
    value = serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        help_text="In the KPI's unit; a percentage is between 0 and 100.",
        error_messages={"invalid": _("Enter a number, such as 12.5.")},
    )
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=500, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_value(self, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise serializers.ValidationError(_("Enter a number, such as 12.5."))
        return value
