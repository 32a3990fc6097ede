"""A city's theme: readable links, charts and markers from its colours; its favicons."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image
from pytest_django import Settings

from digiplace.core import branding
from digiplace.core.branding import (
    SURFACE,
    SURFACE_ALT,
    contrast_ratio,
    darkened_for_contrast,
    theme_for,
)
from digiplace.core.models import Municipality

# Colours a city might pick: dark, mid-tone, light and very light.
SAMPLE_COLOURS = ["#1d4f7a", "#6d1f3b", "#7a1f2b", "#3388ff", "#f2c94c", "#e0b84c", "#ffffff"]


def css_properties(css: str) -> dict[str, str]:
    return dict(re.findall(r"(--[a-z0-9-]+): (#[0-9a-f]{6});", css))


def test_contrast_ratio_of_black_on_white_is_21() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)


def test_darkened_colour_is_unchanged_when_it_already_contrasts() -> None:
    assert darkened_for_contrast("#1d4f7a", minimum=4.5) == "#1d4f7a"


def test_darkened_colour_reaches_the_minimum_with_the_smallest_step() -> None:
    # Given a light brand colour that fails 4.5:1 on white
    assert contrast_ratio("#f2c94c", SURFACE) < 4.5

    # When it is darkened for text
    link = darkened_for_contrast("#f2c94c", minimum=4.5)

    # Then it passes on both page backgrounds, and one step less would not
    assert contrast_ratio(link, SURFACE) >= 4.5
    assert contrast_ratio(link, SURFACE_ALT) >= 4.5
    red, green, blue = (int(link[index : index + 2], 16) for index in (1, 3, 5))
    lighter = "#" + "".join(f"{min(255, round(value * 1.02)):02x}" for value in (red, green, blue))
    assert contrast_ratio(lighter, SURFACE_ALT) < 4.5


@pytest.mark.parametrize("primary", SAMPLE_COLOURS)
@pytest.mark.parametrize("secondary", ["#f2c94c", "#1d4f7a", "#ffffff"])
def test_every_theme_colour_is_readable(primary: str, secondary: str) -> None:
    theme = theme_for(primary, secondary)

    for background in (SURFACE, SURFACE_ALT):
        assert contrast_ratio(theme.link, background) >= 4.5, (primary, background)
        assert contrast_ratio(theme.marker, background) >= 3.0, primary
        for colour in theme.chart_colours:
            assert contrast_ratio(colour, background) >= 3.0, (primary, colour)
    assert contrast_ratio(theme.brand_text, theme.brand) >= 4.5
    assert contrast_ratio(theme.accent_text, theme.accent) >= 4.5
    assert contrast_ratio(theme.marker_text, theme.marker) >= 4.5
    assert len(set(theme.chart_colours)) == len(theme.chart_colours) == 6


def test_theme_keeps_a_dark_brand_colour_as_it_is() -> None:
    theme = theme_for("#6D1F3B", "#E0B84C")

    assert theme.brand == theme.link == theme.marker == theme.chart_colours[0] == "#6d1f3b"
    assert theme.brand_text == "#ffffff"
    assert theme.accent_text == "#000000"
    # The yellow secondary colour is darkened to 3:1 to be a chart series.
    assert theme.chart_colours[1] == darkened_for_contrast("#e0b84c", minimum=3.0)


def test_theme_leaves_out_a_secondary_colour_that_looks_like_the_primary_one() -> None:
    theme = theme_for("#1d4f7a", "#1d4f7b")

    assert theme.chart_colours == ("#1d4f7a", *branding.CHART_EXTRA_COLOURS)


@pytest.mark.django_db
def test_branding_css_sets_link_marker_and_chart_colours(
    botosani: Municipality, timisoara: Municipality, client: Client
) -> None:
    # Given a city whose primary colour is too light for text on white
    botosani.primary_colour = "#f2c94c"
    botosani.save()

    # When each city's stylesheet is asked for
    light = css_properties(
        client.get("/branding.css", HTTP_HOST="botosani.localhost").content.decode()
    )
    maroon = css_properties(
        client.get("/branding.css", HTTP_HOST="timisoara.localhost").content.decode()
    )

    # Then the light city's links are darkened to 4.5:1 and its header text is black
    assert light["--brand"] == "#f2c94c"
    assert light["--brand-text"] == "#000000"
    assert light["--link"] == darkened_for_contrast("#f2c94c", minimum=4.5)
    assert contrast_ratio(light["--link"], SURFACE_ALT) >= 4.5
    # And the maroon city's links, markers and first chart colour are its own maroon
    assert maroon["--link"] == maroon["--marker"] == maroon["--chart-1"] == "#6d1f3b"
    assert sorted(name for name in maroon if name.startswith("--chart-")) == [
        f"--chart-{index}" for index in range(1, 7)
    ]


@pytest.mark.django_db
def test_pages_link_the_city_favicons_with_a_version(
    timisoara: Municipality, client: Client
) -> None:
    page = client.get("/", HTTP_HOST="timisoara.localhost").content.decode()
    version = branding.branding_version(timisoara)

    assert f'<link rel="icon" href="/favicon.svg?v={version}" type="image/svg+xml">' in page
    assert f'<link rel="icon" href="/favicon.ico?v={version}">' in page


@pytest.mark.django_db
def test_branding_version_changes_with_the_colours(timisoara: Municipality) -> None:
    before = branding.branding_version(timisoara)
    timisoara.primary_colour = "#7a1f2b"

    assert branding.branding_version(timisoara) != before


@pytest.mark.django_db
def test_favicon_svg_is_the_city_initial_on_its_colour(
    timisoara: Municipality, client: Client
) -> None:
    version = branding.branding_version(timisoara)

    response = client.get(f"/favicon.svg?v={version}", HTTP_HOST="timisoara.localhost")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "max-age=31536000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    svg = response.content.decode()
    assert 'fill="#6d1f3b"' in svg
    assert 'fill="#ffffff">T</text>' in svg


@pytest.mark.django_db
def test_favicon_without_the_current_version_is_cached_briefly(
    timisoara: Municipality, client: Client
) -> None:
    response = client.get("/favicon.svg?v=stale", HTTP_HOST="timisoara.localhost")

    assert response.status_code == 200
    assert "max-age=3600" in response["Cache-Control"]
    assert "immutable" not in response["Cache-Control"]


@pytest.mark.django_db
def test_favicon_ico_answers_the_browser_request_with_the_city_colour(
    timisoara: Municipality, client: Client
) -> None:
    response = client.get("/favicon.ico", HTTP_HOST="timisoara.localhost")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    assert (48, 48) in icon.info["sizes"]
    # A corner pixel inside the rounded square, well clear of the letter.
    assert icon.convert("RGB").getpixel((6, 24)) == (0x6D, 0x1F, 0x3B)


@pytest.mark.django_db
def test_favicon_on_the_platform_host_is_the_default_one(client: Client) -> None:
    response = client.get("/favicon.ico", HTTP_HOST="127.0.0.1")
    svg = client.get("/favicon.svg", HTTP_HOST="127.0.0.1").content.decode()

    assert response.status_code == 200
    assert f'fill="{branding.DEFAULT_PRIMARY}"' in svg
    assert ">D</text>" in svg


@pytest.mark.django_db
def test_favicon_uses_the_city_logo_when_it_has_one(
    timisoara: Municipality, client: Client, settings: Settings, tmp_path: Path
) -> None:
    # Given a city with a small red PNG logo
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 0, 0)).save(buffer, format="PNG")
    settings.MEDIA_ROOT = str(tmp_path)
    timisoara.logo.save("logo.png", ContentFile(buffer.getvalue()))

    # When the icons are asked for
    svg = client.get("/favicon.svg", HTTP_HOST="timisoara.localhost").content.decode()
    ico = client.get("/favicon.ico", HTTP_HOST="timisoara.localhost").content

    # Then both show the logo
    assert 'href="data:image/png;base64,' in svg
    assert "<text" not in svg
    assert Image.open(io.BytesIO(ico)).convert("RGB").getpixel((24, 24)) == (200, 0, 0)


@pytest.mark.django_db
def test_favicon_refuses_a_post(timisoara: Municipality, client: Client) -> None:
    response = client.post("/favicon.svg", HTTP_HOST="timisoara.localhost")

    assert response.status_code == 405
