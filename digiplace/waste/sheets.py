"""Printable route sheets for drivers: one route's stops in order on A4, as a PDF.

Rendered from ``waste/documents/route_sheet.html`` (inline styles, nothing fetched) with
WeasyPrint, in the active language; a tagged PDF (PDF/UA-1) so a screen reader reads it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import PlanRoute, PlanStop


def route_sheet_html(*, route: PlanRoute, stops: Sequence[PlanStop]) -> str:
    plan = route.plan
    with timezone.override(plan.municipality.time_zone):
        return render_to_string(
            "waste/documents/route_sheet.html",
            {
                "route": route,
                "plan": plan,
                "municipality": plan.municipality,
                "stops": stops,
                "km": route.distance_m / 1000,
                "language": translation.get_language(),
                "printed_at": timezone.now(),
            },
        )


def route_sheet_pdf(*, route: PlanRoute, stops: Sequence[PlanStop]) -> bytes:
    import weasyprint  # heavy: loaded only when a sheet is asked for

    pdf = weasyprint.HTML(string=route_sheet_html(route=route, stops=stops)).write_pdf(
        pdf_variant="pdf/ua-1"
    )
    assert pdf is not None
    return bytes(pdf)
