"""The open-data pages' forms and the vocabularies' codes in words (EU data themes, update
frequencies, column types), as residents read them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from digiplace.core.datasets import THEME_LABELS, Text

# The EU data-theme vocabulary's labels
# (http://publications.europa.eu/resource/authority/data-theme/).


COLUMN_TYPE_LABELS: dict[str, Text] = {
    "string": _("Text"),
    "integer": _("Whole number"),
    "number": _("Number"),
    "boolean": _("Yes or no"),
    "date": _("Date"),
    "datetime": _("Date and time"),
}

# "Updated within": the filter's codes and their length in days.
UPDATED_DAYS = {"week": 7, "month": 31, "year": 366}
UPDATED_LABELS: dict[str, Text] = {
    "week": _("In the last week"),
    "month": _("In the last month"),
    "year": _("In the last year"),
}

QUERY_MAX_LENGTH = 200


def _everything() -> tuple[str, Text]:
    return ("", pgettext_lazy("filter", "All"))


class DatasetFilterForm(forms.Form):
    """The index's search and filters, read from the query string (GET)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        strip=True,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
        help_text=_("Words in the title, the description or the keywords, in either language."),
    )
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    format = forms.ChoiceField(label=_("Format"), required=False)
    module = forms.ChoiceField(label=_("Source"), required=False)
    updated = forms.ChoiceField(label=_("Updated"), required=False)

    def __init__(
        self,
        *args: Any,
        formats: list[str],
        modules: list[tuple[str, Text]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Each filter's options before they are counted (``options_count``).
        self.options: dict[str, list[tuple[str, Text]]] = {
            "theme": [_everything(), *THEME_LABELS.items()],
            "format": [_everything(), *((code, code) for code in formats)],
            "module": [_everything(), *modules],
            "updated": [
                ("", _("Any time")),
                *UPDATED_LABELS.items(),
            ],
        }
        for name, options in self.options.items():
            self.choice_field(name).choices = options

    def choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def value(self, name: str) -> str:
        """The field's valid value, or "" (an invalid one is ignored, with its error shown)."""
        if not hasattr(self, "cleaned_data"):
            return ""
        return str(self.cleaned_data.get(name) or "")
