"""Writes of the plans module: the public timeline, the audit log, refusals that write nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from digiplace.core import personal_data
from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership, User
from digiplace.plans import services
from digiplace.plans.models import ChangeRecord, ExpressionOfInterest, Measurement
from digiplace.plans.tests.factories import (
    ActivityFactory,
    ExpressionOfInterestFactory,
    KpiFactory,
    ProjectFactory,
)


@pytest.mark.django_db
def test_project_status_change_is_public_and_audited(
    botosani: Municipality, botosani_staff: StaffMembership
) -> None:
    project = ProjectFactory.create(municipality=botosani, status="planned")

    records = services.project_update_status(
        actor=botosani_staff.user, project=project, status="in_progress", progress=30
    )

    assert [(r.field, r.old_value, r.new_value) for r in records] == [
        ("status", "planned", "in_progress"),
        ("progress", "", "30"),
    ]
    assert records[0].changed_by == botosani_staff.user
    entry = AuditLogEntry.objects.get(target_type="plans.Project")
    assert entry.before == {"progress": None, "status": "planned"}
    assert entry.after == {"progress": 30, "status": "in_progress"}


@pytest.mark.django_db
def test_unchanged_values_record_nothing(botosani: Municipality) -> None:
    project = ProjectFactory.create(municipality=botosani, status="planned")

    assert services.project_update_status(actor=None, project=project, status="planned") == []
    assert ChangeRecord.objects.count() == 0
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_completing_an_activity_sets_full_progress(botosani: Municipality) -> None:
    activity = ActivityFactory.create(municipality=botosani, status="in_progress", progress=40)

    services.activity_update_status(actor=None, activity=activity, status="completed")

    activity.refresh_from_db()
    assert (activity.status, activity.progress) == ("completed", 100)
    assert set(ChangeRecord.objects.values_list("field", "activity_id")) == {
        ("status", activity.pk),
        ("progress", activity.pk),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "progress", "field"), [("almost", None, "status"), (None, 140, "progress")]
)
def test_bad_status_or_progress_writes_nothing(
    botosani: Municipality, status: str | None, progress: int | None, field: str
) -> None:
    project = ProjectFactory.create(municipality=botosani, status="planned")

    with pytest.raises(ValidationError) as raised:
        services.project_update_status(
            actor=None, project=project, status=status, progress=progress
        )

    assert field in raised.value.message_dict
    project.refresh_from_db()
    assert (project.status, project.progress) == ("planned", None)
    assert ChangeRecord.objects.count() == 0


@pytest.mark.django_db
def test_measurement_goes_on_the_timeline(botosani: Municipality, resident: User) -> None:
    kpi = KpiFactory.create(municipality=botosani, unit="%")
    services.measurement_create(
        actor=resident, kpi=kpi, date=datetime.date(2023, 1, 1), value=Decimal("12.50")
    )

    services.measurement_create(
        actor=resident, kpi=kpi, date=datetime.date(2024, 1, 1), value=Decimal("13.5")
    )

    change = ChangeRecord.objects.filter(kpi=kpi).first()
    assert change is not None
    assert (change.field, change.old_value, change.new_value) == ("kpi_value", "12.5", "13.5")
    assert Measurement.objects.filter(kpi=kpi).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("date", "value", "field"),
    [
        (datetime.date(2099, 1, 1), Decimal(10), "date"),
        (datetime.date(2020, 1, 1), Decimal(10), "date"),  # before the baseline
        (datetime.date(2023, 1, 1), Decimal(140), "value"),  # a percentage over 100
        (datetime.date(2023, 1, 1), Decimal("NaN"), "value"),
    ],
)
def test_bad_measurements_write_nothing(
    botosani: Municipality, date: datetime.date, value: Decimal, field: str
) -> None:
    kpi = KpiFactory.create(municipality=botosani, unit="%")

    with pytest.raises(ValidationError) as raised:
        services.measurement_create(actor=None, kpi=kpi, date=date, value=value)

    assert field in raised.value.message_dict
    assert Measurement.objects.count() == 0
    assert ChangeRecord.objects.count() == 0


@pytest.mark.django_db
def test_interest_requires_a_valid_email(botosani: Municipality) -> None:
    project = ProjectFactory.create(municipality=botosani)

    with pytest.raises(ValidationError) as raised:
        services.interest_create(
            plan=project.plan,
            project=project,
            name="Ana",
            organisation="",
            email="not-an-email",
            motivation="I can help.",
        )

    assert "email" in raised.value.message_dict
    assert ExpressionOfInterest.objects.count() == 0


@pytest.mark.django_db
def test_personal_data_export_and_erasure(botosani: Municipality, resident: User) -> None:
    interest = ExpressionOfInterestFactory.create(
        municipality=botosani, user=resident, email=resident.email
    )
    other = ExpressionOfInterestFactory.create(municipality=botosani, email="else@example.org")

    export = personal_data.user_data_export(user=resident)
    personal_data.user_erase(user=resident)

    assert [
        row["motivation"] for row in export["sections"]["plans"]["expressions_of_interest"]
    ] == [interest.motivation]
    assert list(ExpressionOfInterest.objects.all()) == [other]
