"""The open-data module's periodic jobs in core's scheduler: every minute, the datasets that
are due are made again (``services.generate.datasets_refresh``: never made, past their
refresh interval, or their module changed); every day, versions past the retention are
deleted (``services.versions``)."""

from __future__ import annotations

import datetime

from django_tasks import task

from digiplace.core.periodic import periodic_register


@task()
def datasets_refresh() -> int:
    """Make the due datasets of every city; returns how many were made or checked."""
    from .services.generate import datasets_refresh as refresh

    return len(refresh())


@task()
def versions_prune() -> int:
    """Delete versions past the retention; returns how many were deleted."""
    from .services.versions import versions_prune as prune

    return prune()


def register() -> None:
    # Every minute, so that a change is published soon after OPENDATA_CHANGE_DELAY_SECONDS;
    # a tick with nothing due reads a few rows per city.
    periodic_register(
        name="opendata.refresh", interval=datetime.timedelta(minutes=1), task=datasets_refresh
    )
    periodic_register(
        name="opendata.prune", interval=datetime.timedelta(days=1), task=versions_prune
    )
