"""Demo data of the waste module: ``manage.py waste_demo`` (after ``urbandata_demo``).

For Botoșani and Timișoara: the settings, a depot and trucks, the default alert rules, the
collection points with their containers and four weeks of fill history and collections; for
Botoșani also the camera pilot (``pilot``). Everything is marked as demo data where the
models allow it. Running it again changes nothing.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.models import User
from digiplace.urbandata.services.rollups import rollups_refresh

from . import fleet, history, network, pilot

if TYPE_CHECKING:
    import datetime

    from digiplace.core.models import Municipality

DISPATCHER_EMAIL = "dispatcher@{city}.example"


def city_load(*, municipality: Municipality, now: datetime.datetime) -> list[str]:
    started = time.monotonic()
    with transaction.atomic():
        lines = fleet.fleet_load(municipality=municipality)
        report = network.network_load(municipality=municipality, now=now)
        if municipality.slug == "botosani":
            dispatcher = User.objects.filter(
                email=DISPATCHER_EMAIL.format(city=municipality.slug)
            ).first()
            lines += pilot.pilot_load(municipality=municipality, now=now, dispatcher=dispatcher)
        cache_version_bump(municipality.pk, "urbandata")
        cache_version_bump(municipality.pk, "waste")
    if report is None:
        return [*lines, f"{municipality.slug}: demo collection points already there"]
    return [
        *lines,
        f"{municipality.slug}: {report.points} demo collection points, {report.containers} "
        f"containers ({report.adopted} of urban data's demo adopted), {report.readings} fill "
        f"readings and {report.rollups} rollups of {history.HISTORY_DAYS} days, "
        f"{report.collections} collections ({time.monotonic() - started:.1f} s)",
    ]


def demo_load(
    *,
    botosani: Municipality | None,
    timisoara: Municipality | None,
    now: datetime.datetime | None = None,
) -> list[str]:
    moment = (now or timezone.now()).replace(microsecond=0)
    lines: list[str] = []
    for municipality in (botosani, timisoara):
        if municipality is not None:
            lines += city_load(municipality=municipality, now=moment)
    # The current values written now marked their hours; recompute those (and their days).
    rollups_refresh()
    return lines
