"""Filter options with counts, shared by the modules' list pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.formats import number_format


def counted_choices(
    choices: Iterable[tuple[Any, Any]], *, count: Callable[[str], int], chosen: str
) -> list[tuple[Any, str]]:
    """Each option with the number of results it would show ("Roads (12)"); options with
    none are left out, except "All" (the empty value) and the option already chosen."""
    options = []
    for value, label in choices:
        number = count(str(value))
        if number or str(value) in ("", chosen):
            options.append((value, f"{label} ({number_format(number, force_grouping=True)})"))
    return options
