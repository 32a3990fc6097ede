"""The European Air Quality Index (2024 revision): every band edge of every pollutant, the
worst-pollutant rule, missing pollutants, bad values, colours that read."""

from __future__ import annotations

import math

import pytest
from django.utils import translation

from digiplace.urbandata import eaqi

# The EEA's published table (2024 revision), copied here on purpose: a typo in eaqi.py fails.
PUBLISHED = {
    "pm25": (5, 15, 50, 90, 140),
    "pm10": (15, 45, 120, 195, 270),
    "no2": (10, 25, 60, 100, 150),
    "o3": (60, 100, 120, 160, 180),
    "so2": (20, 40, 125, 190, 275),
}

EDGES = [
    (pollutant, upper, level)
    for pollutant, bounds in PUBLISHED.items()
    for level, upper in enumerate(bounds, start=1)
]


def test_the_bands_are_the_published_table() -> None:
    assert eaqi.UPPER_BOUNDS == PUBLISHED
    assert [band.code for band in eaqi.BANDS] == [
        "good",
        "fair",
        "moderate",
        "poor",
        "very_poor",
        "extremely_poor",
    ]
    assert [band.level for band in eaqi.BANDS] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(("pollutant", "upper", "level"), EDGES)
def test_a_value_on_an_edge_belongs_to_the_lower_band(
    pollutant: str, upper: float, level: int
) -> None:
    assert eaqi.pollutant_level(pollutant, upper) == level


@pytest.mark.parametrize(("pollutant", "upper", "level"), EDGES)
def test_a_value_just_above_an_edge_is_the_next_band(
    pollutant: str, upper: float, level: int
) -> None:
    assert eaqi.pollutant_level(pollutant, upper + 0.01) == level + 1
    assert eaqi.pollutant_level(pollutant, math.nextafter(upper, math.inf)) == level + 1


@pytest.mark.parametrize("pollutant", list(PUBLISHED))
def test_zero_is_good_and_far_above_the_last_edge_is_extremely_poor(pollutant: str) -> None:
    assert eaqi.pollutant_level(pollutant, 0) == 1
    assert eaqi.pollutant_level(pollutant, 5000) == 6


@pytest.mark.parametrize("value", [-0.1, math.nan, math.inf])
def test_an_invalid_concentration_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match="not a valid value"):
        eaqi.pollutant_level("no2", value)


def test_an_unknown_pollutant_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of the index's pollutants"):
        eaqi.pollutant_level("co", 1)


def test_the_index_is_the_worst_pollutants_band() -> None:
    # PM2.5 Fair (12), NO2 Poor (61), O3 Moderate (110): Poor, set by NO2.
    index = eaqi.air_index({"pm25": 12, "no2": 61, "o3": 110})
    assert index is not None
    assert index.level == 4
    assert index.pollutant == "no2"
    assert index.levels == {"pm25": 2, "no2": 4, "o3": 3}
    assert index.band.code == "poor"


def test_a_tie_names_the_first_pollutant_in_the_standard_order() -> None:
    index = eaqi.air_index({"so2": 30, "pm10": 20, "o3": 70})
    assert index is not None
    assert (index.level, index.pollutant) == (2, "pm10")


def test_missing_pollutants_are_left_out() -> None:
    index = eaqi.air_index({"pm25": None, "pm10": 14, "temperature": 35.0})
    assert index is not None
    assert (index.level, index.pollutant, index.levels) == (1, "pm10", {"pm10": 1})


def test_no_pollutant_measured_gives_no_index() -> None:
    assert eaqi.air_index({}) is None
    assert eaqi.air_index({"pm25": None, "relativeHumidity": 0.5}) is None


def test_a_bad_concentration_in_an_hour_is_refused() -> None:
    with pytest.raises(ValueError, match="pm25"):
        eaqi.air_index({"pm25": -3})


def test_band_outside_the_six_levels_is_refused() -> None:
    with pytest.raises(ValueError, match="between 1 and 6"):
        eaqi.band(7)
    with pytest.raises(ValueError, match="between 1 and 6"):
        eaqi.band(0)


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[index : index + 2]) for index in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("band", eaqi.BANDS, ids=lambda band: band.code)
def test_each_bands_text_reads_on_its_colour(band: eaqi.Band) -> None:
    assert _contrast(band.colour, band.text_colour) >= 4.5


def test_no_data_text_reads_on_its_grey() -> None:
    assert _contrast(eaqi.NO_DATA_COLOUR, eaqi.NO_DATA_TEXT_COLOUR) >= 4.5


def test_labels_and_advice_are_translatable() -> None:
    with translation.override("en"):
        assert str(eaqi.band(6).label) == "Extremely poor"
        assert str(eaqi.band(6).advice_sensitive) == "Avoid physical activity outdoors."
    assert all(str(band.advice_general) and str(band.advice_sensitive) for band in eaqi.BANDS)
