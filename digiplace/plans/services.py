"""Writes of the plans module. Each change of status, progress or KPI value is recorded
publicly (ChangeRecord: who, when, from → to) and in the staff audit log."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction, User
from digiplace.core.permissions import backoffice_membership

from .models import (
    Activity,
    ChangeRecord,
    ExpressionOfInterest,
    InterestStatus,
    Kpi,
    Measurement,
    MonitoringReport,
    Pillar,
    Plan,
    Project,
    ProjectKind,
    ReportStatus,
    Status,
)

TRACKED_FIELDS = ("status", "progress")


def _validate_status_progress(status: str | None, progress: int | None) -> None:
    if status is not None and status not in {"", *Status.values}:
        raise ValidationError({"status": _("Choose a valid status.")})
    if progress is not None and not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is a percentage between 0 and 100.")})


def _record_changes(
    *,
    actor: User | None,
    instance: Project | Activity,
    project: Project,
    before: dict[str, Any],
    activity: Activity | None = None,
) -> list[ChangeRecord]:
    records = []
    for field_name in TRACKED_FIELDS:
        old, new = before[field_name], getattr(instance, field_name)
        if old != new:
            records.append(
                ChangeRecord(
                    municipality_id=project.municipality_id,
                    plan_id=project.plan_id,
                    project=project,
                    activity=activity,
                    field=field_name,
                    old_value="" if old is None else str(old),
                    new_value="" if new is None else str(new),
                    changed_by=actor,
                )
            )
    return ChangeRecord.objects.bulk_create(records)


@transaction.atomic
def project_update_status(
    *,
    actor: User | None,
    project: Project,
    status: str | None = None,
    progress: int | None = None,
    clear_progress: bool = False,
) -> list[ChangeRecord]:
    """Change a project's status and/or progress; returns the public change records."""
    _validate_status_progress(status, progress)
    with audited_change(project, actor=actor, audit_if_unchanged=False) as change:
        project = change.instance
        if status is not None:
            project.status = status
        if clear_progress:
            project.progress = None
        elif progress is not None:
            project.progress = progress
        project.save()
        return _record_changes(actor=actor, instance=project, project=project, before=change.before)


@transaction.atomic
def activity_update_status(
    *,
    actor: User | None,
    activity: Activity,
    status: str | None = None,
    progress: int | None = None,
) -> list[ChangeRecord]:
    """Change an activity's status and/or progress. Completing sets progress to 100."""
    _validate_status_progress(status, progress)
    with audited_change(
        activity,
        actor=actor,
        queryset=Activity.objects.select_related("project"),
        audit_if_unchanged=False,
    ) as change:
        activity = change.instance
        if status is not None:
            activity.status = status
            if status == Status.COMPLETED and progress is None:
                progress = 100
        if progress is not None:
            activity.progress = progress
        activity.save()
        records = _record_changes(
            actor=actor,
            instance=activity,
            project=activity.project,
            before=change.before,
            activity=activity,
        )
        if records:
            Project.objects.filter(pk=activity.project_id).update(updated_at=timezone.now())
    return records


@transaction.atomic
def measurement_create(
    *,
    actor: User | None,
    kpi: Kpi,
    date: datetime.date,
    value: Decimal,
    source: str = "",
    note: str = "",
) -> Measurement:
    """Add a KPI measurement; the change from the previous latest value goes on the timeline."""
    if date > timezone.localdate() + datetime.timedelta(days=1):
        raise ValidationError({"date": _("A measurement cannot be in the future.")})
    if kpi.baseline_date and date < kpi.baseline_date:
        raise ValidationError({"date": _("A measurement cannot be earlier than the baseline.")})
    if not value.is_finite():
        raise ValidationError({"value": _("Enter a number.")})
    if kpi.unit == "%" and not Decimal(0) <= value <= Decimal(100):
        raise ValidationError({"value": _("A percentage is between 0 and 100.")})
    previous = kpi.measurements.order_by("-date", "-id").first()
    measurement = Measurement.objects.create(
        municipality_id=kpi.municipality_id,
        kpi=kpi,
        date=date,
        value=value,
        source=source,
        note=note,
        entered_by=actor,
    )
    ChangeRecord.objects.create(
        municipality_id=kpi.municipality_id,
        plan_id=kpi.plan_id,
        project_id=kpi.project_id,
        kpi=kpi,
        field="kpi_value",
        old_value="" if previous is None else _format_number(previous.value),
        new_value=_format_number(value),
        changed_by=actor,
    )
    audit_record(
        actor=actor,
        municipality=kpi.municipality,
        action=AuditAction.CREATE,
        instance=measurement,
        after=model_snapshot(measurement),
    )
    return measurement


def _format_number(value: Decimal) -> str:
    normalised = value.normalize()
    return f"{normalised:f}"


def interest_create(
    *,
    plan: Plan,
    project: Project | None = None,
    pillar: Pillar | None = None,
    name: str,
    organisation: str,
    email: str,
    motivation: str,
    user: User | None = None,
) -> ExpressionOfInterest:
    if project is None and pillar is None:
        raise ValidationError(_("Choose a project or a pillar to join."))
    interest = ExpressionOfInterest(
        municipality_id=plan.municipality_id,
        plan=plan,
        project=project,
        pillar=pillar,
        name=name.strip(),
        organisation=organisation.strip(),
        email=email.strip().lower(),
        motivation=motivation.strip(),
        user=user if user is not None and user.is_authenticated else None,
    )
    interest.full_clean()
    interest.save()
    return interest


@transaction.atomic
def interest_decide(
    *, actor: User, interest: ExpressionOfInterest, accept: bool
) -> ExpressionOfInterest:
    with audited_change(interest, actor=actor) as change:
        interest = change.instance
        interest.status = InterestStatus.ACCEPTED if accept else InterestStatus.DECLINED
        interest.decided_by = actor
        interest.decided_at = timezone.now()
        interest.save()
    return interest


def report_request(
    *, actor: User | None, plan: Plan, year: int, quarter: int, language: str
) -> MonitoringReport:
    """Queue (or re-queue) the quarterly report; the worker renders HTML and PDF."""
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("A quarter is 1, 2, 3 or 4.")})
    if (plan.period_start and year < plan.period_start - 1) or year > timezone.localdate().year:
        raise ValidationError({"year": _("Choose a year within the plan's period, up to now.")})
    with transaction.atomic():
        report, _created = MonitoringReport.objects.update_or_create(
            plan=plan,
            year=year,
            quarter=quarter,
            language=language,
            defaults={
                "municipality_id": plan.municipality_id,
                "status": ReportStatus.QUEUED,
                "requested_by": actor,
                "requested_at": timezone.now(),
                "error": "",
            },
        )
        from .tasks import report_generate

        transaction.on_commit(lambda: report_generate.enqueue(report_id=report.pk))
    return report


NEW_PROJECT_KEY = re.compile(r"^P-(\d+)$")


def _project_key_next(plan: Plan) -> str:
    """A fresh key for a project added after the plan was written: "P-1", "P-2"…"""
    numbers = [
        int(found.group(1))
        for key in Project.objects.filter(plan=plan, key__startswith="P-").values_list(
            "key", flat=True
        )
        if (found := NEW_PROJECT_KEY.match(key))
    ]
    return f"P-{max(numbers, default=0) + 1}"


@transaction.atomic
def project_create_from_proposal(
    *,
    actor: User,
    pillar: Pillar,
    title: str,
    description: str,
    source_url: str,
) -> Project:
    """A new project (an idea, of the "action" kind) in ``pillar``, made from a record of
    another module (an accepted citizen proposal): its description ends with a link back
    to ``source_url``. Only staff who may use the plans module of the pillar's city may add
    one; bad input raises ``ValidationError`` and writes nothing. Audited."""
    membership = backoffice_membership(user=actor, municipality=pillar.municipality)
    if membership is None or not membership.can_use_module("plans"):
        raise ValidationError(_("You need access to the city's plan to add a project to it."))
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": _("Give the project a title.")})
    description = description.strip()
    if source_url:
        link_back = _("Comes from: %(url)s") % {"url": source_url}
        description = f"{description}\n\n{link_back}" if description else link_back
    plan = pillar.plan
    Plan.objects.select_for_update().filter(pk=plan.pk).first()  # one new key at a time
    last = Project.objects.filter(plan=plan, pillar=pillar).order_by("-position").first()
    project = Project(
        municipality_id=plan.municipality_id,
        plan=plan,
        pillar=pillar,
        key=_project_key_next(plan),
        position=(last.position + 1) if last is not None else 0,
        kind=ProjectKind.ACTION,
        status=Status.IDEA,
        title=title,
        description=description,
    )
    project.full_clean()
    project.save()
    audit_record(
        actor=actor,
        municipality=plan.municipality,
        action=AuditAction.CREATE,
        instance=project,
        after=model_snapshot(project),
    )
    return project
