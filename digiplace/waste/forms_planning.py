"""Forms of the planning and rounds pages: a new plan, a stop's problem, depots, trucks and
the city's waste settings. They read and clean input; the services decide and write."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from .models import Depot, Fraction, StopProblem, Truck, WasteSettings
from .selectors import planning as selectors

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class TruckChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(
            _("%(name)s (%(depot)s, %(litres)s litres, %(minutes)s min)")
            % {
                "name": obj.name,
                "depot": obj.depot.name,
                "litres": obj.capacity_litres,
                "minutes": obj.shift_minutes,
            }
        )


class PlanForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput)
    fraction = forms.ChoiceField(label=_("Fraction"), choices=Fraction.choices)
    depot = forms.ModelChoiceField(label=_("Depot"), queryset=Depot.objects.none())
    trucks = TruckChoiceField(
        label=_("Trucks"),
        queryset=Truck.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave all unticked to send every truck in service at the depot."),
    )
    threshold = forms.IntegerField(
        label=_("Collection threshold (%)"),
        min_value=10,
        max_value=100,
        help_text=_("Containers predicted to pass this fill before the next visit are collected."),
    )

    def __init__(
        self, *args: Any, municipality: Municipality, today: datetime.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        depot, trucks = self.fields["depot"], self.fields["trucks"]
        assert isinstance(depot, forms.ModelChoiceField)
        assert isinstance(trucks, forms.ModelMultipleChoiceField)
        depot.queryset = selectors.depot_list(municipality=municipality)
        trucks.queryset = selectors.truck_list(municipality=municipality).filter(is_active=True)
        self.fields["day"].initial = today + datetime.timedelta(days=1)
        first = depot.queryset.first()
        if first is not None:
            depot.initial = first.pk


class StopProblemForm(forms.Form):
    problem = forms.ChoiceField(
        label=_("What is wrong?"), choices=StopProblem.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DepotForm(forms.ModelForm[Depot]):
    class Meta:
        model = Depot
        fields = ("name", "latitude", "longitude")


class TruckForm(forms.ModelForm[Truck]):
    class Meta:
        model = Truck
        fields = ("name", "depot", "capacity_litres", "shift_start", "shift_minutes", "is_active")
        widgets = {"shift_start": TimeInput(format="%H:%M")}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        depot = self.fields["depot"]
        assert isinstance(depot, forms.ModelChoiceField)
        depot.queryset = selectors.depot_list(municipality=municipality)


class WasteSettingsForm(forms.ModelForm[WasteSettings]):
    collection_weekdays = forms.TypedMultipleChoiceField(
        label=_("Collection days"),
        choices=[(str(number), name) for number, name in WEEKDAYS.items()],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The days the trucks go out: a plan looks ahead to the next of them."),
    )

    class Meta:
        model = WasteSettings
        fields = (
            "population",
            "collection_weekdays",
            "threshold",
            "road_factor",
            "speed_kmh",
            "service_seconds",
        )
        help_texts = {
            "threshold": _("From 0.1 to 1: the fill at which a container is due (0.8 is 80 %)."),
            "road_factor": _("Straight-line distance times this factor estimates the road."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["collection_weekdays"] = [
            str(day) for day in (self.instance.collection_weekdays or [])
        ]
