"""Staff actions on reports: status, responses, assignment, category, merge, moderation."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import (
    AuditAction,
    StaffMembership,
    User,
)

from ..models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    AbuseFlag,
    Category,
    Report,
    ReportPhoto,
    ReportStatus,
    ReportUpdate,
    Supporter,
    UpdateKind,
)
from ._common import _lock, _lock_queryset, _save, _update_add
from .constants import MAX_DESCRIPTION_LENGTH
from .notifications import (
    _notify,
    _place,
    _recipients,
    _status_body,
    _status_subject,
)
from .routing import department_for


def _staff_change(
    report: Report,
    *,
    actor: User,
    fields: list[str],
    kind: str,
    text: str = "",
    is_public: bool = True,
    change: Any,
) -> tuple[Report, ReportUpdate]:
    """Lock the report, apply ``change(locked)``, save ``fields``, record the update and the
    audit entry (before and after) in one transaction."""
    with audited_change(report, actor=actor, queryset=_lock_queryset()) as audited:
        locked = audited.instance
        old_status = locked.status
        change(locked)
        _save(locked, report, fields)
        update = _update_add(
            locked,
            kind=kind,
            author=actor,
            text=text,
            is_public=is_public,
            old_status=old_status if "status" in fields else "",
            new_status=locked.status if "status" in fields else "",
        )
    return locked, update


def _apply_status(locked: Report, status: str) -> None:
    was_open = locked.status in OPEN_STATUSES
    locked.status = status
    if status in CLOSED_STATUSES and (was_open or locked.closed_at is None):
        locked.closed_at = timezone.now()
    elif status in OPEN_STATUSES:
        locked.closed_at = None


def report_change_status(
    *, report: Report, actor: User, status: ReportStatus | str, public_response: str = ""
) -> ReportUpdate:
    """Staff change the status (with an optional public response); closing sets closed_at;
    the reporter and supporters are notified (in-app and email) after commit."""
    if status not in ReportStatus.values:
        raise ValidationError({"status": [_("Choose a valid status.")]})
    public_response = (public_response or "").strip()
    if len(public_response) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            {
                "public_response": [
                    _("Use at most %(limit)d characters.") % {"limit": MAX_DESCRIPTION_LENGTH}
                ]
            }
        )
    if status == report.status:
        if public_response:
            return report_respond(report=report, actor=actor, text=public_response, is_public=True)
        raise ValidationError(
            {
                "status": [
                    _("The report is already “%(status)s”.")
                    % {"status": report.get_status_display()}
                ]
            }
        )
    with transaction.atomic():
        locked, update = _staff_change(
            report,
            actor=actor,
            fields=["status", "closed_at"],
            kind=UpdateKind.STATUS,
            text=public_response,
            change=lambda locked: _apply_status(locked, str(status)),
        )
        _notify(
            report=locked,
            kind="reports.status",
            subject=_status_subject,
            body=_status_body(public_response),
            people=_recipients(locked, exclude=actor),
        )
    return update


def report_respond(*, report: Report, actor: User, text: str, is_public: bool) -> ReportUpdate:
    """A public response (notifies) or an internal note (never public)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the response.")]})
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            {"text": [_("Use at most %(limit)d characters.") % {"limit": MAX_DESCRIPTION_LENGTH}]}
        )
    with transaction.atomic():
        locked = _lock(report)
        _save(locked, report, [])
        update = _update_add(
            locked,
            kind=UpdateKind.RESPONSE if is_public else UpdateKind.NOTE,
            author=actor,
            text=text,
            is_public=is_public,
        )
        audit_record(
            actor=actor,
            municipality=locked.municipality,
            action=AuditAction.CREATE,
            instance=update,
            after=model_snapshot(update),
        )
        if is_public:

            def subject(report: Report) -> str:
                return _("Report #%(number)s: the city has responded") % {"number": report.pk}

            def body(report: Report) -> str:
                return (
                    _("The city has responded to the report #%(number)s (%(category)s, %(place)s):")
                    % {
                        "number": report.pk,
                        "category": report.category.name,
                        "place": _place(report),
                    }
                    + "\n\n"
                    + text
                )

            _notify(
                report=locked,
                kind="reports.response",
                subject=subject,
                body=body,
                people=_recipients(locked, exclude=actor),
            )
    return update


def report_assign(*, report: Report, actor: User, assignee: User | None) -> ReportUpdate:
    """Assign the report to an active staff member of its city, or to nobody (internal)."""
    if assignee is not None and not (
        assignee.is_active
        and StaffMembership.objects.filter(
            municipality_id=report.municipality_id, user=assignee, is_active=True
        ).exists()
    ):
        raise ValidationError({"assignee": [_("Choose a staff member of this city.")]})
    if (assignee.pk if assignee else None) == report.assigned_to_id:
        raise ValidationError({"assignee": [_("The report is already assigned so.")]})

    def change(locked: Report) -> None:
        locked.assigned_to = assignee

    text = str(assignee) if assignee is not None else _("Nobody")
    with transaction.atomic():
        _locked, update = _staff_change(
            report,
            actor=actor,
            fields=["assigned_to"],
            kind=UpdateKind.ASSIGNED,
            text=text,
            is_public=False,
            change=change,
        )
    return update


def report_recategorise(*, report: Report, actor: User, category: Category) -> ReportUpdate:
    """Change the category and route the report again (department, SLA date).

    The answers to the old category's questions are kept as they were given."""
    if category.municipality_id != report.municipality_id or not category.is_active:
        raise ValidationError({"category": [_("Choose one of this city's categories.")]})
    if category.pk == report.category_id:
        raise ValidationError({"category": [_("The report is already in this category.")]})
    old_name = report.category.name
    department = department_for(category=category, neighbourhood=report.neighbourhood)

    def change(locked: Report) -> None:
        locked.category = category
        locked.department = department
        locked.expected_at = locked.created_at + datetime.timedelta(days=category.sla_days)

    text = _("Category changed from “%(old)s” to “%(new)s”.") % {
        "old": old_name,
        "new": category.name,
    }
    with transaction.atomic():
        _locked, update = _staff_change(
            report,
            actor=actor,
            fields=["category", "department", "expected_at"],
            kind=UpdateKind.RECATEGORISED,
            text=text,
            change=change,
        )
    report.category = category
    report.department = department
    return update


def report_merge(*, report: Report, actor: User, into: Report) -> ReportUpdate:
    """Close ``report`` as a duplicate of ``into``; its reporter and supporters follow ``into``."""
    if into.municipality_id != report.municipality_id or into.pk == report.pk:
        raise ValidationError({"into": [_("Choose another report of this city.")]})
    if into.duplicate_of_id is not None:
        raise ValidationError(
            {
                "into": [
                    _("That report is itself a duplicate; merge into #%(number)s instead.")
                    % {"number": into.duplicate_of_id}
                ]
            }
        )
    if report.duplicate_of_id is not None:
        raise ValidationError({"into": [_("This report is already merged into another one.")]})

    def change(locked: Report) -> None:
        _apply_status(locked, ReportStatus.DUPLICATE)
        locked.duplicate_of = into

    with transaction.atomic():
        locked, update = _staff_change(
            report,
            actor=actor,
            fields=["status", "closed_at", "duplicate_of"],
            kind=UpdateKind.MERGED,
            text=_("Same problem as report #%(number)s.") % {"number": into.pk},
            change=change,
        )
        # Those who followed this report now follow the one that stays open.
        followers = [
            Supporter(
                municipality_id=into.municipality_id,
                report=into,
                email=email.lower(),
                user=user,
                confirmed_at=timezone.now(),
                language="" if user is not None else language,
            )
            for user, email, language in _recipients(locked, exclude=None)
            if email.lower() != (into.reporter_email or "").lower()
            and (user is None or user.pk != into.reporter_id)
        ]
        Supporter.objects.bulk_create(followers, ignore_conflicts=True)
        # They confirmed on the duplicate (or sent it): a pending support of ``into`` counts now.
        Supporter.objects.filter(
            report=into, email__in=[follower.email for follower in followers], confirmed_at=None
        ).update(confirmed_at=timezone.now())
        Report.objects.filter(duplicate_of=locked).update(duplicate_of=into)
        _update_add(
            into,
            kind=UpdateKind.MERGED,
            author=actor,
            text=_("Report #%(number)s was merged into this one.") % {"number": locked.pk},
        )
        Report.objects.filter(pk=into.pk).update(updated_at=timezone.now())

        def body(report: Report) -> str:
            return _(
                "The report #%(number)s is the same problem as report #%(into)s; you will "
                "now be told of the changes of report #%(into)s."
            ) % {"number": report.pk, "into": into.pk}

        _notify(
            report=locked,
            kind="reports.status",
            subject=_status_subject,
            body=body,
            people=_recipients(locked, exclude=actor),
        )
    return update


def report_moderate(
    *,
    report: Report,
    actor: User,
    hide_report: bool | None = None,
    hide_photo_ids: Sequence[int] = (),
    show_photo_ids: Sequence[int] = (),
    approve_photo_ids: Sequence[int] = (),
    withdraw_photo_ids: Sequence[int] = (),
    resolve_flags: bool = True,
) -> ReportUpdate:
    """Hide or show the report, hide or show some of its photos, and approve some of them
    for the city's open data or withdraw them (internal); open abuse flags are resolved
    unless ``resolve_flags`` is False.

    A photo is published in open data only while approved and not hidden: a hidden photo
    cannot be approved (show it first, in the same call if need be), and hiding an approved
    photo withdraws its approval, so that showing it again does not republish it unseen.
    The photos are read under the report's lock, which every change of them takes."""
    with transaction.atomic():
        locked = _lock(report)
        photos = {photo.pk: photo for photo in ReportPhoto.objects.filter(report=locked)}
        hide, show = set(hide_photo_ids), set(show_photo_ids)
        approve, withdraw = set(approve_photo_ids), set(withdraw_photo_ids)
        unknown = sorted((hide | show | approve | withdraw) - set(photos))
        if unknown:
            raise ValidationError(
                {"photos": [_("These photos are not of this report: %(ids)s.") % {"ids": unknown}]}
            )
        if hide & show:
            raise ValidationError({"photos": [_("A photo cannot be both hidden and shown.")]})
        if approve & withdraw:
            raise ValidationError(
                {"photos": [_("A photo cannot be both approved and withdrawn for open data.")]}
            )
        to_hide = sorted(pk for pk in hide if not photos[pk].is_hidden)
        to_show = sorted(pk for pk in show if photos[pk].is_hidden)
        hidden_before = sorted(pk for pk, photo in photos.items() if photo.is_hidden)
        hidden_after = sorted((set(hidden_before) | set(to_hide)) - set(to_show))
        refused = sorted(approve & set(hidden_after))
        if refused:
            raise ValidationError(
                {
                    "photos": [
                        _(
                            "A hidden photo cannot be approved for open data; show it first: "
                            "%(ids)s."
                        )
                        % {"ids": refused}
                    ]
                }
            )
        approved_before = sorted(pk for pk, photo in photos.items() if photo.open_data_approved)
        to_approve = sorted(pk for pk in approve if not photos[pk].open_data_approved)
        # Hiding withdraws: the approval was given to a photo staff now judge unfit to show.
        to_withdraw = sorted(pk for pk in withdraw | set(to_hide) if photos[pk].open_data_approved)
        approved_after = sorted((set(approved_before) | set(to_approve)) - set(to_withdraw))
        report_changes = hide_report is not None and hide_report != locked.is_hidden
        if not (report_changes or to_hide or to_show or to_approve or to_withdraw):
            raise ValidationError({NON_FIELD_ERRORS: [_("There is nothing to change.")]})

        parts = []
        if report_changes:
            parts.append(_("Report hidden.") if hide_report else _("Report shown again."))
        if to_hide:
            parts.append(_("%(count)d photo(s) hidden.") % {"count": len(to_hide)})
        if to_show:
            parts.append(_("%(count)d photo(s) shown again.") % {"count": len(to_show)})
        if to_approve:
            parts.append(
                ngettext(
                    "%(count)d photo approved for open data.",
                    "%(count)d photos approved for open data.",
                    len(to_approve),
                )
                % {"count": len(to_approve)}
            )
        if to_withdraw:
            parts.append(
                ngettext(
                    "%(count)d photo withdrawn from open data.",
                    "%(count)d photos withdrawn from open data.",
                    len(to_withdraw),
                )
                % {"count": len(to_withdraw)}
            )

        before = {
            "is_hidden": locked.is_hidden,
            "hidden_photo_ids": hidden_before,
            "open_data_photo_ids": approved_before,
        }
        if report_changes:
            locked.is_hidden = bool(hide_report)
        _save(locked, report, ["is_hidden"])
        ReportPhoto.objects.filter(pk__in=to_hide).update(is_hidden=True)
        ReportPhoto.objects.filter(pk__in=to_show).update(is_hidden=False)
        ReportPhoto.objects.filter(pk__in=to_approve).update(open_data_approved=True)
        ReportPhoto.objects.filter(pk__in=to_withdraw).update(open_data_approved=False)
        if resolve_flags:
            AbuseFlag.objects.filter(report=locked, is_resolved=False).update(is_resolved=True)
        update = _update_add(
            locked, kind=UpdateKind.MODERATED, author=actor, text=" ".join(parts), is_public=False
        )
        audit_record(
            actor=actor,
            municipality=locked.municipality,
            action=AuditAction.UPDATE,
            instance=locked,
            before=before,
            after={
                "is_hidden": locked.is_hidden,
                "hidden_photo_ids": hidden_after,
                "open_data_photo_ids": approved_after,
            },
        )
    return update
