"""Forms of the meetings component: the staff's meeting form, documents, the forum's
question forms and the moderator's actions. Times are typed in the city's time zone (the
middleware activates it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import ForumQuestionStatus, Meeting, Process
from ..services.meetings import POSITION_PAPER_MAX_BYTES
from ..services.meetings_forum import AUTHOR_NAME_MAX_LENGTH, QUESTION_MAX_LENGTH

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_FORMAT, **kwargs)


TRANSLATED = ("title", "description", "agenda")
LANGUAGES = ("ro", "en")


class MeetingForm(forms.Form):
    """Every field of a meeting, with its texts in Romanian and English."""

    slug = forms.SlugField(
        label=_("Short name in the address"),
        max_length=80,
        help_text=_("Letters, digits and hyphens, for example forum-2026."),
    )
    process = forms.ModelChoiceField(
        label=_("Process"), queryset=Process.objects.none(), required=False
    )
    title_ro = forms.CharField(label=_("Title (Romanian)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    description_ro = forms.CharField(
        label=_("Description (Romanian)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    agenda_ro = forms.CharField(
        label=_("Agenda (Romanian)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("One item per line, for example “18:00 Opening”."),
    )
    agenda_en = forms.CharField(
        label=_("Agenda (English)"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=DateTimeLocalInput(), input_formats=[DATETIME_FORMAT]
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=DateTimeLocalInput(), input_formats=[DATETIME_FORMAT]
    )
    place_name = forms.CharField(label=_("Place"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        help_text=_("Choose the place on the map, or type its coordinates."),
    )
    longitude = forms.FloatField(label=_("Longitude"), required=False)
    stream_url = forms.URLField(
        label=_("Online stream link"), required=False, assume_scheme="https"
    )
    capacity = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        max_value=100_000,
        required=False,
        help_text=_("Leave empty when no registration is needed."),
    )
    registration_open = forms.BooleanField(label=_("Registration open"), required=False)
    questions_enabled = forms.BooleanField(
        label=_("Takes questions from participants (the live forum)"), required=False
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        process_field = self.fields["process"]
        assert isinstance(process_field, forms.ModelChoiceField)
        process_field.queryset = Process.objects.for_municipality(municipality).order_by("title")

    @classmethod
    def initial_from(cls, meeting: Meeting) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(meeting, name)
            for name in (
                "slug",
                "starts_at",
                "ends_at",
                "place_name",
                "address",
                "latitude",
                "longitude",
                "stream_url",
                "capacity",
                "registration_open",
                "questions_enabled",
            )
        }
        initial["process"] = meeting.process_id
        for name in TRANSLATED:
            for language in LANGUAGES:
                initial[f"{name}_{language}"] = getattr(meeting, f"{name}_{language}")
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None):
            self.add_error(
                "longitude" if longitude is None else "latitude",
                _("Give both the latitude and the longitude, or neither."),
            )
        elif (
            latitude is not None
            and longitude is not None
            and not self.municipality.contains_point(latitude, longitude)
        ):
            self.add_error(
                "latitude", _("This place is outside the city. Choose a place inside it.")
            )
        return cleaned

    def meeting_fields(self) -> dict[str, Any]:
        """The cleaned values as the meeting's fields (the default language's text also in
        the untranslated column)."""
        cleaned = self.cleaned_data
        fields: dict[str, Any] = {
            name: cleaned[name]
            for name in (
                "slug",
                "process",
                "starts_at",
                "ends_at",
                "place_name",
                "address",
                "latitude",
                "longitude",
                "stream_url",
                "capacity",
                "registration_open",
                "questions_enabled",
            )
        }
        for name in TRANSLATED:
            for language in LANGUAGES:
                fields[f"{name}_{language}"] = cleaned[f"{name}_{language}"].strip()
        return fields


class MeetingDocumentsForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 10}), required=False
    )
    position_paper = forms.FileField(
        label=_("Position paper (PDF)"),
        required=False,
        help_text=_("A PDF file of at most %(limit)d MB.")
        % {"limit": POSITION_PAPER_MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    position_paper_remove = forms.BooleanField(label=_("Remove the position paper"), required=False)


class QuestionForm(forms.Form):
    body = forms.CharField(
        label=_("Your question"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": QUESTION_MAX_LENGTH}),
        help_text=_("At most %(limit)d characters. The moderator reads it before it is shown.")
        % {"limit": QUESTION_MAX_LENGTH},
    )
    show_name = forms.BooleanField(label=_("Show my name with the question"), required=False)


class InRoomQuestionForm(forms.Form):
    body = forms.CharField(
        label=_("Question asked in the room"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": QUESTION_MAX_LENGTH}),
    )
    author_name = forms.CharField(
        label=_("Name of the person (optional)"), max_length=AUTHOR_NAME_MAX_LENGTH, required=False
    )


class ModerationForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (ForumQuestionStatus.APPROVED, _("Approve")),
            (ForumQuestionStatus.HIDDEN, _("Hide")),
            (ForumQuestionStatus.ANSWERED, _("Mark answered")),
        ]
    )
    answer = forms.CharField(
        label=_("Short answer (optional)"),
        max_length=QUESTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_status(self) -> str:
        status = str(self.cleaned_data["status"])
        if status not in ForumQuestionStatus.values:
            raise ValidationError(_("Choose what to do with the question."))
        return status
