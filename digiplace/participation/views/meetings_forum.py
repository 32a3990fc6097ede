"""The forum's public pages: a hybrid meeting's questions, sent and upvoted by signed-in
participants, and the live list's fragment that the page polls every few seconds.

The fragment is the same for every anonymous viewer and carries no CSRF token, so the
page cache holds it (its key moves with the participation version, which every question,
vote and moderation moves): a hundred viewers polling cost one render per change.
Signed-in viewers get their own copy (their questions waiting for the moderator, their
upvotes), held by the page cache per session.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digiplace.core.views.helpers import (
    error_messages_add,
    form_errors_add,
    request_municipality,
    request_user,
)

from ..forms.meetings import QuestionForm
from ..models import ForumQuestion, Meeting
from ..selectors import meetings as selectors
from ..selectors import meetings_forum as forum_selectors
from ..services import meetings_forum as forum_services

POLL_SECONDS = 3
THROTTLED_STATUS = 429


def _forum_meeting(request: HttpRequest, slug: str) -> Meeting:
    meeting = selectors.meeting_get_public(municipality=request_municipality(request), slug=slug)
    if meeting is None or not meeting.questions_enabled:
        raise Http404
    return meeting


def is_polling(meeting: Meeting) -> bool:
    """The list updates itself until the meeting is over (or cancelled)."""
    return not meeting.is_cancelled and meeting.ends_at >= timezone.now()


def live_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    user = request_user(request)
    return {
        "meeting": meeting,
        "questions": forum_selectors.question_list_public(meeting=meeting),
        "mine_waiting": forum_selectors.question_list_mine_waiting(meeting=meeting, user=user),
        "voted": forum_selectors.question_ids_voted(meeting=meeting, user=user),
        "can_vote": user is not None and meeting.questions_open and not meeting.is_cancelled,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def meeting_questions(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _forum_meeting(request, slug)
    user = request_user(request)
    form = QuestionForm()
    status = 200
    if request.method == "POST":
        if user is None:
            return redirect(f"{_login_url()}?next={request.path}")
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                forum_services.question_submit(
                    meeting=meeting,
                    user=user,
                    body=form.cleaned_data["body"],
                    show_name=form.cleaned_data["show_name"],
                )
            except ValidationError as error:
                form_errors_add(form, error)
                status = THROTTLED_STATUS if getattr(error, "code", None) == "rate_limited" else 400
            else:
                messages.success(
                    request,
                    _(
                        "Thank you: your question is waiting for the moderator. Only you "
                        "see it until it is approved."
                    ),
                )
                return redirect("participation:meeting_questions", slug=meeting.slug)
        else:
            status = 400
    context = live_context(request, meeting)
    context.update(
        {
            "form": form,
            "poll_seconds": POLL_SECONDS,
            "is_polling": is_polling(meeting),
        }
    )
    return render(request, "participation/meetings/meeting_questions.html", context, status=status)


def _login_url() -> str:
    return str(resolve_url(settings.LOGIN_URL))


@require_GET
def meeting_questions_fragment(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _forum_meeting(request, slug)
    response = render(
        request, "participation/meetings/_questions_live.html", live_context(request, meeting)
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_POST
def meeting_question_vote(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _forum_meeting(request, slug)
    user = request_user(request)
    assert user is not None  # login_required
    question = (
        ForumQuestion.objects.filter(meeting=meeting, pk=pk).select_related("meeting").first()
    )
    if question is None or question.status not in forum_selectors.PUBLIC_STATUSES:
        raise Http404
    try:
        counted = forum_services.question_vote(question=question, user=user)
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        if not counted:
            messages.info(request, _("You have upvoted this question already."))
    if getattr(request, "htmx", False):
        return render(
            request,
            "participation/meetings/_questions_live.html",
            live_context(request, meeting),
        )
    return redirect("participation:meeting_questions", slug=meeting.slug)
