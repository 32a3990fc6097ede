"""NGSI-LD subscriptions: matching entity changes and sending HTTP notifications."""

from __future__ import annotations


def register() -> None:
    """Listen to entity changes (``services.changes``)."""
