"""What the live tracking offers other pages: the refused positions counted (the control
centre's figure)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import Count

from ..models import PositionReject

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


def rejects_count(municipality: Municipality, since: datetime.datetime) -> int:
    """How many positions the city refused since ``since``."""
    return (
        PositionReject.objects.for_municipality(municipality).filter(received_at__gte=since).count()
    )


def rejects_by_reason(municipality: Municipality, since: datetime.datetime) -> dict[str, int]:
    """The same, by reason (``unknown_vehicle``, ``outside_city``, ``future``, ``too_old``,
    ``invalid``)."""
    return {
        row["reason"]: row["count"]
        for row in PositionReject.objects.for_municipality(municipality)
        .filter(received_at__gte=since)
        .values("reason")
        .annotate(count=Count("pk"))
        .order_by("reason")
    }
