"""Distances on the WGS84 sphere, precise enough for a city: one haversine formula, computed
in Python or by the database from the same code."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Expression, F, FloatField, Value
from django.db.models.functions import ASin, Cos, Least, Radians, Sin, Sqrt

EARTH_RADIUS_METRES = 6_371_008.8


@dataclass(frozen=True)
class _Operations:
    """The few functions the formula needs, from ``math`` or as database functions."""

    radians: Callable[[Any], Any]
    sin: Callable[[Any], Any]
    cos: Callable[[Any], Any]
    sqrt: Callable[[Any], Any]
    asin: Callable[[Any], Any]
    at_most_one: Callable[[Any], Any]


def _haversine(
    latitude_a: Any, longitude_a: Any, latitude_b: Any, longitude_b: Any, ops: _Operations
) -> Any:
    phi_a, phi_b = ops.radians(latitude_a), ops.radians(latitude_b)
    half_delta_phi = (phi_b - phi_a) / 2
    half_delta_lambda = (ops.radians(longitude_b) - ops.radians(longitude_a)) / 2
    sin_phi, sin_lambda = ops.sin(half_delta_phi), ops.sin(half_delta_lambda)
    half_chord = sin_phi * sin_phi + ops.cos(phi_a) * ops.cos(phi_b) * sin_lambda * sin_lambda
    # Rounding can push the value just above 1, outside arcsine's domain.
    return 2 * EARTH_RADIUS_METRES * ops.asin(ops.sqrt(ops.at_most_one(half_chord)))


_PYTHON = _Operations(
    radians=math.radians,
    sin=math.sin,
    cos=math.cos,
    sqrt=math.sqrt,
    asin=math.asin,
    at_most_one=lambda value: min(1.0, value),
)


def _float(expression: Any) -> Any:
    return expression if hasattr(expression, "resolve_expression") else _constant(expression)


def _constant(number: float) -> Value:
    return Value(float(number), output_field=FloatField())


_DATABASE = _Operations(
    radians=lambda value: Radians(_float(value), output_field=FloatField()),
    sin=lambda value: Sin(value, output_field=FloatField()),
    cos=lambda value: Cos(value, output_field=FloatField()),
    sqrt=lambda value: Sqrt(value, output_field=FloatField()),
    asin=lambda value: ASin(value, output_field=FloatField()),
    at_most_one=lambda value: Least(value, _constant(1.0), output_field=FloatField()),
)


def distance_metres(
    latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float
) -> float:
    """Great-circle (haversine) distance between two points, in metres."""
    return float(_haversine(latitude_a, longitude_a, latitude_b, longitude_b, _PYTHON))


def distance_expression(
    latitude: float,
    longitude: float,
    *,
    latitude_field: str = "latitude",
    longitude_field: str = "longitude",
) -> Expression:
    """The same distance from a point to each row's point, computed by the database."""
    expression = _haversine(
        _constant(latitude), _constant(longitude), F(latitude_field), F(longitude_field), _DATABASE
    )
    return expression  # type: ignore[no-any-return]


def bounding_box(
    latitude: float, longitude: float, radius_metres: float
) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a box that holds every point within the radius."""
    latitude_delta = math.degrees(radius_metres / EARTH_RADIUS_METRES)
    cosine = max(math.cos(math.radians(latitude)), 1e-6)
    longitude_delta = math.degrees(radius_metres / (EARTH_RADIUS_METRES * cosine))
    return (
        latitude - latitude_delta,
        longitude - longitude_delta,
        latitude + latitude_delta,
        longitude + longitude_delta,
    )
