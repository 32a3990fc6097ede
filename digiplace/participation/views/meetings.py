"""Public pages of meetings: the list, one meeting with its registration, the position
paper, and the iCalendar files (one meeting, a process's feed). The forum's pages are in
``views.meetings_forum``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from digiplace.core.views.helpers import error_messages_add, request_municipality, request_user

from ..models import Meeting, Process
from ..selectors import meetings as selectors
from ..selectors.meetings_forum import question_list_public
from ..selectors.meetings_ical import calendar_text, meeting_event
from ..services import meetings as services


def _meeting(request: HttpRequest, slug: str) -> Meeting:
    meeting = selectors.meeting_get_public(municipality=request_municipality(request), slug=slug)
    if meeting is None:
        raise Http404
    return meeting


def meeting_feature(meeting: Meeting) -> dict[str, Any] | None:
    """The meeting's place as a GeoJSON collection for the map component."""
    if meeting.latitude is None or meeting.longitude is None:
        return None
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [meeting.longitude, meeting.latitude]},
                "properties": {"title": meeting.place_name or meeting.title},
            }
        ],
    }


def agenda_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    processes = selectors.process_list_with_meetings(municipality=municipality)
    process: Process | None = None
    chosen = request.GET.get("process", "")
    if chosen:
        process = next((item for item in processes if item.slug == chosen), None)
        if process is None:
            raise Http404
    lists = selectors.meeting_list_public(municipality=municipality, process=process)
    return render(
        request,
        "participation/meetings/meeting_list.html",
        {"lists": lists, "processes": processes, "process": process},
    )


@require_GET
def meeting_detail(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _meeting(request, slug)
    user = request_user(request)
    now = timezone.now()
    is_past = meeting.ends_at < now
    questions = question_list_public(meeting=meeting) if meeting.questions_enabled else None
    return render(
        request,
        "participation/meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "seats": selectors.meeting_seats(meeting=meeting),
            "mine": selectors.registration_for(meeting=meeting, user=user),
            "can_register": meeting.capacity is not None
            and meeting.registration_open
            and not meeting.is_cancelled
            and meeting.starts_at > now,
            "has_started": meeting.starts_at <= now,
            "is_past": is_past,
            "is_live": meeting.starts_at <= now <= meeting.ends_at,
            "agenda": agenda_lines(meeting.agenda),
            "feature": meeting_feature(meeting),
            "questions": questions,
            "map_label": _("Map of the meeting's place"),
        },
    )


@login_required
@require_POST
def meeting_register(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _meeting(request, slug)
    user = request_user(request)
    assert user is not None  # login_required
    try:
        registration = services.registration_create(meeting=meeting, user=user)
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        if registration.status == "confirmed":
            messages.success(request, _("You are registered: your seat is confirmed."))
        else:
            messages.success(
                request,
                _(
                    "The meeting is full: you are on the waiting list. If a seat becomes "
                    "free, it is yours and we let you know."
                ),
            )
    return redirect("participation:meeting_detail", slug=meeting.slug)


@login_required
@require_POST
def meeting_unregister(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _meeting(request, slug)
    user = request_user(request)
    assert user is not None  # login_required
    try:
        services.registration_cancel(meeting=meeting, user=user)
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect("participation:meeting_detail", slug=meeting.slug)


@require_GET
def meeting_position_paper(request: HttpRequest, slug: str) -> FileResponse:
    meeting = _meeting(request, slug)
    if not meeting.position_paper:
        raise Http404
    try:
        handle = meeting.position_paper.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{meeting.slug}.pdf",
        content_type="application/pdf",
    )


def _calendar_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def meeting_ical(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _meeting(request, slug)
    url = request.build_absolute_uri(
        reverse("participation:meeting_detail", kwargs={"slug": meeting.slug})
    )
    event = meeting_event(meeting, url=url, host=request.get_host().split(":")[0])
    return _calendar_response(calendar_text([event], name=meeting.title), f"{meeting.slug}.ics")


@require_GET
def meeting_process_ical(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = request_municipality(request)
    process = get_object_or_404(
        Process.objects.for_municipality(municipality), slug=slug, is_published=True
    )
    meetings = selectors.meeting_queryset_public(municipality=municipality).filter(process=process)
    host = request.get_host().split(":")[0]
    events = [
        meeting_event(
            meeting,
            url=request.build_absolute_uri(
                reverse("participation:meeting_detail", kwargs={"slug": meeting.slug})
            ),
            host=host,
        )
        for meeting in meetings.order_by("starts_at", "pk")
    ]
    return _calendar_response(calendar_text(events, name=process.title), f"{process.slug}.ics")
