"""Demo data of the mobility module: ``manage.py mobility_demo`` (after ``urbandata_demo``).

For Botoșani and Timișoara: the bus network as GTFS rows (``network``), the electric buses,
validators, chargers and car parks (``fleet``), a few published service alerts
(``alerts``), the transport department's dispatcher account and control-centre alert rules
(``control``), and the last week's validations counted into the public ridership figures
(``ridership``); everything marked as demo data where the models allow it. Running it again
changes nothing but the calendars' window, which follows today so that the demo buses always
run (and, on a later day, adds the days since the last run to the ridership figures).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from digiplace.core.cache_versions import cache_version_bump

from . import alerts, control, fleet, network, ridership
from .cities import NETWORKS

if TYPE_CHECKING:
    import datetime

    from digiplace.core.models import Municipality


def city_load(*, municipality: Municipality, now: datetime.datetime) -> list[str]:
    started = time.monotonic()
    city = NETWORKS[municipality.slug]
    today = timezone.localtime(now).date()
    with transaction.atomic():
        report = network.network_load(municipality=municipality, city=city, today=today)
        lines = fleet.devices_load(municipality=municipality, city=city, now=now)
        alerts_new = alerts.alerts_load(municipality=municipality, now=now)
        lines += control.control_load(municipality=municipality)
        cache_version_bump(municipality.pk, "urbandata")
        cache_version_bump(municipality.pk, "mobility")
    if report is None:
        lines.append(f"{municipality.slug}: demo bus network already there (calendars moved)")
    else:
        lines.append(
            f"{municipality.slug}: demo bus network of {report.routes} lines, {report.stops} "
            f"stops, {report.trips} trips, {report.stop_times} stop times "
            f"({time.monotonic() - started:.1f} s)"
        )
    if alerts_new:
        lines.append(f"{municipality.slug}: {alerts_new} demo service alerts")
    # After the network and the validators, each day in its own transaction.
    started = time.monotonic()
    days = ridership.ridership_load(municipality=municipality, now=now)
    if days:
        lines.append(
            f"{municipality.slug}: {sum(days.values())} demo validations of {len(days)} days "
            f"counted into the ridership figures ({time.monotonic() - started:.1f} s)"
        )
        cache_version_bump(municipality.pk, "mobility")
    return lines


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
    return lines
