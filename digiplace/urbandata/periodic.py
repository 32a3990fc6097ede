"""Urban data's periodic jobs: rollups every minute, the readings' partitions and the raw
readings' retention daily. ``register()`` is called from the app's ``ready()``."""

from __future__ import annotations

import datetime

from digiplace.core.periodic import periodic_register

from . import tasks_series


def register() -> None:
    periodic_register(
        name="urbandata.rollups_refresh",
        interval=datetime.timedelta(minutes=1),
        task=tasks_series.rollups_refresh,
    )
    periodic_register(
        name="urbandata.partitions_ensure",
        interval=datetime.timedelta(days=1),
        task=tasks_series.partitions_ensure,
    )
    periodic_register(
        name="urbandata.readings_prune",
        interval=datetime.timedelta(days=1),
        task=tasks_series.readings_prune,
    )
