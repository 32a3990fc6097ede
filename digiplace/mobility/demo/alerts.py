"""Each demo city's published service alerts, in Romanian and English."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models import AlertCause, AlertEffect, Route, ServiceAlert, Stop

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


@dataclass(frozen=True)
class AlertSpec:
    header: dict[str, str]
    description: dict[str, str]
    cause: str
    effect: str
    routes: tuple[str, ...]
    stops: tuple[str, ...]
    days: int


ALERTS = {
    "botosani": (
        AlertSpec(
            header={
                "ro": "Lucrări pe Calea Națională: stația Str. Pacea mutată",
                "en": "Works on Calea Națională: the Str. Pacea stop has moved",
            },
            description={
                "ro": "Cât durează asfaltarea fostei linii de tramvai, autobuzele 101 și 102 "
                "opresc cu 50 de metri mai spre centru, în dreptul blocului P2.",
                "en": "While the former tram line is resurfaced, buses 101 and 102 stop 50 "
                "metres closer to the centre, in front of block P2.",
            },
            cause=AlertCause.CONSTRUCTION,
            effect=AlertEffect.STOP_MOVED,
            routes=("101", "102"),
            stops=("BT06",),
            days=30,
        ),
        AlertSpec(
            header={
                "ro": "Linia 102: întârzieri în zona Gării",
                "en": "Line 102: delays around the railway station",
            },
            description={
                "ro": "Traficul este îngreunat în jurul Gării Botoșani; autobuzele pot întârzia "
                "până la 10 minute.",
                "en": "Traffic is heavy around Botoșani railway station; buses may run up to "
                "10 minutes late.",
            },
            cause=AlertCause.OTHER_CAUSE,
            effect=AlertEffect.SIGNIFICANT_DELAYS,
            routes=("102",),
            stops=("BT11",),
            days=2,
        ),
    ),
    "timisoara": (
        AlertSpec(
            header={
                "ro": "Linia 33 ocolește Piața Libertății în weekend",
                "en": "Line 33 avoids Piața Libertății at the weekend",
            },
            description={
                "ro": "Din cauza unui eveniment în centru, autobuzele liniei 33 nu opresc în "
                "Piața Libertății; folosiți stațiile Piața 700 sau Piața Victoriei.",
                "en": "Because of an event in the centre, line 33 does not stop at Piața "
                "Libertății; use the Piața 700 or Piața Victoriei stops.",
            },
            cause=AlertCause.OTHER_CAUSE,
            effect=AlertEffect.DETOUR,
            routes=("33",),
            stops=("TM04",),
            days=7,
        ),
        AlertSpec(
            header={
                "ro": "Stația Gara de Nord: rampa de acces în reparație",
                "en": "Gara de Nord stop: the access ramp is being repaired",
            },
            description={
                "ro": "Pentru urcarea cu scaunul rulant folosiți stația Piața Maria.",
                "en": "Wheelchair users can board at the Piața Maria stop.",
            },
            cause=AlertCause.MAINTENANCE,
            effect=AlertEffect.ACCESSIBILITY_ISSUE,
            routes=("E2", "11"),
            stops=("TM01",),
            days=14,
        ),
    ),
}


def alerts_load(*, municipality: Municipality, now: datetime.datetime) -> int:
    """The city's demo alerts it does not have yet (found by their Romanian title)."""
    created = 0
    for spec in ALERTS.get(municipality.slug, ()):
        if ServiceAlert.objects.filter(
            municipality=municipality, is_demo=True, header_ro=spec.header["ro"]
        ).exists():
            continue
        # The translated fields by language; the plain ones would take the active language's.
        alert = ServiceAlert.objects.create(
            municipality=municipality,
            header_ro=spec.header["ro"],
            header_en=spec.header["en"],
            description_ro=spec.description["ro"],
            description_en=spec.description["en"],
            cause=spec.cause,
            effect=spec.effect,
            active_from=now - datetime.timedelta(hours=1),
            active_until=now + datetime.timedelta(days=spec.days),
            is_published=True,
            is_demo=True,
        )
        alert.routes.set(Route.objects.filter(municipality=municipality, gtfs_id__in=spec.routes))
        alert.stops.set(Stop.objects.filter(municipality=municipality, gtfs_id__in=spec.stops))
        created += 1
    return created
