"""Alert rules: evaluating entity changes and the clock, opening, notifying, resolving."""

from __future__ import annotations


def register() -> None:
    """Listen to entity changes (``services.changes``)."""
