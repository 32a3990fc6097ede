"""A city's colours turned into a readable theme (WCAG 2.1 contrast) and its favicon."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from .models import Municipality

WHITE = "#ffffff"
BLACK = "#000000"
# The page's plain and alternate backgrounds (digiplace.css --surface and --surface-alt).
SURFACE = WHITE
SURFACE_ALT = "#f3f5f7"
DEFAULT_PRIMARY = "#1f4e79"
DEFAULT_SECONDARY = "#f2c94c"
# WCAG 2.1: 4.5:1 for text (1.4.3), 3:1 for graphics such as bars and markers (1.4.11).
TEXT_CONTRAST = 4.5
GRAPHIC_CONTRAST = 3.0
# After the city's two colours, charts take these (each at least 3:1 on white, and
# told apart by hue, not only by lightness).
CHART_EXTRA_COLOURS = ("#b3541e", "#2e7d32", "#6a1b9a", "#00838f", "#5c6670")
LOGO_EMBED_MAX_BYTES = 200_000
LOGO_MIME_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


def _channel(value: int) -> float:
    scaled = value / 255
    return scaled / 12.92 if scaled <= 0.03928 else ((scaled + 0.055) / 1.055) ** 2.4


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    red, green, blue = (int(hex_colour[index : index + 2], 16) for index in (1, 3, 5))
    return red, green, blue


def _hex(red: float, green: float, blue: float) -> str:
    return "#" + "".join(f"{round(max(0, min(255, value))):02x}" for value in (red, green, blue))


def relative_luminance(hex_colour: str) -> float:
    red, green, blue = _rgb(hex_colour)
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_text_colour(background: str) -> str:
    """White or black, whichever contrasts more with ``background`` (always at least 4.58:1)."""
    return (
        WHITE if contrast_ratio(background, WHITE) >= contrast_ratio(background, BLACK) else BLACK
    )


def darkened_for_contrast(
    colour: str, *, backgrounds: tuple[str, ...] = (SURFACE, SURFACE_ALT), minimum: float
) -> str:
    """``colour`` itself if it reaches ``minimum`` on every background, else the first shade
    towards black that does (black reaches 15:1 on these backgrounds, so one always does)."""
    red, green, blue = _rgb(colour.lower())
    for step in range(101):
        keep = 1 - step / 100
        candidate = _hex(red * keep, green * keep, blue * keep)
        if all(contrast_ratio(candidate, background) >= minimum for background in backgrounds):
            return candidate
    return BLACK


@dataclass(frozen=True)
class Theme:
    """The custom properties /branding.css sets for a city."""

    brand: str
    brand_text: str
    accent: str
    accent_text: str
    link: str
    marker: str
    marker_text: str
    chart_colours: tuple[str, ...]

    def css(self) -> str:
        properties = {
            "--brand": self.brand,
            "--brand-text": self.brand_text,
            "--accent": self.accent,
            "--accent-text": self.accent_text,
            "--link": self.link,
            "--marker": self.marker,
            "--marker-text": self.marker_text,
            **{f"--chart-{index}": colour for index, colour in enumerate(self.chart_colours, 1)},
        }
        return (
            ":root {" + "".join(f" {name}: {value};" for name, value in properties.items()) + " }\n"
        )


def theme_for(primary: str, secondary: str) -> Theme:
    primary, secondary = primary.lower(), secondary.lower()
    graphic_primary = darkened_for_contrast(primary, minimum=GRAPHIC_CONTRAST)
    graphic_secondary = darkened_for_contrast(secondary, minimum=GRAPHIC_CONTRAST)
    chart_colours = [graphic_primary]
    # A secondary colour too close to the primary one would make two series look alike.
    if contrast_ratio(graphic_secondary, graphic_primary) >= 1.5:
        chart_colours.append(graphic_secondary)
    chart_colours.extend(CHART_EXTRA_COLOURS)
    return Theme(
        brand=primary,
        brand_text=readable_text_colour(primary),
        accent=secondary,
        accent_text=readable_text_colour(secondary),
        link=darkened_for_contrast(primary, minimum=TEXT_CONTRAST),
        marker=graphic_primary,
        marker_text=readable_text_colour(graphic_primary),
        chart_colours=tuple(chart_colours[:6]),
    )


def municipality_theme(municipality: Municipality | None) -> Theme:
    if municipality is None:
        return theme_for(DEFAULT_PRIMARY, DEFAULT_SECONDARY)
    return theme_for(municipality.primary_colour, municipality.secondary_colour)


def branding_version(municipality: Municipality | None) -> str:
    """Changes whenever what /branding.css or the favicons show changes (a cache key)."""
    if municipality is None:
        source = f"{DEFAULT_PRIMARY}{DEFAULT_SECONDARY}"
    else:
        source = "|".join(
            (
                municipality.slug,
                municipality.primary_colour,
                municipality.secondary_colour,
                municipality.logo.name or "",
            )
        )
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def _initial(municipality: Municipality | None) -> str:
    # The slug, not the name: both "Municipiul Botoșani" and "Municipiul Timișoara" start with M.
    return (municipality.slug[:1] if municipality is not None else "d").upper() or "D"


def _logo_bytes(municipality: Municipality | None) -> tuple[bytes, str] | None:
    """The logo's bytes and media type, when it has one small enough to embed."""
    if municipality is None or not municipality.logo:
        return None
    name = municipality.logo.name.lower()
    mime_type = next(
        (value for suffix, value in LOGO_MIME_TYPES.items() if name.endswith(suffix)), None
    )
    if mime_type is None:
        return None
    try:
        if municipality.logo.size > LOGO_EMBED_MAX_BYTES:
            return None
        with municipality.logo.open("rb") as logo:
            return logo.read(), mime_type
    except OSError:
        return None


def favicon_svg(municipality: Municipality | None) -> str:
    """The city's logo, or its initial on its primary colour, as a square SVG icon."""
    logo = _logo_bytes(municipality)
    if logo is not None:
        content, mime_type = logo
        data = base64.b64encode(content).decode("ascii")
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
            f'<image href="data:{mime_type};base64,{data}" width="64" height="64"'
            ' preserveAspectRatio="xMidYMid meet"/></svg>'
        )
    theme = municipality_theme(municipality)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" rx="12" fill="{theme.brand}"/>'
        f'<text x="32" y="45" text-anchor="middle" font-family="system-ui, sans-serif"'
        f' font-size="40" font-weight="700" fill="{theme.brand_text}">'
        f"{escape(_initial(municipality))}</text></svg>"
    )


def favicon_ico(municipality: Municipality | None) -> bytes:
    """A 16, 32 and 48 pixel ICO for browsers that ask for /favicon.ico."""
    from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

    logo = _logo_bytes(municipality)
    image = None
    if logo is not None and logo[1] != "image/svg+xml":
        try:
            image = Image.open(io.BytesIO(logo[0])).convert("RGBA")
            image.thumbnail((48, 48))
            square = Image.new("RGBA", (48, 48), (0, 0, 0, 0))
            square.paste(image, ((48 - image.width) // 2, (48 - image.height) // 2))
            image = square
        except (UnidentifiedImageError, OSError, ValueError):
            image = None
    if image is None:
        theme = municipality_theme(municipality)
        image = Image.new("RGBA", (48, 48), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        draw.rounded_rectangle((0, 0, 47, 47), radius=9, fill=theme.brand)
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont
        try:
            font = ImageFont.truetype("DejaVuSans-Bold.ttf", size=32)
        except OSError:  # no DejaVu on this machine: Pillow's own font
            font = ImageFont.load_default(size=32)
        draw.text((24, 25), _initial(municipality), fill=theme.brand_text, font=font, anchor="mm")
    output = io.BytesIO()
    image.save(output, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    return output.getvalue()
