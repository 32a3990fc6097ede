"""Forms of the devices back office: the list's filters, registering and editing a device,
naming a new key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .types import ENTITY_TYPES

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from digiplace.core.models import Department


def type_choices(*, blank: str = "") -> list[tuple[str, str]]:
    choices = [(name, f"{spec.label} ({name})") for name, spec in ENTITY_TYPES.items()]
    return [("", blank), *choices] if blank else choices


class DeviceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name or identifier"), required=False, max_length=200)
    type = forms.ChoiceField(label=_("Type"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = type_choices(blank=str(_("All types")))  # type: ignore[attr-defined]


class DeviceForm(forms.Form):
    """Editing a device; registering one adds its type and identifier (``DeviceRegisterForm``)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    department: forms.ModelChoiceField[Department] = forms.ModelChoiceField(
        label=_("Owner department"),
        queryset=None,
        required=False,
        empty_label=_("No department"),
        help_text=_("Its staff are told of the device's alerts."),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        help_text=_("Choose the place on the map, or type it (for example 47.74589)."),
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    is_demo = forms.BooleanField(
        label=_("Demo data (marked as such on every page that shows it)"), required=False
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        # Numbers typed with a comma or a dot, whatever the page's language.
        for name in ("latitude", "longitude"):
            self.fields[name].localize = True
            self.fields[name].widget.is_localized = True
            self.fields[name].widget.attrs["inputmode"] = "decimal"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            self.add_error("latitude", _("Give both the latitude and the longitude, or neither."))
        return cleaned


class DeviceRegisterForm(DeviceForm):
    type_name = forms.ChoiceField(label=_("Type"))
    slug = forms.SlugField(
        label=_("Short identifier"),
        max_length=80,
        help_text=_(
            "Lower-case letters, digits and hyphens; the device's NGSI-LD identifier becomes "
            "urn:ngsi-ld:<type>:<city>-<short identifier>."
        ),
    )

    field_order = ["type_name", "name", "slug", "department", "latitude", "longitude", "is_demo"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type_name"].choices = type_choices()  # type: ignore[attr-defined]
        self.order_fields(self.field_order)


class KeyIssueForm(forms.Form):
    name = forms.CharField(
        label=_("Key name"),
        max_length=200,
        help_text=_("What uses the key: the device, a gateway or an application."),
    )
