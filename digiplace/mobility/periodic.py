"""The mobility module's periodic job in core's scheduler: every hour, finished days become
ridership figures and their card hashes and keys are dropped (``services.ridership``)."""

from __future__ import annotations

import datetime

from django_tasks import task

from digiplace.core.periodic import periodic_register


@task()
def ridership_aggregate() -> int:
    """Aggregate the finished days of every city; returns how many were aggregated."""
    from .services.ridership import ridership_aggregate_finished

    return ridership_aggregate_finished()


def register() -> None:
    # Hourly, so that a day is counted (and its key dropped) soon after its grace period.
    periodic_register(
        name="mobility.ridership_aggregate",
        interval=datetime.timedelta(hours=1),
        task=ridership_aggregate,
    )
