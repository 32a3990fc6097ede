"""Forms of the plans back office. They check the shape of the input; the rules that
need the database (dates against a KPI's baseline, percentages) live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Status

# The one name of an unknown status, as the public pages show it (plans_tags.status_label).
STATUS_CHOICES = [("", _("Not stated")), *Status.choices]


class _StatusProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("A whole number from 0 to 100."),
        error_messages={
            "invalid": _("Enter the progress as a whole number from 0 to 100."),
            "min_value": _("Progress is a percentage between 0 and 100."),
            "max_value": _("Progress is a percentage between 0 and 100."),
        },
    )


class ProjectStatusForm(_StatusProgressForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["progress"].help_text = _(
            "A whole number from 0 to 100. Leave empty to compute it from the activities."
        )


class ActivityStatusForm(_StatusProgressForm):
    def __init__(self, *args: Any, activity_id: int, **kwargs: Any) -> None:
        # Every activity's inline form on one page needs its own element ids.
        kwargs["auto_id"] = f"id_activity_{activity_id}_%s"
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == Status.COMPLETED and cleaned.get("progress") not in (None, 100):
            if "progress" in self.changed_data:
                # The person typed a progress that contradicts "completed".
                self.add_error("progress", _("A completed activity is fully done (100 per cent)."))
            else:
                # The old progress was left as it was: completing means 100.
                cleaned["progress"] = 100
        return cleaned


class MeasurementForm(forms.Form):
    date = forms.DateField(
        label=_("Date of the measurement"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Not in the future, and not before the baseline."),
        error_messages={"invalid": _("Enter a date such as 2025-03-31.")},
    )
    value = forms.DecimalField(
        label=_("Value"),
        max_digits=20,
        decimal_places=4,
        error_messages={
            "invalid": _("Enter a number, such as 12.5."),
            "max_digits": _("Enter a number with at most 16 digits before the decimal point."),
            "max_decimal_places": _("Enter at most 4 digits after the decimal point."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    source = forms.CharField(label=_("Source"), max_length=500, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, unit: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        value_field = self.fields["value"]
        value_field.label = _("Value (%(unit)s)") % {"unit": unit}
        date_field = self.fields["date"]
        date_field.widget.attrs["max"] = timezone.localdate().isoformat()


class InterestDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("decline", _("Decline"))],
        error_messages={"required": _("Choose to accept or decline.")},
    )


class ReportRequestForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": _("Enter a year such as 2025.")},
    )
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        choices=[
            (1, _("Q1 (January to March)")),
            (2, _("Q2 (April to June)")),
            (3, _("Q3 (July to September)")),
            (4, _("Q4 (October to December)")),
        ],
    )
