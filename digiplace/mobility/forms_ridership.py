"""The validator form of the back office (its stop and vehicle chosen among the city's)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Stop, VehicleState

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


class ValidatorForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=32,
        help_text=_("The code the validator sends with each tap (letters, digits, - and _)."),
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    vehicle: forms.ModelChoiceField[VehicleState] = forms.ModelChoiceField(
        label=_("On board the vehicle"),
        queryset=VehicleState.objects.none(),
        required=False,
        empty_label=_("Not on a vehicle"),
    )
    stop: forms.ModelChoiceField[Stop] = forms.ModelChoiceField(
        label=_("At the stop"),
        queryset=Stop.objects.none(),
        required=False,
        empty_label=_("Not at a fixed stop"),
        help_text=_("For a validator at a stop; one on board takes the vehicle's stop."),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vehicle_field: Any = self.fields["vehicle"]
        vehicle_field.queryset = VehicleState.objects.for_municipality(municipality)
        stop_field: Any = self.fields["stop"]
        stop_field.queryset = Stop.objects.for_municipality(municipality)
