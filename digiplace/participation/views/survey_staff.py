"""Staff pages of the survey builder: the surveys of each process, a survey's settings and
questions, a question's form, deleting and moving questions. Every record is read in the
request's municipality (another city's id is 404 whatever the method); every write goes
through ``services.survey_staff``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from digiplace.core.permissions import staff_required
from digiplace.core.views.helpers import (
    error_messages_add,
    form_errors_add,
    request_actor,
    request_municipality,
)

from ..forms.survey_staff import QuestionForm, SurveyForm
from ..models import Process, Question, Survey
from ..selectors import survey_staff as selectors
from ..services import survey_staff as services

MODULE = "participation"


def _survey(request: HttpRequest, survey_id: int) -> Survey:
    survey = selectors.survey_get(municipality=request_municipality(request), survey_id=survey_id)
    if survey is None:
        raise Http404
    return survey


def _question(request: HttpRequest, question_id: int) -> Question:
    question = selectors.question_get(
        municipality=request_municipality(request), question_id=question_id
    )
    if question is None:
        raise Http404
    return question


def survey_results_url(survey: Survey) -> str | None:
    """The public results page (the surveys component's), where staff always see results."""
    try:
        return reverse("participation:survey_results", kwargs={"slug": survey.slug})
    except NoReverseMatch:  # the surveys component not wired yet
        return None


@staff_required(module=MODULE)
@require_GET
def survey_staff_list(request: HttpRequest) -> HttpResponse:
    processes = selectors.process_list_with_surveys(municipality=request_municipality(request))
    return render(request, "participation/survey_staff/survey_list.html", {"processes": processes})


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def survey_staff_create(request: HttpRequest, process_id: int) -> HttpResponse:
    process = get_object_or_404(
        Process.objects.for_municipality(request_municipality(request)), pk=process_id
    )
    form = SurveyForm(request.POST or None, initial={"anonymous_allowed": True})
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(
                actor=request_actor(request), process=process, fields=form.survey_fields()
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Survey created; now add its questions."))
            return redirect("participation_backoffice:survey_staff_detail", survey_id=survey.pk)
    return render(
        request,
        "participation/survey_staff/survey_form.html",
        {"form": form, "process": process, "survey": None},
    )


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def survey_staff_detail(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    form = SurveyForm(request.POST or None, initial=SurveyForm.initial_of(survey))
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_update(
                actor=request_actor(request), survey=survey, fields=form.survey_fields()
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Survey saved."))
            return redirect("participation_backoffice:survey_staff_detail", survey_id=survey.pk)
    context = {
        "survey": survey,
        "process": survey.process,
        "form": form,
        "questions": selectors.survey_questions(survey=survey),
        "response_count": selectors.survey_response_count(survey=survey),
        "results_url": survey_results_url(survey),
    }
    return render(request, "participation/survey_staff/survey_detail.html", context)


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def survey_staff_question_create(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    sources = selectors.condition_sources(survey=survey, question=None)
    form = QuestionForm(request.POST or None, sources=sources, initial={"kind": "single"})
    if request.method == "POST" and form.is_valid():
        try:
            services.question_create(
                actor=request_actor(request), survey=survey, fields=form.question_fields()
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Question added."))
            return redirect("participation_backoffice:survey_staff_detail", survey_id=survey.pk)
    return render(
        request,
        "participation/survey_staff/question_form.html",
        {"form": form, "survey": survey, "question": None},
    )


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def survey_staff_question_edit(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(request, question_id)
    survey = question.survey
    sources = selectors.condition_sources(survey=survey, question=question)
    form = QuestionForm(
        request.POST or None, sources=sources, initial=QuestionForm.initial_of(question)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(
                actor=request_actor(request), question=question, fields=form.question_fields()
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Question saved."))
            return redirect("participation_backoffice:survey_staff_detail", survey_id=survey.pk)
    context = {
        "form": form,
        "survey": survey,
        "question": question,
        "answer_count": question.answers.count(),
    }
    return render(request, "participation/survey_staff/question_form.html", context)


@staff_required(module=MODULE)
@require_http_methods(["GET", "POST"])
def survey_staff_question_delete(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(request, question_id)
    if request.method == "POST":
        try:
            services.question_delete(actor=request_actor(request), question=question)
        except ValidationError as error:
            error_messages_add(request, error)
        else:
            messages.success(request, _("Question deleted."))
        return redirect(
            "participation_backoffice:survey_staff_detail", survey_id=question.survey_id
        )
    return render(
        request,
        "participation/survey_staff/question_delete.html",
        {"question": question, "survey": question.survey, "answer_count": question.answers.count()},
    )


@staff_required(module=MODULE)
def survey_staff_question_move(request: HttpRequest, question_id: int) -> HttpResponse:
    question = _question(request, question_id)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""), 0)
    try:
        services.question_move(actor=request_actor(request), question=question, offset=offset)
    except ValidationError as error:
        error_messages_add(request, error)
    return redirect(
        reverse("participation_backoffice:survey_staff_detail", args=[question.survey_id])
        + f"#question-{question.pk}"
    )
