"""Urban data's time-series upkeep as background tasks (run by ``manage.py db_worker``; the
periodic jobs in ``periodic.py`` enqueue them)."""

from __future__ import annotations

from django_tasks import task

from .services import partitions, retention, rollups


@task()
def rollups_refresh() -> int:
    """Recompute the rollups of the hours written since the last run; returns the hours."""
    return rollups.rollups_refresh().hours


@task()
def partitions_ensure() -> list[str]:
    """Create the readings' monthly partitions ahead (PostgreSQL); returns those created."""
    return partitions.partitions_ensure()


@task()
def readings_prune() -> int:
    """Remove raw readings past retention; returns how many went."""
    return retention.readings_prune().readings
