"""The staff form of a service alert: its title and description in each language, cause and
effect, when it is in force, and the lines and stops it affects (the city's only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AlertCause, AlertEffect, Route, ServiceAlert, Stop
from .selectors import departures_alerts as selectors
from .services.alerts import LANGUAGES, AlertFields

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _moment_field(label: Any, required: bool, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class ServiceAlertForm(forms.Form):
    header_ro = forms.CharField(label=_("Title in Romanian"), max_length=200, required=False)
    header_en = forms.CharField(label=_("Title in English"), max_length=200, required=False)
    description_ro = forms.CharField(
        label=_("Description in Romanian"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    description_en = forms.CharField(
        label=_("Description in English"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    cause = forms.ChoiceField(label=_("Cause"), choices=AlertCause.choices)
    effect = forms.ChoiceField(label=_("Effect"), choices=AlertEffect.choices)
    active_from = _moment_field(_("In force from"), True)
    active_until = _moment_field(
        _("In force until"), False, _("Leave empty while the end is not known.")
    )
    url = forms.URLField(
        label=_("Page with more information"), required=False, max_length=500, assume_scheme="https"
    )
    routes: forms.ModelMultipleChoiceField[Route] = forms.ModelMultipleChoiceField(
        label=_("Lines affected"),
        queryset=Route.objects.none(),
        required=False,
        help_text=_("None chosen, and no stop either: the alert is for the whole network."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    stops: forms.ModelMultipleChoiceField[Stop] = forms.ModelMultipleChoiceField(
        label=_("Stops affected"),
        queryset=Stop.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        routes, stops = self.fields["routes"], self.fields["stops"]
        assert isinstance(routes, forms.ModelMultipleChoiceField)
        assert isinstance(stops, forms.ModelMultipleChoiceField)
        routes.queryset = selectors.route_choices(municipality=municipality)
        stops.queryset = selectors.stop_choices(municipality=municipality)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any((data.get(f"header_{language}") or "").strip() for language in LANGUAGES):
            self.add_error(f"header_{LANGUAGES[0]}", _("Write the title in at least one language."))
        start, end = data.get("active_from"), data.get("active_until")
        if start is not None and end is not None and end <= start:
            self.add_error("active_until", _("The end must be after the start."))
        return data

    def alert_fields(self) -> AlertFields:
        data = self.cleaned_data
        return AlertFields(
            headers={language: data.get(f"header_{language}") or "" for language in LANGUAGES},
            descriptions={
                language: data.get(f"description_{language}") or "" for language in LANGUAGES
            },
            url=data.get("url") or "",
            cause=data["cause"],
            effect=data["effect"],
            active_from=data["active_from"],
            active_until=data.get("active_until"),
            routes=list(data.get("routes") or []),
            stops=list(data.get("stops") or []),
        )

    @staticmethod
    def initial_from(alert: ServiceAlert) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "cause": alert.cause,
            "effect": alert.effect,
            "active_from": alert.active_from,
            "active_until": alert.active_until,
            "url": alert.url,
            "routes": list(alert.routes.all()),
            "stops": list(alert.stops.all()),
        }
        for language in LANGUAGES:
            initial[f"header_{language}"] = getattr(alert, f"header_{language}", "") or ""
            initial[f"description_{language}"] = getattr(alert, f"description_{language}", "") or ""
        return initial
