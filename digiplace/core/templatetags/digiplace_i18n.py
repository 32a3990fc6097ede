"""Template side of core.i18n: `{% quarter report.year report.quarter %}` ("Q4 2026", "T4 2026")."""

from __future__ import annotations

from django import template

from digiplace.core.i18n import quarter_label

register = template.Library()


@register.simple_tag
def quarter(year: int, quarter: int) -> str:
    """ "Q4 2026" / "T4 2026"; `{% quarter year quarter as label %}` keeps it for a sentence."""
    return quarter_label(year=int(year), quarter=int(quarter))
