"""Forms of the proposals pages: the public list's filters, a new proposal, a comment, a
flag; and the staff's answer, visibility and conversion forms."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from digiplace.core.links import LinkTarget

from ..models import BudgetZone, Process, ProposalCategory, ProposalStatus
from ..selectors.proposals import SORT_NEWEST, SORT_SUPPORTED, ProposalFilters
from ..services.proposals import MAX_BODY_LENGTH, MAX_COMMENT_LENGTH, MAX_REASON_LENGTH
from ..services.proposals_staff import ANSWER_STATUSES, MAX_ANSWER_LENGTH

EVERYTHING = ("", pgettext_lazy("filter", "All"))


def _choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def _id_or_none(value: str) -> int | None:
    return int(value) if value else None


class ProposalFilterForm(forms.Form):
    process = forms.ChoiceField(label=_("Process"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[(SORT_NEWEST, _("Newest first")), (SORT_SUPPORTED, _("Most supported first"))],
    )

    def __init__(
        self,
        *args: Any,
        processes: Sequence[Process],
        categories: Sequence[ProposalCategory],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "process").choices = [
            EVERYTHING,
            *[(str(process.pk), process.title) for process in processes],
        ]
        _choice_field(self, "category").choices = [
            EVERYTHING,
            *[(str(category.pk), category.name) for category in categories],
        ]
        _choice_field(self, "status").choices = [EVERYTHING, *ProposalStatus.choices]

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(
            self.data.get(name) for name in ("process", "category", "status")
        )

    def search_filters(self, **extra: Any) -> ProposalFilters:
        """The filters read (those with errors left out)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        status = data.get("status") or ""
        return ProposalFilters(
            process_id=_id_or_none(data.get("process") or ""),
            category_id=_id_or_none(data.get("category") or ""),
            statuses=(status,) if status else (),
            sort=data.get("sort") or SORT_NEWEST,
            **extra,
        )


class StaffProposalFilterForm(ProposalFilterForm):
    flagged = forms.BooleanField(label=_("Only with open flags"), required=False)

    def search_filters(self, **extra: Any) -> ProposalFilters:
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return super().search_filters(
            include_hidden=True, flagged_only=bool(data.get("flagged")), **extra
        )


class ProposalForm(forms.Form):
    process = forms.ChoiceField(
        label=_("Process"),
        error_messages={"invalid_choice": _("This process does not take proposals now.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("In a few words: what do you propose?"),
        error_messages={"required": _("Give your proposal a title.")},
    )
    body = forms.CharField(
        label=_("Your proposal"),
        max_length=MAX_BODY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": MAX_BODY_LENGTH}),
        help_text=_("What should change, where, and why. Do not write personal data."),
        error_messages={"required": _("Describe your proposal.")},
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG or WebP. Its location and camera data are removed."),
    )

    def __init__(
        self,
        *args: Any,
        processes: Sequence[Process],
        categories: Sequence[ProposalCategory],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._processes = {str(process.pk): process for process in processes}
        self._categories = {str(category.pk): category for category in categories}
        _choice_field(self, "process").choices = [
            (key, process.title) for key, process in self._processes.items()
        ]
        if len(self._processes) == 1:
            self.fields["process"].widget = forms.HiddenInput()
        _choice_field(self, "category").choices = [
            ("", _("No category")),
            *[(key, category.name) for key, category in self._categories.items()],
        ]

    def chosen_process(self) -> Process | None:
        return self._processes.get(self.cleaned_data.get("process") or "")

    def chosen_category(self) -> ProposalCategory | None:
        return self._categories.get(self.cleaned_data.get("category") or "")


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        error_messages={"required": _("Write your comment.")},
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_COMMENT_LENGTH}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with it?"),
        error_messages={"required": _("Say what is wrong with it.")},
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_REASON_LENGTH}),
    )


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(str(status), status.label) for status in ANSWER_STATUSES],
    )
    answer = forms.CharField(
        label=_("The city's answer"),
        required=False,
        max_length=MAX_ANSWER_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_ANSWER_LENGTH}),
        help_text=_("Public, and sent to the author. Required to reject a proposal."),
    )


class VisibilityForm(forms.Form):
    hide = forms.TypedChoiceField(
        choices=[("1", _("Hide")), ("0", _("Show"))], coerce=lambda value: value == "1"
    )


class PlanProjectForm(forms.Form):
    pillar = forms.ChoiceField(label=_("Pillar of the plan"))

    def __init__(self, *args: Any, pillars: Sequence[LinkTarget], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "pillar").choices = [(pillar.ref, pillar.title) for pillar in pillars]


class BudgetProjectForm(forms.Form):
    budget_zone = forms.ChoiceField(label=_("Budget and zone"))
    cost = forms.DecimalField(
        label=_("Estimated cost"), min_value=Decimal(1), max_digits=14, decimal_places=0
    )

    def __init__(self, *args: Any, zones: Sequence[BudgetZone], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._zones = {str(zone.pk): zone for zone in zones}
        _choice_field(self, "budget_zone").choices = [
            (key, f"{zone.budget.title} — {zone.zone.name} ({zone.amount} {zone.currency})")
            for key, zone in self._zones.items()
        ]

    def chosen_zone(self) -> BudgetZone | None:
        return self._zones.get(self.cleaned_data.get("budget_zone") or "")


class FlagDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("keep", _("Keep")), ("hide", _("Hide"))])
