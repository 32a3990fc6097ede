"""Forms of the NGO registry: the directory's filters, registration (and the staff's
edit), review, links to the plans module and a request to join a working group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from digiplace.core.links import LinkTarget

from ..identifiers import IdentifierError, cui_parse
from ..models import OrganisationField, OrganisationLinkKind
from ..selectors.organisations import OrganisationFilters

SEARCH_MAX_LENGTH = 100


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name or description"), required=False, max_length=SEARCH_MAX_LENGTH
    )
    field = forms.ChoiceField(label=_("Field of activity"), required=False)

    def __init__(self, *args: Any, counts: Mapping[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counts_apply(counts or {})

    def counts_apply(self, counts: Mapping[str, int]) -> None:
        """Each field of activity with the number of organisations it would show."""
        choices: list[tuple[str, str]] = [("", str(_("All fields")))]
        for code, label in OrganisationField.choices:
            if code in counts:
                choices.append((code, f"{label} ({counts[code]})"))
            else:
                choices.append((code, str(label)))
        self.fields["field"].choices = choices  # type: ignore[attr-defined]

    def filters(self) -> OrganisationFilters:
        """The valid filters (an invalid one is left out; ``errors`` says why)."""
        if not self.is_bound:
            return OrganisationFilters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return OrganisationFilters(
            field=data.get("field", "") or "", text=(data.get("q", "") or "").strip()
        )


class CuiField(forms.CharField):
    """A Romanian fiscal code as typed ("RO 12345678" too); cleans to its digits."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        if not text:
            return text
        try:
            return cui_parse(text).digits
        except IdentifierError as error:
            raise ValidationError(
                error.message, code=error.code, params=error.params or None
            ) from error


class OrganisationForm(forms.Form):
    """Registration by a person, and the staff's edit (the same fields)."""

    name = forms.CharField(label=_("Name of the organisation"), max_length=300)
    cui = CuiField(
        label=_("Fiscal code (CUI)"),
        max_length=20,
        help_text=_("The organisation's CUI (CIF), with or without RO, e.g. RO 12345678."),
    )
    field = forms.ChoiceField(label=_("Field of activity"), choices=OrganisationField.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the organisation does in the city (shown in the public directory)."),
    )
    contact_email = forms.EmailField(
        label=_("Contact email of the organisation"),
        help_text=_(
            "Shown publicly in the directory: use the organisation's own address "
            "(e.g. contact@…), not a person's. Your account's email is never shown."
        ),
    )
    contact_phone = forms.CharField(
        label=_("Contact phone of the organisation"),
        max_length=40,
        required=False,
        help_text=_("Optional; seen by the city's staff only."),
    )
    website = forms.URLField(
        label=_("Website"), required=False, assume_scheme="https", max_length=200
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_email"].widget.attrs["autocomplete"] = "off"
        self.fields["contact_phone"].widget.attrs.update({"type": "tel", "autocomplete": "off"})
        self.fields["website"].widget.attrs["autocomplete"] = "url"


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("verify", _("Verify")), ("reject", _("Do not verify"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the person who registered it"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you do not verify it: say why."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Write why, for the person who registered it."))
        return data


def _target_choices(targets: Sequence[LinkTarget]) -> list[tuple[str, str]]:
    return [(target.ref, target.title) for target in targets]


class LinkForm(forms.Form):
    """Staff link an organisation: one list, grouped by kind (working groups, projects)."""

    target = forms.ChoiceField(label=_("Working group or plan project"))

    def __init__(
        self,
        *args: Any,
        working_groups: Sequence[LinkTarget],
        projects: Sequence[LinkTarget],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._kinds = {target.ref: OrganisationLinkKind.WORKING_GROUP for target in working_groups}
        self._kinds.update({target.ref: OrganisationLinkKind.LOCAL_ACTOR for target in projects})
        choices: list[Any] = [("", str(_("Choose…")))]
        if working_groups:
            choices.append((str(_("Working groups (member)")), _target_choices(working_groups)))
        if projects:
            choices.append((str(_("Plan projects (local actor)")), _target_choices(projects)))
        self.fields["target"].choices = choices  # type: ignore[attr-defined]

    def link_kind(self) -> str:
        return str(self._kinds[self.cleaned_data["target"]])


class JoinRequestForm(forms.Form):
    target = forms.ChoiceField(label=_("Working group"))
    message = forms.CharField(
        label=_("Message to the city (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the organisation would bring to the group."),
    )

    def __init__(self, *args: Any, working_groups: Sequence[LinkTarget], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [  # type: ignore[attr-defined]
            ("", str(_("Choose…"))),
            *_target_choices(working_groups),
        ]
