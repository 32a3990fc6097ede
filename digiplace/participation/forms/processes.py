"""Forms of the processes component: the public list's filters, and the staff's process
(with its phases) and zone forms. Texts the city writes are typed in Romanian and English.
The rules that need the database (a slug used twice, a zone of another city) are the
services'."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from digiplace.core.links import LinkTarget

from ..models import ProcessScope, Zone
from ..selectors.processes import PROCESS_STATES

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
LANGUAGES = ("ro", "en")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# --- Public ---------------------------------------------------------------------------------


STATE_LABELS = {
    "open": _("Under way"),
    "upcoming": _("Coming soon"),
    "finished": _("Finished"),
}


class ProcessFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("When"),
        required=False,
        error_messages={"invalid_choice": _("Choose under way, coming soon or finished.")},
    )
    scope = forms.ChoiceField(
        label=_("Where"),
        required=False,
        error_messages={"invalid_choice": _("Choose the whole city or one of its districts.")},
    )

    def __init__(self, *args: Any, zones: Sequence[Zone], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        state = self.fields["state"]
        assert isinstance(state, forms.ChoiceField)
        state.choices = [("", _("Any time")), *[(key, STATE_LABELS[key]) for key in PROCESS_STATES]]
        scope = self.fields["scope"]
        assert isinstance(scope, forms.ChoiceField)
        scope.choices = [
            ("", _("Anywhere")),
            (ProcessScope.CITY.value, _("The whole city")),
            *[(zone.slug, zone.name) for zone in zones],
        ]

    def filters(self) -> dict[str, str]:
        """The valid filters (an invalid one is left out and shown as an error)."""
        if not self.is_bound:
            return {"state": "", "scope": ""}
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {"state": cleaned.get("state") or "", "scope": cleaned.get("scope") or ""}


# --- Staff: processes -----------------------------------------------------------------------


class ProcessForm(forms.Form):
    slug = forms.SlugField(
        label=_("Short name in the address"),
        max_length=80,
        help_text=_("Letters, digits and hyphens, for example buget-participativ-2026."),
    )
    title_ro = forms.CharField(label=_("Title (Romanian)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    summary_ro = forms.CharField(label=_("Summary (Romanian)"), max_length=500, required=False)
    summary_en = forms.CharField(label=_("Summary (English)"), max_length=500, required=False)
    description_ro = forms.CharField(
        label=_("Description (Romanian)"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=ProcessScope.choices)
    zone = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=Zone.objects.none(),
        required=False,
        help_text=_("Only for a neighbourhood process."),
    )
    plan_project_ref = forms.ChoiceField(
        label=_("Plan project it serves"),
        required=False,
        error_messages={"invalid_choice": _("Choose a project of the city's plan.")},
    )
    proposals_enabled = forms.BooleanField(label=_("Takes proposals"), required=False)
    proposals_open_from = forms.DateTimeField(
        label=_("Proposals open from"),
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT],
        required=False,
    )
    proposals_open_until = forms.DateTimeField(
        label=_("Proposals open until"),
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT],
        required=False,
    )
    is_published = forms.BooleanField(label=_("Published"), required=False)

    def __init__(
        self,
        *args: Any,
        zones: Sequence[Zone],
        plan_projects: Sequence[LinkTarget],
        current_ref: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        zone = self.fields["zone"]
        assert isinstance(zone, forms.ModelChoiceField)
        zone.queryset = Zone.objects.filter(pk__in=[item.pk for item in zones])
        choices = [("", _("None"))] + [(target.ref, target.title) for target in plan_projects]
        if current_ref and current_ref not in {target.ref for target in plan_projects}:
            # A link to a project that is gone stays until staff change it.
            choices.append(
                (current_ref, _("A project no longer in the plan (%(ref)s)") % {"ref": current_ref})
            )
        plan = self.fields["plan_project_ref"]
        assert isinstance(plan, forms.ChoiceField)
        plan.choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("scope") == ProcessScope.ZONE and not cleaned.get("zone"):
            self.add_error("zone", _("Choose the neighbourhood of the process."))
        if cleaned.get("scope") == ProcessScope.CITY:
            cleaned["zone"] = None
        opens, closes = cleaned.get("proposals_open_from"), cleaned.get("proposals_open_until")
        if opens and closes and opens >= closes:
            self.add_error("proposals_open_until", _("Proposals must close after they open."))
        return cleaned


class PhaseForm(forms.Form):
    title_ro = forms.CharField(label=_("Phase (Romanian)"), max_length=200)
    title_en = forms.CharField(label=_("Phase (English)"), max_length=200, required=False)
    description_ro = forms.CharField(
        label=_("What happens (Romanian)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    description_en = forms.CharField(
        label=_("What happens (English)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    starts_on = forms.DateField(label=_("Starts"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends"), widget=DateInput())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and starts > ends:
            self.add_error("ends_on", _("A phase ends on or after the day it starts."))
        return cleaned


class BasePhaseFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        ordered = sorted(rows, key=lambda row: row["starts_on"])
        for before, after in itertools.pairwise(ordered):
            if after["starts_on"] <= before["ends_on"]:
                raise ValidationError(
                    _("Phases may not overlap: “%(first)s” ends after “%(second)s” starts.")
                    % {"first": before["title_ro"], "second": after["title_ro"]}
                )


PhaseFormSet = forms.formset_factory(
    PhaseForm, formset=BasePhaseFormSet, extra=1, can_delete=True, max_num=20, validate_max=True
)


def phase_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:  # type: ignore[type-arg]
    """The phases the staff kept, in date order (their position)."""
    rows = [
        {key: value for key, value in form.cleaned_data.items() if key != "DELETE"}
        for form in formset.forms
        if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]
    return sorted(rows, key=lambda row: row["starts_on"])


# --- Staff: zones ---------------------------------------------------------------------------


class ZoneForm(forms.Form):
    slug = forms.SlugField(
        label=_("Short name in the address"),
        max_length=80,
        help_text=_("Letters, digits and hyphens, for example zona-1."),
    )
    name_ro = forms.CharField(label=_("Name (Romanian)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    position = forms.IntegerField(label=_("Position in lists"), min_value=0, initial=0)
    geometry = forms.CharField(
        label=_("Area (GeoJSON)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "Optional: a GeoJSON Polygon or MultiPolygon (or a Feature holding one), "
            "longitude before latitude."
        ),
    )

    def clean_geometry(self) -> dict[str, Any] | None:
        text = (self.cleaned_data.get("geometry") or "").strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError as error:
            raise ValidationError(_("The area is not valid GeoJSON (JSON text).")) from error
        return geometry_check(value)


def _ring_check(ring: Any) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationError(_("Each ring of the area needs at least four positions."))
    for position in ring:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(isinstance(value, int | float) for value in position[:2])
        ):
            raise ValidationError(_("Each position is [longitude, latitude]."))
        longitude, latitude = position[0], position[1]
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            raise ValidationError(
                _("A position is outside the world's coordinates (longitude, latitude).")
            )
    if ring[0] != ring[-1]:
        raise ValidationError(_("Each ring of the area ends where it starts."))


def geometry_check(value: Any) -> dict[str, Any]:
    """A GeoJSON Polygon or MultiPolygon (a Feature's geometry is taken out of it)."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationError(_("The area must be a GeoJSON Polygon or MultiPolygon."))
    coordinates = value.get("coordinates")
    polygons = [coordinates] if value["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise ValidationError(_("The area has no coordinates."))
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValidationError(_("The area has no coordinates."))
        for ring in polygon:
            _ring_check(ring)
    return {"type": value["type"], "coordinates": coordinates}
