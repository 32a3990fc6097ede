"""Colour checks so that a city's branding stays readable (WCAG 2.1 contrast)."""

from __future__ import annotations


def _channel(value: int) -> float:
    scaled = value / 255
    return scaled / 12.92 if scaled <= 0.03928 else ((scaled + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    red, green, blue = (int(hex_colour[index : index + 2], 16) for index in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_text_colour(background: str) -> str:
    """White or black, whichever contrasts more with ``background`` (always at least 4.58:1)."""
    white, dark = "#ffffff", "#000000"
    return white if contrast_ratio(background, white) >= contrast_ratio(background, dark) else dark
