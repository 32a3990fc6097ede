"""Forms of the network's staff pages."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .gtfs.fields import format_time, is_colour, parse_time
from .models import Route, Service, ServiceException, Stop, StopTime
from .models.network import RouteType


class GtfsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("GTFS feed (zip)"),
        help_text=_("The whole network: it replaces the current one once checked."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )


class StopForm(forms.ModelForm[Stop]):
    latitude = forms.FloatField(
        label=_("Latitude"), min_value=-90, max_value=90, help_text=_("Or click the map.")
    )
    longitude = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)

    class Meta:
        model = Stop
        fields = (
            "gtfs_id",
            "code",
            "name",
            "description",
            "latitude",
            "longitude",
            "wheelchair_boarding",
        )
        widgets = {
            "wheelchair_boarding": forms.Select(
                choices=[
                    (0, _("no information")),
                    (1, _("accessible")),
                    (2, _("not accessible")),
                ]
            )
        }

    def stop_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def validate_unique(self) -> None:
        # The service checks the id within the city (the form does not know the city).
        return None


def _colour(value: str) -> str:
    value = value.strip().lstrip("#").upper()
    if value and not is_colour(value):
        raise ValidationError(gettext("Six hexadecimal digits, like 1B5E20."))
    return value


class RouteForm(forms.ModelForm[Route]):
    route_type = forms.TypedChoiceField(label=_("Mode"), choices=RouteType.choices, coerce=int)
    # Seven characters: people often type the "#" of CSS colours.
    color = forms.CharField(
        label=_("Colour"), max_length=7, required=False, help_text=_("Like 1B5E20.")
    )
    text_color = forms.CharField(
        label=_("Text colour"), max_length=7, required=False, help_text=_("Like FFFFFF.")
    )
    url = forms.URLField(label=_("Web page"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Route
        fields = (
            "short_name",
            "long_name",
            "description",
            "route_type",
            "color",
            "text_color",
            "url",
        )

    def clean_color(self) -> str:
        return _colour(self.cleaned_data["color"])

    def clean_text_color(self) -> str:
        return _colour(self.cleaned_data["text_color"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("short_name") and not cleaned.get("long_name"):
            raise ValidationError(gettext("Give the line a number or a name."))
        return cleaned

    def route_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ServiceForm(forms.ModelForm[Service]):
    start_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Service
        fields = (
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "start_date",
            "end_date",
        )

    added = forms.CharField(
        label=_("Extra days it runs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One date per line (YYYY-MM-DD), such as a Sunday before a holiday."),
    )
    removed = forms.CharField(
        label=_("Days it does not run"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One date per line (YYYY-MM-DD), such as a public holiday."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk:
            days: dict[int, list[str]] = {1: [], 2: []}
            for exception in self.instance.exceptions.order_by("date"):
                days[exception.exception_type].append(exception.date.isoformat())
            self.initial["added"] = "\n".join(days[1])
            self.initial["removed"] = "\n".join(days[2])

    @staticmethod
    def _dates(text: str) -> list[datetime.date]:
        dates = []
        for line in text.split():
            try:
                dates.append(datetime.date.fromisoformat(line.strip()))
            except ValueError:
                raise forms.ValidationError(
                    _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": line.strip()}
                ) from None
        return sorted(set(dates))

    def clean_added(self) -> list[datetime.date]:
        return self._dates(self.cleaned_data["added"])

    def clean_removed(self) -> list[datetime.date]:
        return self._dates(self.cleaned_data["removed"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        both = set(data.get("added") or []) & set(data.get("removed") or [])
        if both:
            self.add_error(
                "removed",
                _("A day cannot be both added and removed: %(days)s.")
                % {"days": ", ".join(day.isoformat() for day in sorted(both))},
            )
        return data

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def service_exceptions(self) -> dict[datetime.date, int]:
        """calendar_dates.txt's rows: 1 the service is added that day, 2 removed."""
        return {
            **dict.fromkeys(self.cleaned_data["added"], ServiceException.Kind.ADDED),
            **dict.fromkeys(self.cleaned_data["removed"], ServiceException.Kind.REMOVED),
        }


class TripCopyForm(forms.Form):
    offset_minutes = forms.IntegerField(
        label=_("Minutes later (negative: earlier)"), min_value=-1440, max_value=1440
    )
    gtfs_id = forms.CharField(
        label=_("Trip id of the copy"),
        max_length=128,
        required=False,
        help_text=_("Leave empty for one made from the original's id and the new time."),
    )


class _TimeField(forms.CharField):
    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        if text.count(":") == 1:
            text += ":00"
        try:
            return parse_time(text)
        except ValueError:
            raise ValidationError(
                gettext("Write the time as HH:MM or HH:MM:SS (past midnight: 24:10).")
            ) from None


class TripTimesForm(forms.Form):
    """An arrival and a departure field for each stop time of the trip."""

    def __init__(self, *args: Any, stop_times: list[StopTime], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stop_times = stop_times
        for row in stop_times:
            name = row.stop.name or row.stop.gtfs_id
            for kind, label, value in (
                ("arrival", gettext("Arrival at %(stop)s"), row.arrival),
                ("departure", gettext("Departure from %(stop)s"), row.departure),
            ):
                self.fields[f"{kind}_{row.sequence}"] = _TimeField(
                    label=label % {"stop": name},
                    required=False,
                    initial="" if value is None else format_time(value),
                    widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 8}),
                )

    def rows(self) -> list[tuple[StopTime, forms.BoundField, forms.BoundField]]:
        return [
            (row, self[f"arrival_{row.sequence}"], self[f"departure_{row.sequence}"])
            for row in self.stop_times
        ]

    def times(self) -> list[tuple[int, int | None, int | None]]:
        return [
            (
                row.sequence,
                self.cleaned_data[f"arrival_{row.sequence}"],
                self.cleaned_data[f"departure_{row.sequence}"],
            )
            for row in self.stop_times
        ]
