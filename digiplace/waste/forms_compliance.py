"""Forms of the sorting-compliance staff pages and the local police's cases."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .compliance import FOOTAGE_MAX_LENGTH, ObservationKind
from .models import CameraSite, Campaign, CaseStatus, CollectionPoint, EnforcementCase
from .selectors import compliance as selectors

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# A camera-analytics export larger than this is split by whoever exports it.
MAX_IMPORT_BYTES = 2 * 1024 * 1024


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class CameraSiteForm(forms.Form):
    point: forms.ModelChoiceField[CollectionPoint] = forms.ModelChoiceField(
        label=_("Collection point"), queryset=CollectionPoint.objects.none()
    )
    camera_started_on = forms.DateField(
        label=_("Camera started on"),
        widget=_DateInput(),
        help_text=_("Observations before this day count as “before the camera” in the report."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the staff: where the camera looks, who runs it. Nothing about people."),
    )

    def __init__(
        self, *args: Any, municipality: Municipality, site: CameraSite | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        point = self.fields["point"]
        assert isinstance(point, forms.ModelChoiceField)
        point.queryset = selectors.point_choices_for_site(municipality=municipality, site=site)

    def site_fields(self) -> dict[str, Any]:
        return {
            "point": self.cleaned_data["point"],
            "camera_started_on": self.cleaned_data["camera_started_on"],
            "notes": self.cleaned_data.get("notes") or "",
        }

    @staticmethod
    def initial_from(site: CameraSite) -> dict[str, Any]:
        return {
            "point": site.point_id,
            "camera_started_on": site.camera_started_on,
            "notes": site.notes,
        }


class ObservationForm(forms.Form):
    observed_at = forms.DateTimeField(
        label=_("Seen at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=_("Local time; not in the future."),
    )
    kind = forms.ChoiceField(
        label=_("What was seen"),
        choices=[(kind.value, kind.label) for kind in ObservationKind],
    )
    count = forms.IntegerField(
        label=_("How many times"),
        min_value=1,
        max_value=10_000,
        initial=1,
    )
    footage_ref = forms.CharField(
        label=_("Footage reference (optional)"),
        required=False,
        max_length=FOOTAGE_MAX_LENGTH,
        help_text=_(
            "The recorder's clip number or address, so that the footage can be found where the "
            "camera operator keeps it. Only a reference: no images of people are stored here."
        ),
    )

    @staticmethod
    def initial_now() -> dict[str, Any]:
        now = timezone.localtime().replace(second=0, microsecond=0)
        return {"observed_at": now.replace(tzinfo=None), "count": 1}

    def observation_fields(self) -> dict[str, Any]:
        observed_at: datetime.datetime = self.cleaned_data["observed_at"]
        return {
            "observed_at": observed_at,
            "kind": self.cleaned_data["kind"],
            "count": self.cleaned_data["count"],
            "footage_ref": self.cleaned_data.get("footage_ref") or "",
        }


class ObservationsImportForm(forms.Form):
    file = forms.FileField(
        label=_("Camera-analytics export (CSV)"),
        help_text=_("UTF-8 CSV, at most 2 MB; the columns are described below."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB: export fewer days."))
        data: bytes = upload.read()
        return data


class ObservationsImportConfirmForm(forms.Form):
    """The previewed file's text, sent back to import it (read and checked again)."""

    content = forms.CharField(widget=forms.HiddenInput, strip=False, max_length=MAX_IMPORT_BYTES)


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the public compliance report."),
    )
    neighbourhood = forms.CharField(label=_("Neighbourhood"), required=False, max_length=100)
    starts_on = forms.DateField(label=_("Starts on"), widget=_DateInput())
    ends_on = forms.DateField(label=_("Ends on"), widget=_DateInput())
    points: forms.ModelMultipleChoiceField[CollectionPoint] = forms.ModelMultipleChoiceField(
        label=_("Collection points"),
        queryset=CollectionPoint.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_(
            "The points the campaign reaches. Leave empty to take every point of the neighbourhood."
        ),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        points = self.fields["points"]
        assert isinstance(points, forms.ModelMultipleChoiceField)
        points.queryset = selectors.point_list(municipality=municipality)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("A campaign cannot end before it starts."))
        return data

    def campaign_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "description": data.get("description") or "",
            "neighbourhood": (data.get("neighbourhood") or "").strip(),
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "points": list(data.get("points") or []),
        }

    @staticmethod
    def initial_from(campaign: Campaign) -> dict[str, Any]:
        return {
            "name": campaign.name,
            "description": campaign.description,
            "neighbourhood": campaign.neighbourhood,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "points": [point.pk for point in campaign.points.all()],
        }


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *CaseStatus.choices],
    )

    def status_filter(self) -> str:
        if self.is_bound and self.is_valid():
            return str(self.cleaned_data.get("status") or "")
        return ""


class CaseForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)
    fine_issued = forms.BooleanField(label=_("A fine was issued"), required=False)
    fine_amount_lei = forms.DecimalField(
        label=_("Fine (lei)"),
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=2,
        help_text=_("Only when a fine was issued."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was done, by whom in the service; no images."),
    )

    def case_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "status": data["status"],
            "fine_issued": bool(data.get("fine_issued")),
            "fine_amount_lei": data.get("fine_amount_lei"),
            "notes": data.get("notes") or "",
        }

    @staticmethod
    def initial_from(case: EnforcementCase) -> dict[str, Any]:
        return {
            "status": case.status,
            "fine_issued": case.fine_issued,
            "fine_amount_lei": case.fine_amount_lei,
            "notes": case.notes,
        }
