"""Errors of the routing engine; their messages are in the user's language."""

from __future__ import annotations


class RoutingError(Exception):
    """Base class: the message is already translated."""


class RoutingInputError(RoutingError, ValueError):
    """A file, matrix or parameter the engine cannot use."""


class DistanceServiceError(RoutingError):
    """The configured routing server (OSRM) did not answer usefully."""
