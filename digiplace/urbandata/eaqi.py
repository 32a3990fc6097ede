"""The European Air Quality Index (EAQI) of the European Environment Agency, 2024 revision.

Source: EEA, European Air Quality Index, https://airindex.eea.europa.eu/AQI/index.html
("About the index"), revised in 2024 with the method of ETC HE Report 2024/17 (bands aligned
with the 2021 WHO air quality guidelines and the revised Ambient Air Quality Directive
(EU) 2024/2881). Checked against the published table on 2026-11-30.

How the index is computed, as the EEA does it:

- Six levels: Good, Fair, Moderate, Poor, Very poor, Extremely poor.
- Each pollutant's hourly concentration (µg/m³) falls in one band. The 2024 revision uses
  hourly values for every pollutant, PM2.5 and PM10 included: the 24-hour running means the
  index used for particulate matter before 2024 are no longer part of it.
- The station's index is the worst (highest) band among the pollutants it measured in that
  hour; the pollutant that sets it is named. Pollutants not measured are left out; a station
  with none of the five has no index for that hour.
- The published table gives whole numbers (PM2.5 "0–5", "6–15", …). We read each upper
  number as an inclusive bound on a continuous scale, so that values in between are covered:
  5 µg/m³ of PM2.5 is Good, 5.1 is Fair.

Colours are the EEA's; the text colour on each is chosen for a WCAG contrast of at least 4.5
(the tests check it). Health advice follows the EEA's messages for the general population and
for sensitive groups (people with asthma, lung or heart conditions, children, older people).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .types import POLLUTANTS

SOURCE_URL = "https://airindex.eea.europa.eu/AQI/index.html"
REVISION = "EEA European Air Quality Index, 2024 revision (ETC HE Report 2024/17)"

# Inclusive upper bound of levels 1–5 per pollutant, µg/m³, hourly concentrations; above the
# fifth bound is level 6 (Extremely poor).
UPPER_BOUNDS: dict[str, tuple[float, float, float, float, float]] = {
    "pm25": (5, 15, 50, 90, 140),
    "pm10": (15, 45, 120, 195, 270),
    "no2": (10, 25, 60, 100, 150),
    "o3": (60, 100, 120, 160, 180),
    "so2": (20, 40, 125, 190, 275),
}

POLLUTANT_LABELS: dict[str, str | Promise] = {
    "pm25": "PM2.5",
    "pm10": "PM10",
    "no2": "NO₂",
    "o3": "O₃",
    "so2": "SO₂",
}


@dataclass(frozen=True)
class Band:
    level: int
    code: str
    label: str | Promise
    colour: str
    text_colour: str
    advice_general: str | Promise
    advice_sensitive: str | Promise


BANDS: tuple[Band, ...] = (
    Band(
        1,
        "good",
        pgettext_lazy("air quality", "Good"),
        "#50f0e6",
        "#000000",
        _("The air quality is good. Enjoy your usual outdoor activities."),
        _("Enjoy your usual outdoor activities."),
    ),
    Band(
        2,
        "fair",
        pgettext_lazy("air quality", "Fair"),
        "#50ccaa",
        "#000000",
        _("Enjoy your usual outdoor activities."),
        _("Enjoy your usual outdoor activities."),
    ),
    Band(
        3,
        "moderate",
        pgettext_lazy("air quality", "Moderate"),
        "#f0e641",
        "#000000",
        _("Enjoy your usual outdoor activities."),
        _("Consider reducing intense outdoor activities if you have symptoms."),
    ),
    Band(
        4,
        "poor",
        pgettext_lazy("air quality", "Poor"),
        "#ff5050",
        "#000000",
        _(
            "Consider reducing intense outdoor activities if you have symptoms such as sore "
            "eyes, a cough or a sore throat."
        ),
        _("Consider reducing physical activity, especially outdoors and if you have symptoms."),
    ),
    Band(
        5,
        "very_poor",
        pgettext_lazy("air quality", "Very poor"),
        "#960032",
        "#ffffff",
        _("Consider reducing physical activity outdoors."),
        _("Reduce physical activity, especially outdoors and if you have symptoms."),
    ),
    Band(
        6,
        "extremely_poor",
        pgettext_lazy("air quality", "Extremely poor"),
        "#7d2181",
        "#ffffff",
        _("Reduce physical activity outdoors."),
        _("Avoid physical activity outdoors."),
    ),
)

# The grey of a station without a recent index.
NO_DATA_COLOUR = "#6b6b6b"
NO_DATA_TEXT_COLOUR = "#ffffff"


def band(level: int) -> Band:
    """The band of a level, 1 (Good) to 6 (Extremely poor)."""
    if not 1 <= level <= len(BANDS):
        raise ValueError(f"EAQI level {level} is not between 1 and {len(BANDS)}")
    return BANDS[level - 1]


def pollutant_level(pollutant: str, concentration: float) -> int:
    """The level (1–6) of one pollutant's hourly concentration in µg/m³.

    Raises ``ValueError`` for a pollutant the index does not use and for a concentration
    that is negative or not a number.
    """
    bounds = UPPER_BOUNDS.get(pollutant)
    if bounds is None:
        raise ValueError(f"{pollutant!r} is not one of the index's pollutants")
    if math.isnan(concentration) or math.isinf(concentration) or concentration < 0:
        raise ValueError(f"{pollutant} concentration {concentration!r} is not a valid value")
    for level, upper in enumerate(bounds, start=1):
        if concentration <= upper:
            return level
    return len(BANDS)


@dataclass(frozen=True)
class AirIndex:
    """A station's index for one hour: the worst pollutant's band."""

    level: int
    pollutant: str
    levels: dict[str, int] = field(default_factory=dict)

    @property
    def band(self) -> Band:
        return band(self.level)

    @property
    def pollutant_label(self) -> str | Promise:
        return POLLUTANT_LABELS[self.pollutant]


def air_index(concentrations: Mapping[str, float | None]) -> AirIndex | None:
    """The index of one hour's concentrations; None when none of the five was measured.

    Keys other than the five pollutants are ignored; ``None`` means not measured. The
    pollutant named is the one with the worst level (the first in PM2.5, PM10, NO₂, O₃,
    SO₂ order when several share it).
    """
    levels = {
        pollutant: pollutant_level(pollutant, float(value))
        for pollutant in POLLUTANTS
        if (value := concentrations.get(pollutant)) is not None
    }
    if not levels:
        return None
    worst = max(levels.values())
    dominant = next(pollutant for pollutant, level in levels.items() if level == worst)
    return AirIndex(level=worst, pollutant=dominant, levels=levels)
