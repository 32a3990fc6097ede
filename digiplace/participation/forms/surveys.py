"""Reading a survey page's answers from the submitted form (checked by the services)."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from digiplace.participation.models import QuestionKind
from digiplace.participation.services.surveys import AnswerValue, SurveyQuestions, field_name

# Longest value read from one field: more than any answer may have, so that the
# services, not a silent cut, refuse a text that is too long.
FIELD_MAX = 20_000


def _value(data: QueryDict, name: str) -> str:
    return str(data.get(name, ""))[:FIELD_MAX]


def answers_from_data(*, questions: SurveyQuestions, data: QueryDict) -> dict[int, AnswerValue]:
    """Each question's answer as typed. Field names: ``q<id>`` (the choice, choices, text
    or value), ``q<id>_other`` (the "Other" text), ``q<id>_<option key>`` (a ranking's
    rank or a matrix row's value)."""
    answers: dict[int, AnswerValue] = {}
    for question in questions.questions:
        name = field_name(question)
        kind = question.kind
        if kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE}:
            choices = tuple(value for value in data.getlist(name)[:100] if value)
            answers[question.pk] = AnswerValue(
                choices=choices, other_text=_value(data, f"{name}_other")
            )
        elif kind in {QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT}:
            answers[question.pk] = AnswerValue(text=_value(data, name))
        elif kind == QuestionKind.SCALE:
            answers[question.pk] = AnswerValue(value=_value(data, name))
        else:
            values = {
                option.key: _value(data, f"{name}_{option.key}")
                for option in question.options.all()
            }
            answers[question.pk] = AnswerValue(values=values)
    return answers


class ResponseSendForm(forms.Form):
    """What a response needs besides its answers."""

    cnp = forms.CharField(
        label=_("Personal numeric code (CNP)"),
        required=False,
        max_length=40,
        help_text=_(
            "This survey takes one response per resident. Only a keyed fingerprint of the "
            "code is kept, never the code itself."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    is_anonymous = forms.BooleanField(
        label=_("Send my response anonymously (not linked to my account)"), required=False
    )
