"""Template tags for the shared map and chart components."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import gettext, pgettext

from ..branding import branding_version as _branding_version

register = template.Library()

# The default tile server's attribution (settings.MAP_TILE_ATTRIBUTION), shown translated.
OPENSTREETMAP_LINK = '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
OPENSTREETMAP_ATTRIBUTION = f"&copy; {OPENSTREETMAP_LINK} contributors"


@register.simple_tag
def branding_version(municipality: Any) -> str:
    """The cache key of the city's stylesheet and icons (changes with its colours and logo)."""
    # Templates rendered without the context processors (the 500 page) have "" here.
    return _branding_version(municipality or None)


@register.inclusion_tag("core/components/map.html", takes_context=True)
def map_component(
    context: template.Context,
    map_id: str,
    label: str,
    centre_latitude: float,
    centre_longitude: float,
    zoom: int = 13,
    bounds: Any = None,
    features: dict[str, Any] | None = None,
    caption: str = "",
    has_list: bool = True,
) -> dict[str, Any]:
    """``has_list``: whether the page lists what the map shows (the fallback texts say so)."""
    return {
        "map_id": map_id,
        "features_id": f"{map_id}-features",
        "label": label,
        "centre_latitude": centre_latitude,
        "centre_longitude": centre_longitude,
        "zoom": zoom,
        "bounds": bounds,
        "features": features,
        "caption": caption,
        "has_list": has_list,
        "map_tile_url": context.get("map_tile_url", ""),
        "map_tile_attribution": tile_attribution(str(context.get("map_tile_attribution") or "")),
    }


def tile_attribution(attribution: str) -> str:
    """OpenStreetMap's attribution in the page's language; another provider's as it is."""
    if attribution.strip() != OPENSTREETMAP_ATTRIBUTION:
        return attribution
    # Translators: the map's credit line; %(openstreetmap)s is a link named OpenStreetMap.
    return gettext("© %(openstreetmap)s contributors") % {"openstreetmap": OPENSTREETMAP_LINK}


def chart_data(
    *,
    chart_type: str,
    labels: Sequence[Any],
    datasets: Sequence[dict[str, Any]],
    label_title: str = "",
) -> dict[str, Any]:
    """The dict the chart component takes: Chart.js's data plus rows for the table."""
    rows = [
        (label, [dataset["data"][index] for dataset in datasets])
        for index, label in enumerate(labels)
    ]
    return {
        "type": chart_type,
        "labels": [str(label) for label in labels],
        "datasets": [
            {"label": str(dataset["label"]), "data": list(dataset["data"])} for dataset in datasets
        ],
        "rows": rows,
        "label_title": label_title,
    }


@register.inclusion_tag("core/components/chart.html")
def chart_component(chart_id: str, title: str, chart: dict[str, Any]) -> dict[str, Any]:
    return {"chart_id": chart_id, "data_id": f"{chart_id}-data", "title": title, "chart": chart}


# Places: one way to print where something is, in pages and in emails.


def coordinates_text(latitude: float | None, longitude: float | None) -> str:
    """A localised coordinate pair: "47.75519° N, 26.61585° E" in English, "47,75519° N,
    26,61585° E" in Romanian (S and W, or V in Romanian, for negative values); "" without
    a point."""
    if latitude is None or longitude is None:
        return ""

    def number(value: float) -> str:
        # Rounded half up (number_format cuts the digits beyond the fifth).
        rounded = Decimal(repr(abs(value))).quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)
        return formats.number_format(rounded, 5, use_l10n=True, force_grouping=False)

    north_south = (
        pgettext("compass point", "N") if latitude >= 0 else pgettext("compass point", "S")
    )
    east_west = pgettext("compass point", "E") if longitude >= 0 else pgettext("compass point", "W")
    return f"{number(latitude)}° {north_south}, {number(longitude)}° {east_west}"


def place_text(address: str, latitude: float | None, longitude: float | None) -> str:
    """The street address where there is one, else the localised coordinates."""
    return (address or "").strip() or coordinates_text(latitude, longitude)


@register.filter
def place(value: Any) -> str:
    """``{{ report|place }}``: the address of anything with ``address``, ``latitude`` and
    ``longitude``, else its coordinates."""
    return place_text(
        getattr(value, "address", ""),
        getattr(value, "latitude", None),
        getattr(value, "longitude", None),
    )


@register.filter
def coordinates(value: Any) -> str:
    """``{{ report|coordinates }}``: the localised coordinate pair only."""
    return coordinates_text(getattr(value, "latitude", None), getattr(value, "longitude", None))
