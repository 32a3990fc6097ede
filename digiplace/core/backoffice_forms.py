"""Forms of the back office. They only check input; the writes are in backoffice_services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import modules
from .models import AuditAction, AuditLogEntry, Department, Municipality, StaffRole


def record_type_name(label: str) -> str:
    """The readable name of a model label such as ``core.Department``."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    return str(capfirst(model._meta.verbose_name))


class DepartmentForm(forms.Form):
    name_ro = forms.CharField(label=_("Name in Romanian"), max_length=200)
    name_en = forms.CharField(
        label=_("Name in English"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to show the Romanian name to English readers."),
    )
    email = forms.EmailField(
        label=_("Email"), required=False, help_text=_("Where residents and staff can write.")
    )


class _MembershipFieldsForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    modules = forms.MultipleChoiceField(
        label=_("Modules"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Administrators may use every module."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department_field = self.fields["department"]
        assert isinstance(department_field, forms.ModelChoiceField)
        department_field.queryset = Department.objects.for_municipality(municipality)
        modules_field = self.fields["modules"]
        assert isinstance(modules_field, forms.MultipleChoiceField)
        modules_field.choices = modules.module_choices()


class MembershipCreateForm(_MembershipFieldsForm):
    email = forms.EmailField(
        label=_("Email of the person"),
        help_text=_("The person must have an account on DigiPlace already."),
    )
    field_order = ["email", "role", "department", "modules", "is_active"]


class MembershipUpdateForm(_MembershipFieldsForm):
    pass


class AuditLogFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    target_type = forms.ChoiceField(label=_("Record type"), required=False)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action_field = self.fields["action"]
        assert isinstance(action_field, forms.ChoiceField)
        action_field.choices = [("", _("All actions")), *AuditAction.choices]
        target_types = (
            AuditLogEntry.objects.for_municipality(municipality)
            .order_by("target_type")
            .values_list("target_type", flat=True)
            .distinct()
        )
        target_field = self.fields["target_type"]
        assert isinstance(target_field, forms.ChoiceField)
        target_field.choices = [
            ("", _("All record types")),
            *((target_type, record_type_name(target_type)) for target_type in target_types),
        ]
