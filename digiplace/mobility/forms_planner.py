"""The journey planner's form (GET, so that a journey's address can be shared): from and
to as a stop (chosen from the list) or a point (``latitude, longitude``), a date and time,
and whether the time is the departure or the latest arrival."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors.planner import StopChoice

DEPART = "depart"
ARRIVE = "arrive"
_POINT = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,;]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class PlaceInput:
    """A place the form read: a stop's GTFS id, or a point."""

    stop_id: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @property
    def is_stop(self) -> bool:
        return bool(self.stop_id)


class PlannerForm(forms.Form):
    origin = forms.CharField(
        label=_("From"),
        max_length=200,
        help_text=_("A stop from the list, or a point as latitude, longitude (or click the map)."),
        widget=forms.TextInput(attrs={"list": "plan-stops", "autocomplete": "off"}),
    )
    destination = forms.CharField(
        label=_("To"),
        max_length=200,
        help_text=_("A stop from the list, or a point as latitude, longitude (or click the map)."),
        widget=forms.TextInput(attrs={"list": "plan-stops", "autocomplete": "off"}),
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    when = forms.ChoiceField(
        label=_("The time is"),
        choices=((DEPART, _("when I leave")), (ARRIVE, _("when I must arrive"))),
        initial=DEPART,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, stops: list[StopChoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._by_label = {stop.label.casefold(): stop for stop in stops}
        self._by_id = {stop.gtfs_id.casefold(): stop for stop in stops}
        by_name: dict[str, list[StopChoice]] = {}
        for stop in stops:
            by_name.setdefault(stop.name.casefold(), []).append(stop)
        self._by_name = by_name

    def _place(self, field: str) -> PlaceInput:
        text = self.cleaned_data[field].strip()
        point = _POINT.match(text)
        if point:
            latitude, longitude = float(point.group(1)), float(point.group(2))
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise forms.ValidationError(
                    _("A point is a latitude (-90 to 90) and a longitude (-180 to 180)."),
                    code="point",
                )
            return PlaceInput(latitude=latitude, longitude=longitude)
        key = text.casefold()
        stop = self._by_label.get(key) or self._by_id.get(key)
        if stop is None:
            named = self._by_name.get(key, [])
            if len(named) == 1:
                stop = named[0]
            elif named:
                raise forms.ValidationError(
                    _("Several stops have this name; choose one from the list."), code="ambiguous"
                )
        if stop is None:
            raise forms.ValidationError(
                _(
                    "There is no stop called “%(name)s”; choose one from the list or give a point "
                    "as latitude, longitude."
                ),
                code="unknown",
                params={"name": text},
            )
        return PlaceInput(stop_id=stop.gtfs_id)

    def clean_origin(self) -> PlaceInput:
        return self._place("origin")

    def clean_destination(self) -> PlaceInput:
        return self._place("destination")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        origin, destination = cleaned.get("origin"), cleaned.get("destination")
        if origin is not None and origin == destination:
            raise forms.ValidationError(
                _("The start and the destination are the same place."), code="same"
            )
        return cleaned
