"""What mobility's public pages show by the clock alone: a published service alert comes
into force or ends. Cached pages (the index, the alerts) are keyed on the latest such moment
(``ModuleSpec.page_clock``), so an alert written for tomorrow morning shows then, though
nothing was written at that moment (``core.page_clocks``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from digiplace.core.page_clocks import moments_clock, timestamps

from .models import ServiceAlert

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


def clock_moments(*, municipality: Municipality) -> list[float]:
    return timestamps(
        ServiceAlert.objects.filter(municipality=municipality, is_published=True).values_list(
            "active_from", "active_until"
        )
    )


page_clock = moments_clock(lambda municipality: clock_moments(municipality=municipality))
