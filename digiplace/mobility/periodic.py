"""The mobility module's periodic jobs in core's scheduler: every hour, finished days become
ridership figures and their card hashes and keys are dropped (``services.ridership``); every
day, the vehicles' recorded positions older than the retention are deleted
(``services.tracking``)."""

from __future__ import annotations

import datetime

from django_tasks import task

from digiplace.core.periodic import periodic_register


@task()
def ridership_aggregate() -> int:
    """Aggregate the finished days of every city; returns how many were aggregated."""
    from .services.ridership import ridership_aggregate_finished

    return ridership_aggregate_finished()


@task()
def positions_prune() -> int:
    """Delete recorded positions past the retention; returns how many were deleted."""
    from .services.tracking import positions_prune as prune

    return prune()


def register() -> None:
    # Hourly, so that a day is counted (and its key dropped) soon after its grace period.
    periodic_register(
        name="mobility.ridership_aggregate",
        interval=datetime.timedelta(hours=1),
        task=ridership_aggregate,
    )
    periodic_register(
        name="mobility.positions_prune",
        interval=datetime.timedelta(days=1),
        task=positions_prune,
    )
