"""Public pages of a survey: the questions and a person's response (draft or sent), the
results (a chart and a table per question) and their CSV and XLSX downloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from digiplace.core import throttles
from digiplace.core.permissions import backoffice_membership
from digiplace.core.templatetags.digiplace import chart_data
from digiplace.core.throttles import Throttle, throttled, throttles_allow
from digiplace.core.views.helpers import request_municipality, request_user
from digiplace.participation.forms.surveys import ResponseSendForm, answers_from_data
from digiplace.participation.models import (
    Answer,
    Question,
    QuestionKind,
    RespondentRule,
    Response,
    Survey,
)
from digiplace.participation.selectors import surveys as selectors
from digiplace.participation.selectors import surveys_export
from digiplace.participation.services import surveys as services
from digiplace.participation.services.surveys import OTHER, AnswerValue

MODULE = "participation"
# Sending or saving a response: per connection and per account.
SURVEY_SAVE_PER_CLIENT = Throttle("survey-save:client", limit=120)
SURVEY_SAVE_PER_ACCOUNT = Throttle("survey-save:account", limit=60)
# The session remembers the surveys sent from it (an anonymous response cannot be found).
SENT_SESSION_KEY = "participation_surveys_sent"


def _is_staff(request: HttpRequest) -> bool:
    membership = backoffice_membership(
        user=request.user, municipality=getattr(request, "municipality", None)
    )
    return membership is not None and membership.can_use_module(MODULE)


def _survey(request: HttpRequest, slug: str) -> tuple[Survey, bool]:
    """The survey of this city (404 elsewhere, or unpublished for the public) and whether
    the visitor is the city's staff."""
    survey = selectors.survey_for_slug(municipality=request_municipality(request), slug=slug)
    is_staff = _is_staff(request)
    if survey is None or not (survey.is_published or is_staff):
        raise Http404
    return survey, is_staff


# --- The survey page -----------------------------------------------------------------------


@dataclass
class QuestionView:
    """What the template needs to draw one question with the person's current answer."""

    question: Question
    name: str
    number: int
    options: list[Any]
    value: AnswerValue
    errors: list[str] = field(default_factory=list)
    condition_question: Question | None = None
    condition_number: int | None = None
    condition_labels: list[str] = field(default_factory=list)
    condition_keys: str = ""
    scale_values: list[int] = field(default_factory=list)
    ranks: list[int] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def other_chosen(self) -> bool:
        return OTHER in self.value.choices


def _values_of(response: Response | None) -> dict[int, AnswerValue]:
    """A saved response's answers as the form would send them."""
    if response is None:
        return {}
    grouped: dict[int, list[Answer]] = {}
    for answer in selectors.response_answers(response=response):
        grouped.setdefault(answer.question_id, []).append(answer)
    values: dict[int, AnswerValue] = {}
    for question_id, answers in grouped.items():
        choices = tuple(
            OTHER if answer.option is None else answer.option.key
            for answer in answers
            if answer.is_other or (answer.option is not None and answer.number is None)
        )
        other_text = next((answer.text for answer in answers if answer.is_other), "")
        numbers = {
            answer.option.key: str(answer.number)
            for answer in answers
            if answer.option is not None and answer.number is not None
        }
        plain = [answer for answer in answers if answer.option is None and not answer.is_other]
        values[question_id] = AnswerValue(
            choices=choices,
            other_text=other_text,
            text=plain[0].text if plain else "",
            value=str(plain[0].number) if plain and plain[0].number is not None else "",
            values=numbers,
        )
    return values


def _question_views(
    questions: services.SurveyQuestions,
    values: dict[int, AnswerValue],
    errors: dict[str, list[str]],
) -> list[QuestionView]:
    by_id = questions.by_id()
    numbers = {question.pk: index for index, question in enumerate(questions.questions, start=1)}
    views: list[QuestionView] = []
    for question in questions.questions:
        name = services.field_name(question)
        options = list(question.options.all())
        view = QuestionView(
            question=question,
            name=name,
            number=numbers[question.pk],
            options=options,
            value=values.get(question.pk, AnswerValue()),
            errors=errors.get(name, []),
        )
        if question.shown_if_question_id is not None:
            condition_options = list(question.shown_if_options.all())
            view.condition_question = by_id.get(question.shown_if_question_id)
            view.condition_number = numbers.get(question.shown_if_question_id)
            view.condition_labels = [f"“{option.label}”" for option in condition_options]
            view.condition_keys = " ".join(option.key for option in condition_options)
        if question.kind in {QuestionKind.SCALE, QuestionKind.MATRIX}:
            view.scale_values = list(range(question.scale_min, question.scale_max + 1))
        if question.kind == QuestionKind.RANKING:
            view.ranks = list(range(1, len(options) + 1))
        views.append(view)
    return views


def _sent_in_session(request: HttpRequest, survey: Survey) -> bool:
    return survey.pk in request.session.get(SENT_SESSION_KEY, [])


def _survey_page(
    request: HttpRequest,
    survey: Survey,
    *,
    is_staff: bool,
    values: dict[int, AnswerValue] | None = None,
    errors: dict[str, list[str]] | None = None,
    send_form: ResponseSendForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request_user(request)
    now = timezone.now()
    response = None
    if user is not None and user.is_authenticated:
        response = services.response_for_user(survey=survey, user=user)
    has_sent = (response is not None and response.submitted_at is not None) or _sent_in_session(
        request, survey
    )
    questions = services.survey_questions(survey=survey)
    if values is None:
        values = _values_of(response if response is not None and not has_sent else None)
    is_open = survey.is_open(now)
    if not is_open:
        state = "closed" if survey.is_closed(now) else "not_open"
    elif has_sent:
        state = "sent"
    elif user is None or not user.is_authenticated:
        state = "sign_in"
    elif user.email_confirmed_at is None:
        state = "unconfirmed"
    else:
        state = "answer"
    context = {
        "survey": survey,
        "process": survey.process,
        "state": state,
        "is_open": is_open,
        "is_staff": is_staff,
        "has_draft": response is not None and response.submitted_at is None,
        "draft_saved_at": response.updated_at if response is not None else None,
        "sent_at": response.submitted_at if response is not None else None,
        "question_views": _question_views(questions, values, errors or {}),
        "errors": errors or {},
        "send_form": send_form or ResponseSendForm(),
        "is_verified": survey.respondent_rule == RespondentRule.VERIFIED,
        "results_public": selectors.survey_results_public(survey=survey),
        "login_url": f"{reverse('accounts:login')}?next={request.path}",
        "other_value": OTHER,
    }
    return render(request, "participation/surveys/survey_detail.html", context, status=status)


@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    """The city's published surveys: open ones first, then those to come, then closed ones
    (with a link to their results where they are public)."""
    now = timezone.now()
    surveys = list(
        selectors.survey_list_public(municipality=request_municipality(request))
        .select_related("process")
        .order_by("-closes_at", "pk")
    )
    groups = [
        ("open", _("Open now"), [s for s in surveys if s.opens_at <= now < s.closes_at]),
        ("upcoming", _("Coming soon"), [s for s in surveys if now < s.opens_at]),
        ("closed", _("Closed"), [s for s in surveys if s.closes_at <= now]),
    ]
    rows = [
        (key, title, [(s, selectors.survey_results_public(survey=s)) for s in items])
        for key, title, items in groups
    ]
    return render(request, "participation/surveys/survey_list.html", {"groups": rows})


@require_http_methods(["GET", "POST"])
def survey_detail(request: HttpRequest, slug: str) -> HttpResponse:
    survey, is_staff = _survey(request, slug)
    if request.method == "GET":
        return _survey_page(request, survey, is_staff=is_staff)
    user = request_user(request)
    if user is None or not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    questions = services.survey_questions(survey=survey)
    values = answers_from_data(questions=questions, data=request.POST)
    send_form = ResponseSendForm(request.POST)
    send_form.is_valid()
    extras = getattr(send_form, "cleaned_data", {})
    if not throttles_allow(
        request,
        per_client=SURVEY_SAVE_PER_CLIENT,
        per_target=SURVEY_SAVE_PER_ACCOUNT,
        target=f"account:{user.pk}",
    ):
        messages.error(request, throttles.THROTTLED_MESSAGE)
        return throttled(
            _survey_page(request, survey, is_staff=is_staff, values=values, send_form=send_form)
        )
    is_draft = request.POST.get("action") == "draft"
    language = get_language() or ""
    try:
        if is_draft:
            services.response_draft_save(
                survey=survey, user=user, answers=values, language=language
            )
        else:
            services.response_submit(
                survey=survey,
                user=user,
                answers=values,
                is_anonymous=bool(extras.get("is_anonymous")),
                cnp=str(extras.get("cnp") or ""),
                language=language,
            )
    except ValidationError as error:
        errors: dict[str, list[str]] = {}
        if hasattr(error, "error_dict"):
            errors = error.message_dict
            for name in ("cnp", "is_anonymous"):
                for message in errors.get(name, []):
                    send_form.add_error(name, message)
            general = errors.get("__all__", [])
        else:
            general = error.messages
        for message in general:
            messages.error(request, message)
        if errors and not general:
            messages.error(
                request, _("Some answers need your attention; see the questions marked below.")
            )
        return _survey_page(
            request,
            survey,
            is_staff=is_staff,
            values=values,
            errors=errors,
            send_form=send_form,
            status=400,
        )
    if is_draft:
        messages.success(request, _("Your draft is saved. You can come back and finish it later."))
    else:
        sent = [*request.session.get(SENT_SESSION_KEY, []), survey.pk][-50:]
        request.session[SENT_SESSION_KEY] = sent
        messages.success(request, _("Thank you! Your response was sent."))
    return HttpResponseRedirect(
        reverse("participation:survey_detail", kwargs={"slug": survey.slug})
    )


# --- Results -------------------------------------------------------------------------------


def _results_allowed(request: HttpRequest, slug: str) -> Survey:
    survey, is_staff = _survey(request, slug)
    if not (is_staff or selectors.survey_results_public(survey=survey)):
        raise Http404
    return survey


def _question_chart(item: selectors.QuestionResults) -> dict[str, Any] | None:
    count_label = _("Answers")
    if item.kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE}:
        shares = list(item.options)
        if item.other is not None:
            shares.append(
                selectors.Share(
                    label=_("Other"), count=item.other.count, percent=item.other.percent
                )
            )
        return chart_data(
            chart_type="bar",
            labels=[share.label for share in shares],
            datasets=[
                {"label": count_label, "data": [share.count for share in shares]},
            ],
            label_title=_("Option"),
        )
    if item.kind == QuestionKind.SCALE:
        return chart_data(
            chart_type="bar",
            labels=[share.label for share in item.distribution],
            datasets=[
                {"label": count_label, "data": [share.count for share in item.distribution]},
            ],
            label_title=_("Value"),
        )
    if item.kind == QuestionKind.RANKING:
        return chart_data(
            chart_type="bar",
            labels=[row.label for row in item.ranking],
            datasets=[
                {"label": _("Score"), "data": [row.score for row in item.ranking]},
                {"label": _("First places"), "data": [row.first_places for row in item.ranking]},
            ],
            label_title=_("Option"),
        )
    if item.kind == QuestionKind.MATRIX:
        return chart_data(
            chart_type="bar",
            labels=[row.label for row in item.matrix],
            datasets=[
                {
                    "label": _("Mean"),
                    "data": [row.mean if row.mean is not None else 0 for row in item.matrix],
                },
            ],
            label_title=_("Row"),
        )
    if item.themes:
        return chart_data(
            chart_type="bar",
            labels=[theme.label for theme in item.themes],
            datasets=[{"label": count_label, "data": [theme.count for theme in item.themes]}],
            label_title=_("Theme"),
        )
    return None


@require_GET
def survey_results(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _results_allowed(request, slug)
    results = selectors.survey_results(survey=survey)
    items = [
        (item, _question_chart(item), f"survey-chart-{item.question_id}")
        for item in results.questions
    ]
    context = {
        "survey": survey,
        "process": survey.process,
        "results": results,
        "items": items,
        "has_charts": any(chart for _item, chart, _id in items),
        "is_open": survey.is_open(),
        "is_public": selectors.survey_results_public(survey=survey),
    }
    return render(request, "participation/surveys/survey_results.html", context)


def _export_name(survey: Survey, extension: str) -> str:
    return f'attachment; filename="{survey.slug}-{timezone.localdate():%Y-%m-%d}.{extension}"'


@require_GET
def survey_export_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    survey = _results_allowed(request, slug)
    response = StreamingHttpResponse(
        surveys_export.survey_export_csv_lines(survey=survey),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = _export_name(survey, "csv")
    return response


@require_GET
def survey_export_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    survey = _results_allowed(request, slug)
    response = HttpResponse(
        surveys_export.survey_export_xlsx(survey=survey),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _export_name(survey, "xlsx")
    return response
