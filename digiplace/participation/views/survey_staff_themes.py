"""Staff pages of the themes of a text question's open answers: the themes with counts, top
terms and examples; finding them (again); renaming, merging; a theme's answers, page by
page, with moving some of them to another theme or to none. Writes go through
``services.survey_staff_themes``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from digiplace.core.permissions import staff_required
from digiplace.core.views.helpers import (
    error_messages_add,
    request_actor,
    request_municipality,
)

from ..forms.survey_staff import (
    NO_THEME,
    AnswersMoveForm,
    ThemeMergeForm,
    ThemeRenameForm,
    ThemesFindForm,
)
from ..models import Question, Theme
from ..selectors import survey_staff as selectors
from ..services import survey_staff_themes as services
from ..services.survey_staff_themes import THEMES_INLINE_LIMIT

MODULE = "participation"


def _text_question(request: HttpRequest, question_id: int) -> Question:
    question = selectors.question_get(
        municipality=request_municipality(request), question_id=question_id
    )
    if question is None or not question.is_text:
        raise Http404
    return question


def _theme(request: HttpRequest, theme_id: int) -> Theme:
    theme = selectors.theme_get(municipality=request_municipality(request), theme_id=theme_id)
    if theme is None:
        raise Http404
    return theme


def _themes_url(question: Question) -> str:
    return reverse("participation_backoffice:survey_staff_themes", args=[question.pk])


def _theme_url(theme: Theme) -> str:
    return reverse("participation_backoffice:survey_staff_theme_detail", args=[theme.pk])


def _form_errors_message(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@staff_required(module=MODULE)
@require_GET
def survey_staff_themes(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _text_question(request, question_id)
    overview = selectors.question_themes(question=question)
    context = {
        "question": question,
        "survey": question.survey,
        "overview": overview,
        "find_form": ThemesFindForm(),
        "inline_limit": THEMES_INLINE_LIMIT,
        "is_pending": services.themes_pending(question=question),
    }
    return render(request, "participation/survey_staff/themes.html", context)


@staff_required(module=MODULE)
def survey_staff_themes_find(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _text_question(request, question_id)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    form = ThemesFindForm(request.POST)
    if not form.is_valid():
        _form_errors_message(request, form)
        return redirect(_themes_url(question))
    try:
        outcome = services.themes_find_start(
            actor=request_actor(request), question=question, count=form.cleaned_data["count"]
        )
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        if outcome.is_queued:
            messages.info(
                request,
                _(
                    "The %(count)s answers are being grouped in the background; reload this "
                    "page in a minute."
                )
                % {"count": outcome.answer_count},
            )
        else:
            messages.success(
                request,
                ngettext("%(count)s theme found.", "%(count)s themes found.", outcome.theme_count)
                % {"count": outcome.theme_count},
            )
    return redirect(_themes_url(question))


@staff_required(module=MODULE)
def survey_staff_theme_rename(request: HttpRequest, theme_id: int) -> HttpResponse:
    theme = _theme(request, theme_id)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    form = ThemeRenameForm(request.POST)
    if not form.is_valid():
        _form_errors_message(request, form)
    else:
        try:
            services.theme_rename(
                actor=request_actor(request), theme=theme, label=form.cleaned_data["label"]
            )
        except ValidationError as error:
            error_messages_add(request, error)
        else:
            messages.success(request, _("Theme renamed."))
    if request.POST.get("next_page") == "theme":
        return redirect(_theme_url(theme))
    return redirect(_themes_url(theme.question))


@staff_required(module=MODULE)
def survey_staff_theme_merge(request: HttpRequest, theme_id: int) -> HttpResponse:
    theme = _theme(request, theme_id)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    others = list(theme.question.themes.exclude(pk=theme.pk))
    form = ThemeMergeForm(request.POST, themes=others, prefix=f"merge-{theme.pk}")
    if not form.is_valid():
        _form_errors_message(request, form)
        return redirect(_themes_url(theme.question))
    into = next(other for other in others if other.pk == form.cleaned_data["into"])
    try:
        merged = services.themes_merge(actor=request_actor(request), theme=theme, into=into)
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(
            request,
            _("“%(theme)s” merged into “%(into)s”.") % {"theme": theme.label, "into": merged.label},
        )
    return redirect(_themes_url(theme.question))


def _answers_page(request: HttpRequest, question: Question, theme: Theme | None) -> HttpResponse:
    page = selectors.theme_answer_page(
        question=question, theme=theme, page_number=request.GET.get("page")
    )
    themes = list(question.themes.order_by("position", "pk"))
    context = {
        "question": question,
        "survey": question.survey,
        "theme": theme,
        "page": page,
        "move_form": AnswersMoveForm(themes=[item for item in themes if item != theme]),
        "rename_form": ThemeRenameForm(initial={"label": theme.label}) if theme else None,
        "no_theme": NO_THEME,
    }
    return render(request, "participation/survey_staff/theme_detail.html", context)


@staff_required(module=MODULE)
@require_GET
def survey_staff_theme_detail(request: HttpRequest, theme_id: int) -> HttpResponse:
    theme = _theme(request, theme_id)
    return _answers_page(request, theme.question, theme)


@staff_required(module=MODULE)
@require_GET
def survey_staff_unthemed(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _text_question(request, question_id)
    return _answers_page(request, question, None)


@staff_required(module=MODULE)
def survey_staff_answers_move(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _text_question(request, question_id)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    themes = list(question.themes.all())
    form = AnswersMoveForm(request.POST, themes=themes)
    back = request.POST.get("back", "")
    if not (
        back.startswith("/backoffice/participation/")
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        back = _themes_url(question)
    if not form.is_valid():
        _form_errors_message(request, form)
        return redirect(back)
    target_id = form.cleaned_data["theme"]
    target = next((theme for theme in themes if theme.pk == target_id), None)
    try:
        moved = services.answers_move(
            actor=request_actor(request),
            question=question,
            answer_ids=form.cleaned_data["answers"],
            theme=target,
        )
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        name = target.label if target is not None else _("No theme")
        messages.success(
            request,
            ngettext(
                "%(count)s answer moved to “%(theme)s”.",
                "%(count)s answers moved to “%(theme)s”.",
                moved,
            )
            % {"count": moved, "theme": name},
        )
    return redirect(back)
