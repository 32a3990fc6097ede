"""Forms of the alerts' staff pages: the list's filters and an alert rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from digiplace.core.selectors import department_list

from .models import AlertRule, AlertRuleKind, AlertState
from .selectors import alerts as selectors

if TYPE_CHECKING:
    from digiplace.core.models import Department, Municipality


class AlertFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False)
    rule = forms.TypedChoiceField(label=_("Rule"), required=False, coerce=int, empty_value=None)
    type = forms.ChoiceField(label=_("Entity type"), required=False)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        state, rule, entity_type = self.fields["state"], self.fields["rule"], self.fields["type"]
        assert isinstance(state, forms.ChoiceField) and isinstance(rule, forms.ChoiceField)
        assert isinstance(entity_type, forms.ChoiceField)
        state.choices = [
            ("", _("Any state")),
            ("unresolved", _("Not resolved")),
            *AlertState.choices,
        ]
        rule.choices = [("", _("Any rule"))] + [
            (str(rule.pk), rule.name) for rule in selectors.rule_list(municipality=municipality)
        ]
        entity_type.choices = [("", _("Any type")), *selectors.entity_type_choices()]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "state": data.get("state") or "",
            "rule_id": data.get("rule"),
            "entity_type": data.get("type") or "",
        }


def _split_values(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class AlertRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Condition"),
        choices=AlertRuleKind.choices,
        help_text=_(
            "Above or below: an attribute's value compared with the threshold. Status: the "
            "attribute (status by default) takes one of the status values. No data: nothing "
            "observed for the given hours. Moved: farther than the distance from the place "
            "where the device was installed. Heat loss: a heating substation's supply "
            "temperature minus its return temperature is more than the threshold (°C)."
        ),
    )
    entity_type = forms.ChoiceField(label=_("Entity type"))
    entity_id = forms.CharField(
        label=_("Only this entity (identifier)"),
        required=False,
        max_length=256,
        help_text=_("Leave empty to watch every entity of the type."),
    )
    attribute = forms.CharField(
        label=_("Attribute"),
        required=False,
        max_length=64,
        help_text=_("For above, below and status: the attribute's name, for example fillingLevel."),
    )
    threshold = forms.FloatField(
        label=_("Threshold"),
        required=False,
        help_text=_(
            "For above and below: the value to compare with. For heat loss: the largest "
            "normal difference between supply and return temperature, in °C; a larger "
            "difference opens an alert."
        ),
    )
    status_values = forms.CharField(
        label=_("Status values"),
        required=False,
        help_text=_(
            "For status: the values that open an alert, separated by commas (burning, moved)."
        ),
    )
    hours = forms.IntegerField(label=_("Hours without data"), required=False, min_value=1)
    distance_metres = forms.IntegerField(label=_("Distance (metres)"), required=False, min_value=1)
    duration_minutes = forms.IntegerField(
        label=_("For at least (minutes)"),
        required=False,
        min_value=0,
        max_value=7 * 24 * 60,
        help_text=_("The condition must hold this long before the alert opens (0: at once)."),
    )
    department: forms.ModelChoiceField[Department] = forms.ModelChoiceField(
        label=_("Responsible department"),
        queryset=None,
        required=False,
        help_text=_(
            "Its staff who use urban data are notified; without one, the city's administrators."
        ),
    )
    webhook_url = forms.URLField(
        label=_("Webhook"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text=_(
            "Optional: an address that receives each opened, acknowledged and resolved alert "
            "as JSON (POST)."
        ),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        entity_type = self.fields["entity_type"]
        assert isinstance(entity_type, forms.ChoiceField)
        entity_type.choices = selectors.entity_type_choices()
        department_field = self.fields["department"]
        assert isinstance(department_field, forms.ModelChoiceField)
        department_field.queryset = department_list(municipality=municipality)

    def clean_entity_id(self) -> str:
        entity_id: str = self.cleaned_data.get("entity_id", "").strip()
        if (
            entity_id
            and selectors.entity_find(municipality=self.municipality, entity_id=entity_id) is None
        ):
            raise forms.ValidationError(_("This city has no entity with this identifier."))
        return entity_id

    def rule_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        entity_id = data.get("entity_id") or ""
        return {
            "name": data["name"],
            "kind": data["kind"],
            "entity_type": data["entity_type"],
            "entity": (
                selectors.entity_find(municipality=self.municipality, entity_id=entity_id)
                if entity_id
                else None
            ),
            "attribute": data.get("attribute") or "",
            "threshold": data.get("threshold"),
            "status_values": _split_values(data.get("status_values") or ""),
            "hours": data.get("hours"),
            "distance_metres": data.get("distance_metres"),
            "duration_minutes": data.get("duration_minutes") or 0,
            "department": data.get("department"),
            "webhook_url": data.get("webhook_url") or "",
        }

    @staticmethod
    def initial_from(rule: AlertRule) -> dict[str, Any]:
        return {
            "name": rule.name,
            "kind": rule.kind,
            "entity_type": rule.entity_type,
            "entity_id": rule.entity.entity_id if rule.entity else "",
            "attribute": rule.attribute,
            "threshold": rule.threshold,
            "status_values": ", ".join(str(value) for value in rule.status_values),
            "hours": rule.hours,
            "distance_metres": rule.distance_metres,
            "duration_minutes": rule.duration_minutes,
            "department": rule.department_id,
            "webhook_url": rule.webhook_url,
        }
