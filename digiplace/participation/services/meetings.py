"""Writes of the meetings component: registration with a waiting list, and the meeting's
life as staff run it (create, edit, publish, cancel, minutes and the position paper).

Registration is a check-then-write (count the seats, then take one): each meeting's
registrations are serialised (``core.ratelimit.serialise_on``), so two people asking for
the last seat at once get one seat and one place on the waiting list, on every database.
The forum's questions are in ``services.meetings_forum``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from digiplace.core.audit import audit_record, audited_change, model_snapshot
from digiplace.core.models import AuditAction, Municipality, User
from digiplace.core.notifications import notification_send
from digiplace.core.ratelimit import serialise_on

from ..models import Meeting, Registration, RegistrationStatus
from ..selectors.meetings import meeting_seats

NOTIFICATION_KIND_SEAT = "participation.meeting_seat"
NOTIFICATION_KIND_CANCELLED = "participation.meeting_cancelled"
POSITION_PAPER_MAX_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"

UNCONFIRMED_MESSAGE = _(
    "Confirm your email address first: open the link in the email we sent when you registered."
)


def account_check(user: User) -> None:
    """Only active accounts with a confirmed email address take part."""
    if not user.is_active or user.email_confirmed_at is None:
        raise ValidationError(UNCONFIRMED_MESSAGE, code="unconfirmed")


def _registration_lock(meeting: Meeting) -> None:
    serialise_on(f"participation.meeting.registrations:{meeting.pk}")


def registration_open_check(meeting: Meeting) -> None:
    """Why no one may register now (a ValidationError), or nothing."""
    if not meeting.is_published:
        raise ValidationError(_("This meeting is not published."), code="unpublished")
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled."), code="cancelled")
    if meeting.capacity is None:
        raise ValidationError(_("This meeting needs no registration."), code="no_registration")
    if not meeting.registration_open:
        raise ValidationError(_("Registration for this meeting is closed."), code="closed")
    if meeting.starts_at <= timezone.now():
        raise ValidationError(
            _("This meeting has started: registration is closed."), code="started"
        )


def registration_create(*, meeting: Meeting, user: User) -> Registration:
    """A seat for ``user`` if one is left, else a place at the end of the waiting list.

    Registering again after cancelling goes to the end of the queue. Raises
    ValidationError when registration is closed, the account is unconfirmed, or the person
    is registered already.
    """
    account_check(user)
    with transaction.atomic():
        _registration_lock(meeting)
        meeting = Meeting.objects.get(pk=meeting.pk)
        registration_open_check(meeting)
        existing = Registration.objects.filter(meeting=meeting, user=user).first()
        if existing is not None and existing.status != RegistrationStatus.CANCELLED:
            raise ValidationError(_("You are already registered."), code="registered")
        seats = meeting_seats(meeting=meeting)
        status = (
            RegistrationStatus.CONFIRMED
            if seats.left > 0 and seats.waiting == 0
            else RegistrationStatus.WAITING
        )
        if existing is None:
            return Registration.objects.create(
                municipality_id=meeting.municipality_id, meeting=meeting, user=user, status=status
            )
        existing.status = status
        existing.created_at = timezone.now()
        existing.save(update_fields=["status", "created_at", "updated_at"])
        return existing


def registration_cancel(*, meeting: Meeting, user: User) -> Registration:
    """Give up a seat or a place on the waiting list; a freed seat goes to the first
    person waiting, who is notified."""
    with transaction.atomic():
        _registration_lock(meeting)
        meeting = Meeting.objects.select_related("municipality").get(pk=meeting.pk)
        registration = Registration.objects.filter(
            meeting=meeting, user=user, status__in=[RegistrationStatus.CONFIRMED, "waiting"]
        ).first()
        if registration is None:
            raise ValidationError(_("You are not registered for this meeting."), code="missing")
        if meeting.starts_at <= timezone.now():
            raise ValidationError(
                _("This meeting has started: registrations can no longer change."),
                code="started",
            )
        registration.status = RegistrationStatus.CANCELLED
        registration.save(update_fields=["status", "updated_at"])
        waiting_list_promote(meeting=meeting)
        return registration


def waiting_list_promote(*, meeting: Meeting) -> list[Registration]:
    """Give every free seat to the people waiting longest (inside the meeting's
    serialised section); each is notified."""
    if meeting.capacity is None or meeting.is_cancelled:
        return []
    seats = meeting_seats(meeting=meeting)
    if seats.left <= 0:
        return []
    promoted = list(
        Registration.objects.filter(meeting=meeting, status=RegistrationStatus.WAITING)
        .select_related("user")
        .order_by("created_at", "pk")[: seats.left]
    )
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.save(update_fields=["status", "updated_at"])
        _seat_notify(meeting=meeting, user=registration.user)
    return promoted


def _when(meeting: Meeting) -> str:
    return str(formats.date_format(timezone.localtime(meeting.starts_at), "DATETIME_FORMAT"))


def _in_language(user: User, meeting: Meeting) -> str:
    return user.preferred_language or meeting.municipality.default_language


def _seat_notify(*, meeting: Meeting, user: User) -> None:
    language = _in_language(user, meeting)
    with translation.override(language), timezone.override(meeting.municipality.time_zone):
        title = meeting.title
        subject = gettext("You have a seat at “%(title)s”") % {"title": title}
        body = gettext(
            "A seat became free and it is yours: you are registered for “%(title)s” on "
            "%(when)s. If you cannot come, cancel your registration on the meeting's page so "
            "that the next person waiting gets the seat."
        ) % {"title": title, "when": _when(meeting)}
    notification_send(
        recipient=user,
        kind=NOTIFICATION_KIND_SEAT,
        subject=subject,
        body=body,
        url=reverse("participation:meeting_detail", kwargs={"slug": meeting.slug}),
        municipality=meeting.municipality,
        language=language,
    )


# Staff: the meeting itself


def meeting_create(*, municipality: Municipality, actor: User, fields: dict[str, Any]) -> Meeting:
    """A new meeting (unpublished) from the staff form's cleaned fields; audited."""
    with transaction.atomic():
        meeting = Meeting(municipality=municipality, **fields)
        meeting.full_clean()
        meeting.save()
        audit_record(
            actor=actor,
            municipality=municipality,
            action=AuditAction.CREATE,
            instance=meeting,
            after=model_snapshot(meeting),
        )
    return meeting


def meeting_update(*, meeting: Meeting, actor: User, fields: dict[str, Any]) -> Meeting:
    """Change the meeting's fields; more seats go to the people waiting. Audited."""
    with transaction.atomic():
        _registration_lock(meeting)
        with audited_change(meeting, actor=actor, audit_if_unchanged=False) as change:
            for name, value in fields.items():
                setattr(change.instance, name, value)
            change.instance.full_clean()
            change.instance.save()
        updated = Meeting.objects.select_related("municipality").get(pk=meeting.pk)
        if updated.starts_at > timezone.now():
            waiting_list_promote(meeting=updated)
    return updated


def meeting_publish(*, meeting: Meeting, actor: User, is_published: bool = True) -> Meeting:
    with audited_change(meeting, actor=actor, audit_if_unchanged=False) as change:
        change.instance.is_published = is_published
        change.instance.save(update_fields=["is_published", "updated_at"])
    return change.instance


def meeting_cancel(*, meeting: Meeting, actor: User) -> list[Registration]:
    """Cancel the meeting; everyone registered or waiting is notified. Audited."""
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled."), code="cancelled")
    with transaction.atomic():
        _registration_lock(meeting)
        with audited_change(meeting, actor=actor) as change:
            change.instance.is_cancelled = True
            change.instance.registration_open = False
            change.instance.questions_open = False
            change.instance.save(
                update_fields=["is_cancelled", "registration_open", "questions_open", "updated_at"]
            )
        cancelled = change.instance
        registrations = list(
            Registration.objects.filter(
                meeting=cancelled,
                status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING],
            ).select_related("user")
        )
        municipality = Municipality.objects.get(pk=cancelled.municipality_id)
        for registration in registrations:
            user = registration.user
            language = user.preferred_language or municipality.default_language
            with translation.override(language), timezone.override(municipality.time_zone):
                subject = gettext("Cancelled: “%(title)s”") % {"title": cancelled.title}
                body = gettext(
                    "The meeting “%(title)s” planned for %(when)s is cancelled. "
                    "We are sorry for the trouble."
                ) % {"title": cancelled.title, "when": _when(cancelled)}
            notification_send(
                recipient=user,
                kind=NOTIFICATION_KIND_CANCELLED,
                subject=subject,
                body=body,
                url=reverse("participation:meeting_detail", kwargs={"slug": cancelled.slug}),
                municipality=municipality,
                language=language,
            )
    return registrations


def position_paper_check(upload: UploadedFile) -> None:
    """A PDF (by its first bytes, not its name) of at most ``POSITION_PAPER_MAX_BYTES``."""
    if upload.size is not None and upload.size > POSITION_PAPER_MAX_BYTES:
        raise ValidationError(
            _("The file is too large: the limit is %(limit)s MB.")
            % {"limit": POSITION_PAPER_MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        raise ValidationError(_("Upload a PDF file."), code="not_pdf")


def meeting_documents_update(
    *,
    meeting: Meeting,
    actor: User,
    minutes: str,
    position_paper: UploadedFile | None = None,
    position_paper_remove: bool = False,
) -> Meeting:
    """The minutes (text) and the position paper (a PDF) of a meeting; audited."""
    if position_paper is not None:
        position_paper_check(position_paper)
    with audited_change(meeting, actor=actor, audit_if_unchanged=False) as change:
        change.instance.minutes = minutes.strip()
        if position_paper is not None:
            change.instance.position_paper.save(f"{meeting.slug}.pdf", position_paper, save=False)
        elif position_paper_remove:
            change.instance.position_paper = ""
        change.instance.save()
    return change.instance
