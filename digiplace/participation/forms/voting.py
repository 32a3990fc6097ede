"""Forms of verified voting: they collect input; services.voting decides what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digiplace.participation.models import BudgetProject, BudgetZone
from digiplace.participation.services.voting import (
    RECEIPT_ALPHABET,
    RECEIPT_LENGTH,
    receipt_normalise,
)
from digiplace.participation.services.voting_staff import CENSUS_MAX_BYTES, VOTING_CODES_MAX_BATCH


class VotingCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Voting code"),
        max_length=40,
        help_text=_("12 letters and digits, as printed on your paper, for example 7KQM-2XWD-HB9R."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "vote-code-input",
            }
        ),
    )


class CensusVoterForm(forms.Form):
    cnp = forms.CharField(
        label=_("Personal numeric code (CNP)"),
        max_length=40,
        help_text=_(
            "The 13 digits on your identity card. It is checked against the census list "
            "and never stored: only a keyed fingerprint of it is kept."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class BallotForm(forms.Form):
    projects = forms.TypedMultipleChoiceField(
        label=_("Projects you approve"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, projects: list[BudgetProject], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["projects"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(project.pk, str(project)) for project in projects]


class ReceiptCheckForm(forms.Form):
    receipt = forms.CharField(
        label=_("Receipt"),
        max_length=40,
        help_text=_("As shown when you voted, for example 4F7K-Q2XM-9B3D."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_receipt(self) -> str:
        receipt = receipt_normalise(self.cleaned_data["receipt"])
        if len(receipt) != RECEIPT_LENGTH or any(
            symbol not in RECEIPT_ALPHABET for symbol in receipt
        ):
            raise forms.ValidationError(
                _("A receipt has 12 letters and digits, printed in three groups of four."),
                code="receipt_format",
            )
        return receipt


# --- Staff -----------------------------------------------------------------------------------


class CensusUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Census list (CSV)"),
        help_text=_(
            "One CNP per line, in a column headed “cnp” (or the first column), and optionally "
            "the zone's short name in a column headed “zone” (or the second). The file "
            "replaces the current list; it is read in memory and never stored."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > CENSUS_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(megabytes)s MB; split it by zone."),
                params={"megabytes": CENSUS_MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload


class _BudgetZoneField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.zone)


class CodeGenerateForm(forms.Form):
    count = forms.IntegerField(
        label=_("Number of codes"), min_value=1, max_value=VOTING_CODES_MAX_BATCH, initial=50
    )
    budget_zone = _BudgetZoneField(
        label=_("Zone"),
        queryset=BudgetZone.objects.none(),
        required=False,
        empty_label=_("Any zone (the voter chooses)"),
        help_text=_("A code for a zone lets its holder vote only in that zone."),
    )

    def __init__(self, *args: Any, budget_zones: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["budget_zone"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = budget_zones
