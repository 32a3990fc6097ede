"""What the waste demo's parts share: the cities' time zone and departments."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import TYPE_CHECKING

from digiplace.core.models import Department
from digiplace.urbandata.demo._entities import demo_department

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# Who runs collection, and who watches the bins (fire alerts go at once to the dispatcher).
SANITATION = {
    "botosani": {"ro": "Serviciul Salubrizare", "en": "Sanitation Service"},
    "timisoara": {"ro": "Direcția de Mediu", "en": "Environment Directorate"},
}
DISPATCH = {
    "botosani": {"ro": "Poliția Locală – Dispecerat", "en": "Local Police – Dispatch"},
    "timisoara": {"ro": "Direcția de Mediu", "en": "Environment Directorate"},
}


def city_zone(municipality: Municipality) -> datetime.tzinfo:
    try:
        return zoneinfo.ZoneInfo(municipality.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


def department_ensure(municipality: Municipality, names: dict[str, str]) -> Department:
    """The department ``demo_load`` made (found by its Romanian name), or made here when the
    demo runs on a city loaded otherwise (the tests' fixtures)."""
    return demo_department(municipality, names)


def sanitation_department(municipality: Municipality) -> Department:
    return department_ensure(municipality, SANITATION[municipality.slug])


def dispatch_department(municipality: Municipality) -> Department:
    return department_ensure(municipality, DISPATCH[municipality.slug])
