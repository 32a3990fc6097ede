"""The staff desk's bulk actions: the single actions' services (timeline, audit entry,
notifications) applied to several reports at once, all or nothing, by someone allowed to
handle each of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from digiplace.core.models import Municipality, StaffMembership, User

from ..models import Report, ReportStatus
from .staff import report_assign, report_change_status

# A page of the queue; more at once is refused rather than half done.
MAX_BULK_REPORTS = 100
BULK_ERROR_KEY = "reports"


@dataclass(frozen=True)
class BulkOutcome:
    changed: tuple[int, ...]
    unchanged: tuple[int, ...]  # already as asked: nothing to do, not an error


def report_may_handle(*, membership: StaffMembership, report: Report) -> bool:
    """Staff of a department handle their department's reports, reports not routed to any
    department and reports assigned to them; administrators and staff without a department
    (the city's dispatchers) handle every report of the city."""
    if membership.municipality_id != report.municipality_id or not membership.is_active:
        return False
    if membership.is_admin or membership.department_id is None:
        return True
    return (
        report.department_id is None
        or report.department_id == membership.department_id
        or report.assigned_to_id == membership.user_id
    )


def _problem(number: int, message: str) -> str:
    return _("Report #%(number)s: %(problem)s") % {"number": number, "problem": message}


def _bulk(
    *,
    municipality: Municipality,
    membership: StaffMembership,
    report_ids: Iterable[int],
    is_unchanged: Callable[[Report], bool],
    apply: Callable[[Report], object],
) -> BulkOutcome:
    """Check every report first, then apply ``apply`` to each in one transaction; any
    refusal rolls every change back (notifications included: they wait for the commit)
    and all the refusals are raised together under ``reports``."""
    numbers = sorted(set(report_ids))
    if not numbers:
        raise ValidationError({BULK_ERROR_KEY: [_("Choose at least one report.")]})
    if len(numbers) > MAX_BULK_REPORTS:
        raise ValidationError(
            {
                BULK_ERROR_KEY: [
                    _("Choose at most %(limit)d reports at once.") % {"limit": MAX_BULK_REPORTS}
                ]
            }
        )
    reports = {
        report.pk: report
        for report in Report.objects.filter(municipality=municipality, pk__in=numbers)
        .select_related("municipality", "category", "department")
        .order_by("pk")
    }
    errors: list[str] = []
    for number in numbers:
        report = reports.get(number)
        if report is None:
            errors.append(_problem(number, _("there is no such report in this city.")))
        elif not report_may_handle(membership=membership, report=report):
            errors.append(
                _problem(number, _("it belongs to another department; you cannot change it."))
            )
    if errors:
        raise ValidationError({BULK_ERROR_KEY: errors})
    changed: list[int] = []
    unchanged: list[int] = []
    with transaction.atomic():
        for number in numbers:
            report = reports[number]
            if is_unchanged(report):
                unchanged.append(number)
                continue
            try:
                apply(report)
            except ValidationError as error:
                errors.extend(_problem(number, message) for message in error.messages)
            else:
                changed.append(number)
        if errors:
            raise ValidationError({BULK_ERROR_KEY: errors})
    return BulkOutcome(changed=tuple(changed), unchanged=tuple(unchanged))


def reports_bulk_change_status(
    *,
    municipality: Municipality,
    membership: StaffMembership,
    actor: User,
    report_ids: Iterable[int],
    status: ReportStatus | str,
    public_response: str = "",
) -> BulkOutcome:
    """Give the chosen reports one status (each notifies its reporter and supporters)."""
    if status not in ReportStatus.values:
        raise ValidationError({"status": [_("Choose a valid status.")]})
    return _bulk(
        municipality=municipality,
        membership=membership,
        report_ids=report_ids,
        is_unchanged=lambda report: report.status == status,
        apply=lambda report: report_change_status(
            report=report, actor=actor, status=status, public_response=public_response
        ),
    )


def reports_bulk_assign(
    *,
    municipality: Municipality,
    membership: StaffMembership,
    actor: User,
    report_ids: Iterable[int],
    assignee: User | None,
) -> BulkOutcome:
    """Assign the chosen reports to one staff member of the city, or to nobody."""
    assignee_id = assignee.pk if assignee is not None else None
    return _bulk(
        municipality=municipality,
        membership=membership,
        report_ids=report_ids,
        is_unchanged=lambda report: report.assigned_to_id == assignee_id,
        apply=lambda report: report_assign(report=report, actor=actor, assignee=assignee),
    )
