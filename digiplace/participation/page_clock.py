"""What participation's pages show by the clock alone: a survey opens or closes, project
submission and voting open and close, a process stops taking proposals, a meeting starts
or ends. Cached pages are keyed on the latest such moment (``ModuleSpec.page_clock``), so
a survey page says "closed" the minute it closes, though nothing was written
(``core.page_clocks``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digiplace.core.page_clocks import moments_clock, timestamps

from .models import Budget, Meeting, Process, Survey

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


def clock_moments(*, municipality: Municipality) -> list[float]:
    """Every moment at which a public participation page of the city changes by itself."""
    city = municipality.pk
    moments = timestamps(
        Survey.objects.filter(municipality_id=city, is_published=True).values_list(
            "opens_at", "closes_at"
        )
    )
    moments += timestamps(
        Budget.objects.filter(municipality_id=city).values_list(
            "submission_opens_at", "submission_closes_at", "voting_opens_at", "voting_closes_at"
        )
    )
    moments += timestamps(
        Process.objects.filter(
            municipality_id=city, is_published=True, proposals_enabled=True
        ).values_list("proposals_open_from", "proposals_open_until")
    )
    moments += timestamps(
        Meeting.objects.filter(municipality_id=city, is_published=True).values_list(
            "starts_at", "ends_at"
        )
    )
    return sorted(set(moments))


# The latest of the city's clock moments at or before now (None if none passed).
page_clock = moments_clock(lambda municipality: clock_moments(municipality=municipality))
