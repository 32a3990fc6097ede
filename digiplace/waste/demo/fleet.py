"""Each demo city's waste settings, depot, trucks and alert rules.

Residents served: Botoșani's plan counts 122,000, Timișoara's strategy 325,000. Trucks go out
Monday to Saturday at 06:00 for eight hours. A truck's capacity counts the container litres it
empties before it must unload: rear loaders of 16 and 20 m³ compact loose waste about four
to one, so 64,000 and 80,000 litres (at that, a fixed-schedule day of every plastic bin of
Timișoara, 475 × 1,100 litres, fits the fleet; the body's volume alone would not).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models import Depot, Truck, WasteSettings
from ..services.alerts import alert_rules_ensure
from ._common import dispatch_department, sanitation_department

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


@dataclass(frozen=True)
class CityFleet:
    population: int
    depot: str
    depot_position: tuple[float, float]
    trucks: tuple[tuple[str, int], ...]


SHIFT_START = datetime.time(6)
SHIFT_MINUTES = 480
FLEETS = {
    "botosani": CityFleet(
        population=122_000,
        depot="Baza de utilaje Salubrizare",
        depot_position=(47.7655, 26.6420),
        trucks=(
            ("Autocompactor BT 1", 64_000),
            ("Autocompactor BT 2", 64_000),
            ("Autocompactor BT 3", 64_000),
            ("Autocompactor BT 4", 64_000),
        ),
    ),
    "timisoara": CityFleet(
        population=325_000,
        depot="Baza de colectare Nord",
        depot_position=(45.7845, 21.2395),
        trucks=tuple((f"Autocompactor TM {number}", 80_000) for number in range(1, 9)),
    ),
}


def fleet_load(*, municipality: Municipality) -> list[str]:
    """Settings, depot, trucks and alert rules the city does not have yet."""
    fleet = FLEETS[municipality.slug]
    _settings, settings_new = WasteSettings.objects.get_or_create(
        municipality=municipality, defaults={"population": fleet.population}
    )
    latitude, longitude = fleet.depot_position
    depot, _depot_new = Depot.objects.get_or_create(
        municipality=municipality,
        name=fleet.depot,
        defaults={"latitude": latitude, "longitude": longitude},
    )
    trucks = 0
    for name, capacity in fleet.trucks:
        _truck, is_new = Truck.objects.get_or_create(
            municipality=municipality,
            name=name,
            defaults={
                "depot": depot,
                "capacity_litres": capacity,
                "shift_start": SHIFT_START,
                "shift_minutes": SHIFT_MINUTES,
            },
        )
        trucks += int(is_new)
    rules = alert_rules_ensure(
        municipality=municipality,
        dispatcher=dispatch_department(municipality),
        sanitation=sanitation_department(municipality),
    )
    if not (settings_new or trucks or rules):
        return []
    return [
        f"{municipality.slug}: waste settings, depot {fleet.depot!r}, {trucks} new trucks, "
        f"{len(rules)} new alert rules"
    ]
