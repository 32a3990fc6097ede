"""Reads of the meetings component: public lists, one meeting with its seats, a person's
registration, the staff's lists. The forum's questions are in ``selectors.meetings_forum``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from digiplace.core.models import Municipality, User

from ..models import Meeting, Process, Registration, RegistrationStatus


@dataclass(frozen=True)
class MeetingLists:
    upcoming: list[Meeting]
    past: list[Meeting]


@dataclass(frozen=True)
class Seats:
    """A meeting's seats: ``capacity`` None means no registration is needed."""

    capacity: int | None
    taken: int
    waiting: int

    @property
    def left(self) -> int:
        return max(0, (self.capacity or 0) - self.taken)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity


def meeting_queryset_public(*, municipality: Municipality) -> QuerySet[Meeting]:
    """Published meetings of the city (cancelled ones too: their page says so)."""
    return Meeting.objects.for_municipality(municipality).filter(is_published=True)


def meeting_list_public(
    *,
    municipality: Municipality,
    process: Process | None = None,
    now: datetime.datetime | None = None,
) -> MeetingLists:
    """Upcoming meetings (soonest first; one going on now counts) and past ones (latest
    first), optionally of one process."""
    now = now or timezone.now()
    meetings = meeting_queryset_public(municipality=municipality).select_related("process")
    if process is not None:
        meetings = meetings.filter(process=process)
    upcoming = list(meetings.filter(ends_at__gte=now).order_by("starts_at", "pk"))
    past = list(meetings.filter(ends_at__lt=now).order_by("-starts_at", "-pk"))
    return MeetingLists(upcoming=upcoming, past=past)


def process_list_with_meetings(*, municipality: Municipality) -> list[Process]:
    """The published processes that have published meetings (the list's filter)."""
    return list(
        Process.objects.for_municipality(municipality)
        .filter(is_published=True, meetings__is_published=True)
        .distinct()
        .order_by("title", "pk")
    )


def meeting_get_public(*, municipality: Municipality, slug: str) -> Meeting | None:
    return (
        meeting_queryset_public(municipality=municipality)
        .select_related("process", "municipality")
        .filter(slug=slug)
        .first()
    )


def meeting_seats(*, meeting: Meeting) -> Seats:
    counts = Registration.objects.filter(meeting=meeting).aggregate(
        taken=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED)),
        waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITING)),
    )
    return Seats(capacity=meeting.capacity, taken=counts["taken"], waiting=counts["waiting"])


@dataclass(frozen=True)
class MyRegistration:
    """A person's registration, and their place on the waiting list (1 = next)."""

    registration: Registration
    waiting_position: int | None


def registration_for(*, meeting: Meeting, user: User | None) -> MyRegistration | None:
    if user is None:
        return None
    registration = Registration.objects.filter(
        meeting=meeting,
        user=user,
        status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING],
    ).first()
    if registration is None:
        return None
    position = None
    if registration.status == RegistrationStatus.WAITING:
        position = (
            Registration.objects.filter(meeting=meeting, status=RegistrationStatus.WAITING)
            .filter(
                Q(created_at__lt=registration.created_at)
                | Q(created_at=registration.created_at, pk__lt=registration.pk)
            )
            .count()
            + 1
        )
    return MyRegistration(registration=registration, waiting_position=position)


# Staff


def meeting_list_staff(*, municipality: Municipality) -> QuerySet[Meeting]:
    return (
        Meeting.objects.for_municipality(municipality)
        .select_related("process")
        .annotate(
            seats_taken=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
            ),
            waiting_count=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.WAITING)
            ),
        )
        .order_by("-starts_at", "-pk")
    )


def meeting_get_staff(*, municipality: Municipality, pk: int) -> Meeting | None:
    return (
        Meeting.objects.for_municipality(municipality)
        .select_related("process", "municipality")
        .filter(pk=pk)
        .first()
    )


def registration_list_staff(*, meeting: Meeting) -> QuerySet[Registration]:
    """Every registration of the meeting: seats, then the waiting list in its order, then
    the cancelled ones."""
    order = {
        RegistrationStatus.CONFIRMED: 0,
        RegistrationStatus.WAITING: 1,
        RegistrationStatus.CANCELLED: 2,
    }
    return (
        Registration.objects.filter(meeting=meeting)
        .select_related("user")
        .annotate(
            status_order=Case(
                *(When(status=status, then=Value(rank)) for status, rank in order.items()),
                output_field=IntegerField(),
            )
        )
        .order_by("status_order", "created_at", "pk")
    )
