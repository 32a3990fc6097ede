"""Operations' periodic jobs (``core.periodic``): registered from ``OpsConfig.ready``."""

from __future__ import annotations


def register() -> None:
    """Registers the heartbeat and the nightly backup (filled in by their owners)."""
