"""Demo data of the processes component (called by ``manage.py participation_demo``)."""

from __future__ import annotations

from digiplace.core.models import Municipality


def demo_load(*, botosani: Municipality | None, timisoara: Municipality | None) -> list[str]:
    """Create the demo records once (running again changes nothing); lines to print."""
    return []
