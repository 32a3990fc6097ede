"""Forms of the reports back office. They check the shape of the input and offer only this
municipality's choices; the rules themselves live in the services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from digiplace.core import selectors as core_selectors
from digiplace.core.parsing import ParseError, parse_id

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User

from .models import Category, Neighbourhood, ReportStatus

STATUS_FILTER_CHOICES = [
    ("", _("Any status")),
    # A report (sesizare) is feminine in Romanian: "Deschisă", "Închisă".
    ("open", pgettext_lazy("report", "Open")),
    ("closed", pgettext_lazy("report", "Closed")),
    *ReportStatus.choices,
]
MY_DEPARTMENT = "mine"
SORT_NEWEST = "newest"
SORT_OVERDUE = "overdue"


def _id_choices(records: Any, empty_label: Any) -> list[tuple[str, Any]]:
    return [("", empty_label), *((str(record.pk), str(record)) for record in records)]


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string; unknown values are ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTER_CHOICES, required=False)
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, required=False, empty_value=None
    )
    department = forms.ChoiceField(label=_("Department"), required=False)
    neighbourhood = forms.TypedChoiceField(
        label=_("Neighbourhood"), coerce=int, required=False, empty_value=None
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            (SORT_NEWEST, _("Newest first")),
            (SORT_OVERDUE, _("Most overdue first")),
        ],
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["category"].choices = _id_choices(  # type: ignore[attr-defined]
            Category.objects.for_municipality(municipality).order_by("name"), _("All categories")
        )
        fields["neighbourhood"].choices = _id_choices(  # type: ignore[attr-defined]
            Neighbourhood.objects.for_municipality(municipality), _("All neighbourhoods")
        )
        departments = core_selectors.department_list(municipality=municipality)
        fields["department"].choices = [  # type: ignore[attr-defined]
            ("", _("All departments")),
            (MY_DEPARTMENT, _("My department")),
            *((str(department.pk), department.name) for department in departments),
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=pgettext_lazy("report", "New status"),
        choices=ReportStatus.choices,
        error_messages={"invalid_choice": _("Choose one of the statuses offered.")},
    )
    public_response = forms.CharField(
        label=_("Public response (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public page and sent to the reporter and supporters."),
    )


class ResponseForm(forms.Form):
    text = forms.CharField(
        label=_("Text"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the response or the note.")},
    )
    is_public = forms.TypedChoiceField(
        label=_("Who sees it"),
        choices=[
            ("1", _("Public response: shown on the report and sent to the reporter")),
            ("0", _("Internal note: seen by staff only")),
        ],
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
    )


def _staff_choices(municipality: Municipality, *, with_department: bool) -> list[tuple[str, str]]:
    """The city's active staff as (user id, name) choices, optionally with their department."""
    return [
        (
            str(membership.user_id),
            f"{membership.user}"
            + (
                f" · {membership.department.name}"
                if with_department and membership.department
                else ""
            ),
        )
        for membership in core_selectors.staff_memberships_active(municipality=municipality)
    ]


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Assign to"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose a staff member of this city.")},
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", _("Nobody")),
            *_staff_choices(municipality, with_department=True),
        ]

    def assignee_user(self) -> User | None:
        user_id = self.cleaned_data.get("assignee")
        if not user_id:
            return None
        return core_selectors.staff_user_get(municipality=self.municipality, user_id=user_id)


class RecategoriseForm(forms.Form):
    category = forms.TypedChoiceField(
        label=_("New category"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose one of this city's categories.")},
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = Category.objects.for_municipality(municipality).filter(is_active=True)
        self.fields["category"].choices = _id_choices(  # type: ignore[attr-defined]
            categories.order_by("name"), _("Choose a category")
        )


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=_("Number of the report that stays open"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Enter the number of the other report."),
            "invalid": _("Enter the report's number, such as 1234."),
            "min_value": _("Enter the report's number, such as 1234."),
        },
    )


BULK_STATUS = "status"
BULK_ASSIGN = "assign"
BULK_NOBODY = "nobody"


class ReportNumbersField(forms.Field):
    """The numbers of the reports ticked in the queue."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Choose at least one report."),
        "invalid": _("Choose reports from the list."),
    }

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            return [parse_id(str(item), name="reports") for item in values]
        except ParseError as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class BulkActionForm(forms.Form):
    """One action for the reports ticked in the queue: a status or an assignee."""

    reports = ReportNumbersField()
    action = forms.ChoiceField(
        choices=[(BULK_STATUS, _("Change the status")), (BULK_ASSIGN, _("Assign"))],
        error_messages={
            "required": _("Choose what to do with the reports."),
            "invalid_choice": _("Choose what to do with the reports."),
        },
    )
    status = forms.ChoiceField(
        label=pgettext_lazy("report", "New status"),
        required=False,
        choices=[("", _("Choose a status")), *ReportStatus.choices],
        error_messages={"invalid_choice": _("Choose one of the statuses offered.")},
    )
    assignee = forms.ChoiceField(
        label=_("Assign to"),
        required=False,
        error_messages={"invalid_choice": _("Choose a staff member of this city.")},
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose a person")),
            (BULK_NOBODY, _("Nobody")),
            *_staff_choices(municipality, with_department=False),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == BULK_STATUS and not data.get("status") and "status" not in self.errors:
            self.add_error("status", _("Choose the new status."))
        if action == BULK_ASSIGN and not data.get("assignee") and "assignee" not in self.errors:
            self.add_error("assignee", _("Choose the person, or nobody."))
        return data

    def assignee_user(self) -> User | None:
        value = self.cleaned_data.get("assignee")
        if not value or value == BULK_NOBODY:
            return None
        return core_selectors.staff_user_get(municipality=self.municipality, user_id=int(value))


class ReplyTemplateForm(forms.Form):
    """A reply template as an administrator writes it; the service checks the rules."""

    category = forms.TypedChoiceField(
        label=_("Category"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Leave empty for a reply that fits every category."),
        error_messages={"invalid_choice": _("Choose one of this city's categories.")},
    )
    title_ro = forms.CharField(
        label=_("Title in Romanian"),
        max_length=120,
        error_messages={"required": _("Give the template a title in Romanian.")},
    )
    text_ro = forms.CharField(
        label=_("Reply in Romanian"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the reply in Romanian.")},
    )
    title_en = forms.CharField(
        label=_("Title in English (optional)"), max_length=120, required=False
    )
    text_en = forms.CharField(
        label=_("Reply in English (optional)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    position = forms.IntegerField(
        label=_("Position in the list"),
        min_value=0,
        max_value=32767,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Give a position, such as 0."),
            "invalid": _("Give a position, such as 0."),
            "min_value": _("Use a position of 0 or more."),
            "max_value": _("Use a position of at most 32767."),
        },
    )
    is_active = forms.BooleanField(label=_("Offered to staff"), required=False, initial=True)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _id_choices(  # type: ignore[attr-defined]
            Category.objects.for_municipality(municipality).order_by("name"), _("Any category")
        )
        self.municipality = municipality

    def chosen_category(self) -> Category | None:
        category_id = self.cleaned_data.get("category")
        if category_id is None:
            return None
        return Category.objects.for_municipality(self.municipality).filter(pk=category_id).first()


class VisibilityForm(forms.Form):
    hide = forms.TypedChoiceField(
        choices=[("1", _("Hide")), ("0", _("Show"))], coerce=lambda value: value == "1"
    )


class PhotoVisibilityForm(VisibilityForm):
    photo = forms.IntegerField(min_value=1)


class PhotoIdsField(ReportNumbersField):
    """Ids of a report's photos (whether they are this report's, the service checks)."""

    default_error_messages = {
        "required": _("Choose a photo of this report."),
        "invalid": _("Choose photos of this report."),
    }


class PhotoOpenDataForm(forms.Form):
    """The photos' open-data checkboxes: every photo the page listed, and those ticked (a
    photo listed and not ticked is withdrawn). ``open_data`` tells this form from the
    hide/show buttons posted to the same address."""

    open_data = forms.BooleanField()
    photos = PhotoIdsField()
    approved = PhotoIdsField(required=False)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Application"),
        max_length=200,
        error_messages={"required": _("Name the application.")},
    )
    contact_email = forms.EmailField(
        label=_("Developer's email"),
        error_messages={
            "required": _("Enter the developer's email."),
            "invalid": _("Enter a valid email address."),
        },
    )
