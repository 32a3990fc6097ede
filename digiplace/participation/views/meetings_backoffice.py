"""Staff pages of meetings: the list, create and edit, publish, cancel, registrations (and
their CSV), minutes and the position paper, and the forum's moderation (live)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from digiplace.core.permissions import staff_required
from digiplace.core.uploads import upload_limit, uploads_skipped
from digiplace.core.views.helpers import (
    error_messages_add,
    form_errors_add,
    request_actor,
    request_municipality,
)

from ..forms.meetings import InRoomQuestionForm, MeetingDocumentsForm, MeetingForm, ModerationForm
from ..models import ForumQuestion, Meeting, RegistrationStatus
from ..selectors import meetings as selectors
from ..selectors import meetings_forum as forum_selectors
from ..services import meetings as services
from ..services import meetings_forum as forum_services

MODULE = "participation"
POLL_SECONDS = 3


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = selectors.meeting_get_staff(municipality=request_municipality(request), pk=pk)
    if meeting is None:
        raise Http404
    return meeting


MeetingView = Callable[..., HttpResponse]


def meeting_page(*methods: str) -> Callable[[MeetingView], Callable[..., HttpResponse]]:
    """A staff page of one meeting: the meeting is looked up in the request's city first
    (404 for another city's, whatever the method), then the method is checked; the view
    gets the meeting in place of its id."""
    allowed = list(methods) + (["HEAD"] if "GET" in methods else [])

    def decorator(view: MeetingView) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
            meeting = _meeting(request, pk)
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            return view(request, meeting, **kwargs)

        return wrapped

    return decorator


@staff_required(MODULE)
@require_GET
def meeting_staff_list(request: HttpRequest) -> HttpResponse:
    meetings = selectors.meeting_list_staff(municipality=request_municipality(request))
    return render(
        request, "participation/meetings/backoffice/meeting_list.html", {"meetings": meetings}
    )


@staff_required(MODULE)
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = MeetingForm(request.POST or None, municipality=municipality)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                meeting = services.meeting_create(
                    municipality=municipality,
                    actor=request_actor(request),
                    fields=form.meeting_fields(),
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The meeting is saved. Publish it when it is ready."))
                return redirect("participation_backoffice:meeting_edit", pk=meeting.pk)
        status = 400
    return render(
        request,
        "participation/meetings/backoffice/meeting_form.html",
        {"form": form, "meeting": None},
        status=status,
    )


@staff_required(MODULE)
@meeting_page("GET", "POST")
def meeting_edit(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    municipality = request_municipality(request)
    status = 200
    if request.method == "POST":
        form = MeetingForm(request.POST, municipality=municipality)
        if form.is_valid():
            try:
                services.meeting_update(
                    meeting=meeting, actor=request_actor(request), fields=form.meeting_fields()
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The meeting is saved."))
                return redirect("participation_backoffice:meeting_edit", pk=meeting.pk)
        status = 400
    else:
        form = MeetingForm(initial=MeetingForm.initial_from(meeting), municipality=municipality)
    return render(
        request,
        "participation/meetings/backoffice/meeting_form.html",
        {"form": form, "meeting": meeting, "seats": selectors.meeting_seats(meeting=meeting)},
        status=status,
    )


@staff_required(MODULE)
@meeting_page("POST")
def meeting_publish(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    publish = request.POST.get("publish") != "0"
    services.meeting_publish(meeting=meeting, actor=request_actor(request), is_published=publish)
    if publish:
        messages.success(request, _("The meeting is published."))
    else:
        messages.success(request, _("The meeting is no longer public."))
    return redirect("participation_backoffice:meeting_edit", pk=meeting.pk)


@staff_required(MODULE)
@meeting_page("GET", "POST")
def meeting_cancel(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    if request.method == "POST":
        try:
            notified = services.meeting_cancel(meeting=meeting, actor=request_actor(request))
        except ValidationError as error:
            error_messages_add(request, error)
        else:
            messages.success(
                request,
                _("The meeting is cancelled. People notified: %(count)d.")
                % {"count": len(notified)},
            )
        return redirect("participation_backoffice:meeting_edit", pk=meeting.pk)
    return render(
        request,
        "participation/meetings/backoffice/meeting_cancel.html",
        {"meeting": meeting, "seats": selectors.meeting_seats(meeting=meeting)},
    )


@staff_required(MODULE)
@meeting_page("GET")
def meeting_registrations(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    registrations = selectors.registration_list_staff(meeting=meeting)
    return render(
        request,
        "participation/meetings/backoffice/registrations.html",
        {
            "meeting": meeting,
            "registrations": registrations,
            "seats": selectors.meeting_seats(meeting=meeting),
        },
    )


@staff_required(MODULE)
@meeting_page("GET")
def meeting_registrations_csv(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Name"), _("Email"), _("Status"), _("Registered"), _("Waiting position")])
    waiting = 0
    for registration in selectors.registration_list_staff(meeting=meeting):
        position = ""
        if registration.status == RegistrationStatus.WAITING:
            waiting += 1
            position = str(waiting)
        writer.writerow(
            [
                _csv_cell(registration.user.full_name),
                _csv_cell(registration.user.email),
                registration.get_status_display(),
                timezone.localtime(registration.created_at).strftime("%Y-%m-%d %H:%M"),
                position,
            ]
        )
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{meeting.slug}-registrations.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _csv_cell(value: str) -> str:
    """A value a spreadsheet will not run as a formula."""
    return f"'{value}" if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


@staff_required(MODULE)
@upload_limit(services.POSITION_PAPER_MAX_BYTES)
@meeting_page("GET", "POST")
def meeting_documents(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = MeetingDocumentsForm(request.POST, request.FILES)
        skipped = uploads_skipped(request)
        if skipped:
            form.add_error(
                "position_paper",
                _("The file is too large: the limit is %(limit)s MB.")
                % {"limit": services.POSITION_PAPER_MAX_BYTES // (1024 * 1024)},
            )
        if not skipped and form.is_valid():
            try:
                services.meeting_documents_update(
                    meeting=meeting,
                    actor=request_actor(request),
                    minutes=form.cleaned_data["minutes"],
                    position_paper=form.cleaned_data["position_paper"] or None,
                    position_paper_remove=form.cleaned_data["position_paper_remove"],
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The minutes and the position paper are saved."))
                return redirect("participation_backoffice:meeting_documents", pk=meeting.pk)
        status = 400
    else:
        form = MeetingDocumentsForm(initial={"minutes": meeting.minutes})
    return render(
        request,
        "participation/meetings/backoffice/documents.html",
        {"meeting": meeting, "form": form},
        status=status,
    )


# The forum's moderation


def _moderation_context(request: HttpRequest, meeting: Meeting) -> dict[str, object]:
    return {
        "meeting": meeting,
        "questions": forum_selectors.question_list_moderation(meeting=meeting),
        "poll_seconds": POLL_SECONDS,
    }


@staff_required(MODULE)
@meeting_page("GET")
def meeting_moderate(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    if not meeting.questions_enabled:
        raise Http404
    context = _moderation_context(request, meeting)
    context["in_room_form"] = InRoomQuestionForm()
    return render(request, "participation/meetings/backoffice/moderate.html", context)


def _moderation_lists(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    return render(
        request,
        "participation/meetings/backoffice/_moderation_lists.html",
        _moderation_context(request, meeting),
    )


@staff_required(MODULE)
@meeting_page("GET")
def meeting_moderate_fragment(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    if not meeting.questions_enabled:
        raise Http404
    return _moderation_lists(request, meeting)


@staff_required(MODULE)
@meeting_page("POST")
def meeting_question_moderate(
    request: HttpRequest, meeting: Meeting, question_pk: int
) -> HttpResponse:
    question = ForumQuestion.objects.filter(meeting=meeting, pk=question_pk).first()
    if question is None:
        raise Http404
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the question."))
    else:
        try:
            forum_services.question_moderate(
                question=question,
                actor=request_actor(request),
                status=form.cleaned_data["status"],
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as error:
            error_messages_add(request, error)
    if getattr(request, "htmx", False):
        return _moderation_lists(request, meeting)
    return redirect("participation_backoffice:meeting_moderate", pk=meeting.pk)


@staff_required(MODULE)
@meeting_page("POST")
def meeting_question_add(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    form = InRoomQuestionForm(request.POST)
    if form.is_valid():
        try:
            forum_services.question_add_in_room(
                meeting=meeting,
                actor=request_actor(request),
                body=form.cleaned_data["body"],
                author_name=form.cleaned_data["author_name"],
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("The room's question is on the public list."))
            return redirect("participation_backoffice:meeting_moderate", pk=meeting.pk)
    context = _moderation_context(request, meeting)
    context["in_room_form"] = form
    return render(request, "participation/meetings/backoffice/moderate.html", context, status=400)


@staff_required(MODULE)
@meeting_page("POST")
def meeting_questions_toggle(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    is_open = request.POST.get("open") == "1"
    try:
        forum_services.questions_open_set(
            meeting=meeting, actor=request_actor(request), is_open=is_open
        )
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(
            request, _("Questions are open.") if is_open else _("Questions are closed.")
        )
    return redirect("participation_backoffice:meeting_moderate", pk=meeting.pk)
