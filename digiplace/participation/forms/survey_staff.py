"""Forms of the survey back office: a survey, a question (its options written one a line as
``key | Romanian label | English label``), and the themes of open answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from ..models import (
    Question,
    QuestionKind,
    RespondentRule,
    ResultsVisibility,
    Survey,
    Theme,
)
from ..services.survey_staff import OptionSpec, QuestionFields, SurveyFields
from ..services.survey_staff_themes import LABEL_MAX, THEME_COUNT_MAX

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label: StrOrPromise) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        error_messages={"invalid": _("Enter a date and time such as 2026-05-31 18:00.")},
    )


class SurveyForm(forms.Form):
    title_ro = forms.CharField(label=_("Title (Romanian)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    slug = forms.CharField(
        label=_("Short name in the address"),
        max_length=80,
        help_text=_("Lowercase letters, digits and hyphens, such as “tram-2026”."),
    )
    description_ro = forms.CharField(
        label=_("Description (Romanian)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    opens_at = _datetime_field(_("Opens"))
    closes_at = _datetime_field(_("Closes"))
    results_visibility = forms.ChoiceField(
        label=_("Results are public"), choices=ResultsVisibility.choices
    )
    respondent_rule = forms.ChoiceField(label=_("Who may answer"), choices=RespondentRule.choices)
    anonymous_allowed = forms.BooleanField(label=_("Anonymous answers allowed"), required=False)
    is_published = forms.BooleanField(label=_("Published"), required=False)

    @classmethod
    def initial_of(cls, survey: Survey) -> dict[str, Any]:
        return {name: getattr(survey, name) for name in cls.base_fields}

    def survey_fields(self) -> SurveyFields:
        data = self.cleaned_data
        return SurveyFields(**{name: data[name] for name in self.base_fields})


class OptionLinesField(forms.CharField):
    """Options one a line: ``key | Romanian label | English label`` (English optional)."""

    def to_python(self, value: Any) -> list[OptionSpec]:  # type: ignore[override]
        text = super().to_python(value) or ""
        options: list[OptionSpec] = []
        errors: list[str] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) not in (2, 3) or not parts[0]:
                errors.append(
                    str(_("Line %(number)s: write “key | Romanian label | English label”."))
                    % {"number": number}
                )
                continue
            options.append(
                OptionSpec(
                    key=parts[0], label_ro=parts[1], label_en=parts[2] if len(parts) == 3 else ""
                )
            )
        if errors:
            raise forms.ValidationError(errors)
        return options


def option_lines(question: Question) -> str:
    return "\n".join(
        " | ".join([option.key, option.label_ro or "", option.label_en or ""]).rstrip(" |")  # type: ignore[attr-defined]
        for option in question.options.order_by("position", "pk")
    )


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    text_ro = forms.CharField(label=_("Question (Romanian)"), max_length=500)
    text_en = forms.CharField(label=_("Question (English)"), max_length=500, required=False)
    help_text_ro = forms.CharField(label=_("Help (Romanian)"), max_length=500, required=False)
    help_text_en = forms.CharField(label=_("Help (English)"), max_length=500, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    options = OptionLinesField(
        label=_("Options (or matrix rows)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One a line: key | Romanian label | English label, for example "
            "“tram | Tramvai | Tram”. The key stays in the results and exports."
        ),
    )
    has_other = forms.BooleanField(label=_("Add an “Other” choice"), required=False)
    max_choices = forms.IntegerField(
        label=_("At most this many choices"),
        required=False,
        help_text=_("Several choices only; leave empty for any number."),
    )
    scale_min = forms.IntegerField(label=_("Lowest value (scale, matrix)"), initial=1)
    scale_max = forms.IntegerField(label=_("Highest value (scale, matrix)"), initial=5)
    scale_min_label_ro = forms.CharField(
        label=_("Label of the lowest value (Romanian)"), max_length=100, required=False
    )
    scale_min_label_en = forms.CharField(
        label=_("Label of the lowest value (English)"), max_length=100, required=False
    )
    scale_max_label_ro = forms.CharField(
        label=_("Label of the highest value (Romanian)"), max_length=100, required=False
    )
    scale_max_label_en = forms.CharField(
        label=_("Label of the highest value (English)"), max_length=100, required=False
    )
    shown_if_question = forms.TypedChoiceField(
        label=_("Shown only if the answer to"),
        coerce=int,
        empty_value=None,
        required=False,
    )
    shown_if_options = forms.TypedMultipleChoiceField(
        label=_("includes one of"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, sources: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shown_if_question"].choices = [  # type: ignore[attr-defined]
            ("", _("Always shown")),
            *((source.pk, source.text) for source in sources),
        ]
        self.fields["shown_if_options"].choices = [  # type: ignore[attr-defined]
            (option.pk, f"{source.text} → {option.label}")
            for source in sources
            for option in source.options.all()
        ]

    @classmethod
    def initial_of(cls, question: Question) -> dict[str, Any]:
        initial = {
            name: getattr(question, name)
            for name in cls.base_fields
            if name not in {"options", "shown_if_question", "shown_if_options"}
        }
        initial["options"] = option_lines(question)
        initial["shown_if_question"] = question.shown_if_question_id or ""
        initial["shown_if_options"] = list(question.shown_if_options.values_list("pk", flat=True))
        return initial

    def question_fields(self) -> QuestionFields:
        data = dict(self.cleaned_data)
        return QuestionFields(
            kind=data["kind"],
            text_ro=data["text_ro"],
            text_en=data["text_en"],
            help_text_ro=data["help_text_ro"],
            help_text_en=data["help_text_en"],
            required=data["required"],
            max_choices=data["max_choices"],
            has_other=data["has_other"],
            scale_min=data["scale_min"],
            scale_max=data["scale_max"],
            scale_min_label_ro=data["scale_min_label_ro"],
            scale_min_label_en=data["scale_min_label_en"],
            scale_max_label_ro=data["scale_max_label_ro"],
            scale_max_label_en=data["scale_max_label_en"],
            options=tuple(data["options"]),
            shown_if_question_id=data["shown_if_question"],
            shown_if_option_ids=tuple(data["shown_if_options"]),
        )


class ThemesFindForm(forms.Form):
    count = forms.IntegerField(
        label=_("Number of themes"),
        required=False,
        min_value=1,
        max_value=THEME_COUNT_MAX,
        help_text=_("Leave empty to let the count be chosen from the answers."),
    )


class ThemeRenameForm(forms.Form):
    label = forms.CharField(
        label=_("New name"),
        max_length=LABEL_MAX,
        error_messages={"required": _("Write the theme's name.")},
    )


class ThemeMergeForm(forms.Form):
    into = forms.TypedChoiceField(label=_("Merge into"), coerce=int)

    def __init__(self, *args: Any, themes: list[Theme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [(theme.pk, theme.label) for theme in themes]  # type: ignore[attr-defined]


NO_THEME = 0


class AnswerIdsField(forms.Field):
    """Answer ids ticked in the list (the service checks they are the question's)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return [int(item) for item in value]
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(_("Choose answers of this question.")) from error


class AnswersMoveForm(forms.Form):
    answers = AnswerIdsField(
        label=_("Answers"), error_messages={"required": _("Choose at least one answer to move.")}
    )
    theme = forms.TypedChoiceField(label=_("Move to"), coerce=int)

    def __init__(self, *args: Any, themes: list[Theme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [  # type: ignore[attr-defined]
            *((theme.pk, theme.label) for theme in themes),
            (NO_THEME, _("No theme")),
        ]
