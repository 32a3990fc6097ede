"""Forms of participatory budgeting: a resident's project, and staff's budget, zone,
review and ballot import forms. Rules that need the database live in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from digiplace.participation.models import (
    Budget,
    BudgetProjectStatus,
    Process,
    Zone,
)
from digiplace.participation.services.budgeting import BUDGET_FIELDS

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

MAX_PB_FILE_BYTES = 20 * 1024 * 1024


class ProjectSubmitForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What the project would do, where, and for whom."),
    )
    cost = forms.DecimalField(
        label=_("Estimated cost"),
        max_digits=14,
        decimal_places=0,
        help_text=_("In whole currency units; at most the zone's budget."),
    )
    category = forms.CharField(label=_("Category"), max_length=100, required=False)
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        help_text=_("Optional: where in the city (choose on the map or type it)."),
    )
    longitude = forms.FloatField(label=_("Longitude"), required=False)


class BudgetForm(forms.ModelForm[Budget]):
    class Meta:
        model = Budget
        fields = list(BUDGET_FIELDS)
        widgets = {
            name: forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
            for name in (
                "submission_opens_at",
                "submission_closes_at",
                "voting_opens_at",
                "voting_closes_at",
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title_ro"].required = True
        self.fields["title_ro"].label = _("Title (Romanian)")
        self.fields["title_en"].label = _("Title (English)")
        self.fields["description_ro"].label = _("Description (Romanian)")
        self.fields["description_en"].label = _("Description (English)")
        self.fields["minimum_age"].validators.append(MaxValueValidator(120))

    def service_values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def _post_clean(self) -> None:
        # The services check the dates and ballot rules together (with clear messages);
        # the model's own constraints would repeat them in other words.
        pass


class BudgetCreateForm(BudgetForm):
    process = forms.ModelChoiceField(label=_("Process"), queryset=Process.objects.none())

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        process_field = self.fields["process"]
        assert isinstance(process_field, forms.ModelChoiceField)
        process_field.queryset = Process.objects.for_municipality(municipality).filter(
            budget__isnull=True
        )
        self.order_fields(["process"])


class BudgetZoneForm(forms.Form):
    zone = forms.ModelChoiceField(label=_("Zone"), queryset=Zone.objects.none())
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=0,
        validators=[MinValueValidator(Decimal(1))],
    )
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Za-z]{3}$",
        initial="RON",
        max_length=3,
        error_messages={"invalid": _("Write the currency's three-letter code, such as RON.")},
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone_field = self.fields["zone"]
        assert isinstance(zone_field, forms.ModelChoiceField)
        zone_field.queryset = Zone.objects.for_municipality(municipality)


class BudgetZoneAmountForm(forms.Form):
    amount = BudgetZoneForm.base_fields["amount"]
    currency = BudgetZoneForm.base_fields["currency"]


class ProjectReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (BudgetProjectStatus.ELIGIBLE.value, BudgetProjectStatus.ELIGIBLE.label),
            (BudgetProjectStatus.INELIGIBLE.value, BudgetProjectStatus.INELIGIBLE.label),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the project is not eligible; shown publicly."),
    )


class BallotImportForm(forms.Form):
    file = forms.FileField(
        label=_("Pabulib file (.pb)"),
        help_text=_("Approval votes for this zone; project ids are the projects' numbers."),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PB_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from error
