"""The fleet forms of the back office: a vehicle's fleet number, type and plate, and, to
register one, its urban-data entity (a new id, or one of the city's vehicles not yet in the
fleet) and whether to issue its device key at once. The service checks them again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digiplace.urbandata.models import Entity

from .selectors.fleet import unregistered_vehicles
from .services.fleet import (
    MAX_LABEL_LENGTH,
    MAX_PLATE_LENGTH,
    VEHICLE_TYPES,
    default_entity_id,
)

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


class FleetVehicleForm(forms.Form):
    label = forms.CharField(
        label=_("Fleet number"),
        max_length=MAX_LABEL_LENGTH,
        help_text=_(
            "The number passengers and staff see, unique in the city's fleet (letters, digits,"
            " dots, hyphens, underscores)."
        ),
    )
    vehicle_type = forms.ChoiceField(label=_("Vehicle type"), choices=VEHICLE_TYPES)
    plate = forms.CharField(
        label=_("Plate"),
        max_length=MAX_PLATE_LENGTH,
        required=False,
        help_text=_("Optional (for example BT 12 ABC)."),
    )


class EntityChoiceField(forms.ModelChoiceField[Entity]):
    def label_from_instance(self, obj: Entity) -> str:
        return f"{obj.entity_id} ({obj.name})" if obj.name else obj.entity_id


class FleetAddForm(FleetVehicleForm):
    entity = EntityChoiceField(
        label=_("Existing vehicle in urban data"),
        queryset=Entity.objects.none(),
        required=False,
        empty_label=_("None: register a new vehicle entity"),
        help_text=_("A vehicle device already registered in urban data, not yet in the fleet."),
    )
    entity_id = forms.CharField(
        label=_("Entity id of a new vehicle"),
        max_length=256,
        required=False,
    )
    issue_key = forms.BooleanField(
        label=_("Issue a device key for the vehicle now"),
        required=False,
        help_text=_("The key is shown once, on the next page; the vehicle's tracker sends it."),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entity_field: Any = self.fields["entity"]
        entity_field.queryset = unregistered_vehicles(municipality=municipality)
        prefix = default_entity_id(municipality=municipality, label="")
        # Help texts are rendered as HTML: the prefix (a slug) holds no markup.
        self.fields["entity_id"].help_text = _(
            "Leave empty for %(prefix)s followed by the fleet number. Ignored when an existing "
            "vehicle is chosen."
        ) % {"prefix": prefix}
        self.fields["entity_id"].widget.attrs["placeholder"] = prefix + "…"
