"""Forms of the public reports pages. They collect input; services.report_create and the
other services decide what is valid, so the messages are the same on every channel."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from functools import partial
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from digiplace.core import parsing
from digiplace.core.facets import counted_choices

from .models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    AttributeDatatype,
    Category,
    CategoryAttribute,
    ReportStatus,
)
from .selectors import ReportFacets, ReportFilters
from .services import MAX_DESCRIPTION_LENGTH

STATUS_OPEN = "open"
STATUS_CLOSED = "closed"
PHOTO_TYPES = "image/jpeg,image/png,image/webp"
# The email columns' size: the standard allows 320 characters, PostgreSQL would refuse more.
EMAIL_MAX_LENGTH = 254


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class DateInRangeField(forms.DateField):
    """A date written as YYYY-MM-DD (what a browser's date input sends), read by core's
    strict parser, within the years the platform handles, so that adding a day or changing
    its time zone can never overflow. Other writings (other scripts' digits, the locale's
    formats, two-digit years) are refused with the field's "Enter a valid date." message."""

    def to_python(self, value: Any) -> datetime.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            day = value.date()
        elif isinstance(value, datetime.date):
            day = value
        else:
            try:
                day = parsing.parse_date(str(value), name=str(self.label or ""))
            except parsing.ParseError as error:
                if error.code != "out_of_range":
                    raise ValidationError(self.error_messages["invalid"], code="invalid") from None
                day = None
        if day is None or not parsing.MIN_DATE <= day <= parsing.MAX_DATE:
            raise ValidationError(
                _("Enter a date from %(minimum)s to %(maximum)s."),
                code="out_of_range",
                params={
                    "minimum": parsing.MIN_DATE.isoformat(),
                    "maximum": parsing.MAX_DATE.isoformat(),
                },
            )
        return day


class ReportFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    neighbourhood = forms.ChoiceField(label=_("Neighbourhood"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    date_from = DateInRangeField(
        label=_("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = DateInRangeField(
        label=_("Reported until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self,
        *args: Any,
        categories: list[Category],
        neighbourhoods: list[Any],
        departments: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Each option's key in selectors.report_facets' counts.
        self._facet_keys: dict[str, dict[str, Any]] = {
            "category": {category.service_code: category.pk for category in categories},
            "neighbourhood": {
                neighbourhood.slug: neighbourhood.pk for neighbourhood in neighbourhoods
            },
            "department": {str(department.pk): department.pk for department in departments},
        }
        everything = ("", pgettext_lazy("filter", "All"))
        _choice_field(self, "category").choices = [
            everything,
            *[(category.service_code, category.name) for category in categories],
        ]
        _choice_field(self, "status").choices = [
            everything,
            (STATUS_OPEN, pgettext_lazy("report status", "Open (any)")),
            (STATUS_CLOSED, pgettext_lazy("report status", "Closed (any)")),
            *ReportStatus.choices,
        ]
        _choice_field(self, "neighbourhood").choices = [
            everything,
            *[(neighbourhood.slug, neighbourhood.name) for neighbourhood in neighbourhoods],
        ]
        _choice_field(self, "department").choices = [
            everything,
            *[(str(department.pk), department.name) for department in departments],
        ]

    def _facet_count(self, facets: ReportFacets, name: str, value: str) -> int:
        if not value:
            return facets.totals[name]
        if name == "status":
            if value == STATUS_OPEN:
                return sum(facets.count(name, str(status)) for status in OPEN_STATUSES)
            if value == STATUS_CLOSED:
                return sum(facets.count(name, str(status)) for status in CLOSED_STATUSES)
            return facets.count(name, value)
        return facets.count(name, self._facet_keys[name].get(value))

    def facets_apply(self, facets: ReportFacets) -> None:
        """Each option says how many reports it would show ("Roads (12)"); options with
        none are left out, except the one chosen. Call after ``is_valid()``."""
        for name in ("category", "status", "neighbourhood", "department"):
            field = _choice_field(self, name)
            field.choices = counted_choices(
                cast(list[tuple[Any, Any]], field.choices),
                count=partial(self._facet_count, facets, name),
                chosen=str(self.data.get(self.add_prefix(name), "")) if self.is_bound else "",
            )

    def is_filtered(self) -> bool:
        """Whether any filter is set (the folded filters open)."""
        return self.is_bound and any(self.data.get(self.add_prefix(name)) for name in self.fields)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned

    def search_filters(self, **extra: Any) -> ReportFilters:
        """The public search (never hidden reports) for the form's valid filters; call
        ``is_valid()`` first: an invalid form's filters are left out."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        status = data.get("status")
        statuses: tuple[str, ...] = ()
        if status == STATUS_OPEN:
            statuses = tuple(str(value) for value in OPEN_STATUSES)
        elif status == STATUS_CLOSED:
            statuses = tuple(str(value) for value in CLOSED_STATUSES)
        elif status:
            statuses = (status,)
        return ReportFilters(
            category_codes=(data["category"],) if data.get("category") else (),
            statuses=statuses,
            neighbourhood_slugs=(data["neighbourhood"],) if data.get("neighbourhood") else (),
            department_ids=(int(data["department"]),) if data.get("department") else (),
            created_from=parsing.day_start(data["date_from"]) if data.get("date_from") else None,
            created_to=parsing.day_end(data["date_to"]) if data.get("date_to") else None,
            **extra,
        )


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Up to three photos; the service checks their number, type and size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": PHOTO_TYPES, "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [file for file in data if file]
        return [data] if data else []


def attribute_field_name(code: str) -> str:
    return f"attribute_{code}"


def _attribute_field(question: CategoryAttribute) -> forms.Field:
    """A field per question; the service checks the answer's type, so a wrong answer gets
    the same message on the web and in the Open311 API."""
    common: dict[str, Any] = {
        "label": question.description,
        "required": False,
        "help_text": question.datatype_description,
    }
    choices = [
        (str(choice.get("key")), str(choice.get("name") or choice.get("key")))
        for choice in question.values
        if isinstance(choice, dict)
    ]
    if question.datatype == AttributeDatatype.SINGLE:
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if question.datatype == AttributeDatatype.MULTI:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if question.datatype == AttributeDatatype.TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), strip=False, **common)
    if question.datatype == AttributeDatatype.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if question.datatype == AttributeDatatype.DATETIME:
        return forms.CharField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common
        )
    return forms.CharField(**common)


class ReportForm(forms.Form):
    """A new report. Category questions are added for the chosen category."""

    category = forms.ModelChoiceField(
        label=_("What is the problem?"),
        queryset=Category.objects.none(),
        empty_label=_("Choose a category"),
        error_messages={
            "required": _("Choose a category."),
            "invalid_choice": _("Choose one of this city's categories."),
        },
    )
    latitude = forms.CharField(
        label=_("Latitude"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Tap the map, use your location, or type it, e.g. 47.7486."),
    )
    longitude = forms.CharField(
        label=_("Longitude"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("For example 26.6694."),
    )
    address = forms.CharField(
        label=_("Address or landmark"),
        help_text=_("Needed when you do not give the place on the map."),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_DESCRIPTION_LENGTH}),
    )
    photos = MultiplePhotoField(
        label=_("Photos (optional, up to 3)"),
        required=False,
        help_text=_("JPEG, PNG or WebP. The location and camera data are removed."),
    )
    reporter_name = forms.CharField(
        label=_("Your name"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    reporter_email = forms.CharField(
        label=_("Your email"),
        required=False,
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We write to you when the city answers. It is never published."),
    )
    is_anonymous = forms.BooleanField(
        label=_("Publish without my name"), required=False, initial=True
    )

    def __init__(
        self,
        *args: Any,
        categories: Any,
        category: Category | None = None,
        is_authenticated: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        category_field = self.fields["category"]
        assert isinstance(category_field, forms.ModelChoiceField)
        category_field.queryset = categories
        if is_authenticated:
            del self.fields["reporter_name"]
            del self.fields["reporter_email"]
        self.questions: list[CategoryAttribute] = (
            list(category.attributes.all()) if category is not None else []
        )
        for question in self.questions:
            self.fields[attribute_field_name(question.code)] = _attribute_field(question)
        # The browser's check before sending (reports.js) shows the service's own messages.
        required_messages = {
            "category": _("Choose a category."),
            "description": _("Describe the problem."),
            "reporter_name": _("Give your name."),
            "reporter_email": _("Give your email address, so we can tell you."),
        }
        for name, message in required_messages.items():
            if name in self.fields:
                self.fields[name].widget.attrs["data-message-required"] = message
        self.fields["latitude"].widget.attrs["data-message-location"] = _(
            "Show where the problem is: pick the place on the map, use your "
            "location, or write an address or a landmark."
        )

    def question_fields(self) -> list[forms.BoundField]:
        return [self[attribute_field_name(question.code)] for question in self.questions]

    def main_fields(self) -> list[forms.BoundField]:
        names = ("category", "latitude", "longitude", "address")
        return [self[name] for name in names]

    def answers(self) -> dict[str, Any]:
        return {
            question.code: self.cleaned_data.get(attribute_field_name(question.code))
            for question in self.questions
        }

    def _field_for(self, key: str) -> str | None:
        """The form field a service error key is about (``None``: the whole form)."""
        field = key
        if key == "location":
            field = "latitude"
        elif key.startswith("attribute[") and key.endswith("]"):
            field = attribute_field_name(key[len("attribute[") : -1])
        return field if field in self.fields else None

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's messages on the fields they are about."""
        for key, messages in error.message_dict.items():
            field = self._field_for(key)
            for message in messages:
                self.add_error(field, message)

    def raw_value(self, name: str) -> str:
        """A field's cleaned text, or what was sent when it did not clean."""
        if hasattr(self, "cleaned_data") and name in self.cleaned_data:
            return str(self.cleaned_data[name] or "")
        return str(self.data.get(self.add_prefix(name), "") or "")

    def add_input_errors(self, errors: dict[str, list[str]]) -> None:
        """Add ``services.report_input_errors``'s messages to the fields that have none yet,
        so that an invalid form (a category missing) still flags every problem at once."""
        for key, messages in errors.items():
            field = self._field_for(key)
            if field is None or field in self.errors:
                continue
            for message in messages:
                self.add_error(field, message)

    def error_links(self) -> list[tuple[str, str]]:
        """(element id, message) for the error summary, in the fields' order."""
        links: list[tuple[str, str]] = []
        for name, field in self.fields.items():
            if name in self.errors:
                element = self[name].auto_id
                if isinstance(field.widget, forms.CheckboxSelectMultiple):
                    element = f"{element}_0"
                links.extend((element, str(message)) for message in self.errors[name])
        return links


class SupportForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We write to you when the city changes the report. It is never published."),
    )


class AbuseForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this report?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )


class DescriptionEditForm(forms.Form):
    description = forms.CharField(
        label=_("Correct the description"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_DESCRIPTION_LENGTH}),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)


class SubscriptionForm(forms.Form):
    neighbourhood = forms.ChoiceField(label=_("Neighbourhood"))

    def __init__(self, *args: Any, neighbourhoods: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "neighbourhood").choices = [
            (neighbourhood.slug, neighbourhood.name) for neighbourhood in neighbourhoods
        ]
