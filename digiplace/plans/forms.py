"""Public forms of the plans module: the project list's filters and the "join" form."""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from digiplace.core.facets import counted_choices

from .models import Pillar, ProjectKind, Status


def _attrs_html(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html, in Python."""
    html = []
    for name, value in attrs.items():
        if value is False:
            continue
        html.append(f" {conditional_escape(name)}")
        if value is not True:
            html.append(f'="{conditional_escape(str(value))}"')
    return "".join(html)


class QuickSelect(forms.Select):
    """Django's Select, with the HTML of its templates (select.html, select_option.html,
    attrs.html) written in Python: the project list renders seven selects of dozens of
    options on every request, which through the templates cost a quarter of the page."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = [
            f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>'
        ]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                html.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                html.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs_html(option['attrs'])}>{conditional_escape(option['label'])}"
                    "</option>\n"
                )
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")  # the renderer strips the template's last newline
        return mark_safe("".join(html))  # noqa: S308 - every part escaped above


def _count_of(counts: dict[str, int], value: str) -> int:
    return counts.get(value, 0)


class ProjectFilterForm(forms.Form):
    """GET filters of the project list; the choices are the values the plan uses."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=forms.SearchInput)
    status = forms.ChoiceField(label=_("Status"), required=False, widget=QuickSelect)
    pillar = forms.ChoiceField(label=_("Pillar"), required=False, widget=QuickSelect)
    funding_programme = forms.ChoiceField(
        label=_("Funding programme"), required=False, widget=QuickSelect
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False, widget=QuickSelect)
    year = forms.TypedChoiceField(
        label=_("Year"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    digital_enabler = forms.ChoiceField(
        label=_("Digital enabler"), required=False, widget=QuickSelect
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=QuickSelect)

    def __init__(
        self,
        *args: Any,
        pillars: list[Pillar],
        pillar_label: str,
        options: dict[str, list[str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        every = ("", _("All"))
        self.fields["q"].widget.attrs["autocomplete"] = "off"
        self.fields["pillar"].label = pillar_label
        choices: dict[str, list[tuple[Any, Any]]] = {
            "status": list(Status.choices),
            "pillar": [(pillar.key, pillar.title) for pillar in pillars],
            "kind": list(ProjectKind.choices),
        }
        for name, option_key in (
            ("funding_programme", "funding_programmes"),
            ("owner", "owners"),
            ("year", "years"),
            ("digital_enabler", "digital_enablers"),
        ):
            choices[name] = [(value, value) for value in options[option_key]]
        for name, values in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [every, *values]

    def filters(self) -> dict[str, Any]:
        """The valid filters as keyword arguments of selectors.project_list; bad ones dropped."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {
            name: cleaned.get(name) or ""
            for name in (
                "status",
                "pillar",
                "funding_programme",
                "owner",
                "digital_enabler",
                "kind",
            )
        }
        values["search"] = (cleaned.get("q") or "").strip()
        values["year"] = cleaned.get("year")
        return values

    def facets_apply(self, counts: dict[str, dict[str, int]]) -> None:
        """Each option says how many projects it would show ("Mobility (12)"); options with
        none are left out, except the one chosen (``selectors.project_facets``' counts)."""
        for name, facet_counts in counts.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = counted_choices(
                cast(list[tuple[Any, Any]], field.choices),
                count=partial(_count_of, facet_counts),
                chosen=str(self.data.get(self.add_prefix(name), "")) if self.is_bound else "",
            )

    def is_filtered(self) -> bool:
        filters = self.filters()
        return any(value not in ("", None) for value in filters.values())


class InterestForm(forms.Form):
    """Ask to join a project's working group; services.interest_create validates again."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    organisation = forms.CharField(
        label=_("Organisation (optional)"), max_length=200, required=False
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,  # the column's size (the standard allows 320)
        help_text=_("Only city staff see your name and email; they answer you by email."),
    )
    motivation = forms.CharField(
        label=_("Why you want to take part"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, autocomplete in (
            ("name", "name"),
            ("organisation", "organization"),
            ("email", "email"),
        ):
            self.fields[name].widget.attrs["autocomplete"] = autocomplete
