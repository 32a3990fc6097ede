"""Hand-built containers with fill histories for the planning, rounds and sheet tests."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.urbandata.models import Reading
from digiplace.urbandata.tests.factories import AlertFactory, EntityFactory
from digiplace.waste.models import Collection, Container, Depot, Fraction, Truck, WasteSettings

from .factories import CollectionPointFactory, ContainerFactory, DepotFactory, TruckFactory

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def city_setup(city: Municipality) -> tuple[Depot, Truck]:
    """Collections every day (the next visit is the day after), one depot, one big truck."""
    WasteSettings.objects.create(municipality=city, collection_weekdays=EVERY_DAY)
    depot = DepotFactory.create(
        municipality=city,
        name="Depot Nord",
        latitude=city.centre_latitude - 0.01,
        longitude=city.centre_longitude - 0.01,
    )
    truck = TruckFactory.create(municipality=city, depot=depot, name="Truck A")
    return depot, truck


def container_make(
    city: Municipality,
    code: str,
    *,
    fill_per_day: float | None,
    offset: float = 0.0,
    fraction: str = Fraction.PLASTIC,
    days: int = 3,
    now: datetime.datetime | None = None,
    **extra: Any,
) -> Container:
    """A container with its entity at its own point; with ``fill_per_day``, two emptyings
    (``2 * days`` and ``days`` days ago) and a reading each day since, growing at that
    rate; without, no history at all."""
    now = now or timezone.now()
    entity = EntityFactory.create(municipality=city, attributes={})
    point = CollectionPointFactory.create(
        municipality=city,
        code=f"pt-{code}",
        street=f"Street {code}",
        latitude=city.centre_latitude + offset,
        longitude=city.centre_longitude + offset,
    )
    container = ContainerFactory.create(
        municipality=city, point=point, code=code, fraction=fraction, entity=entity, **extra
    )
    if fill_per_day is None:
        return container
    for cycle in (2, 1):
        emptied = now - datetime.timedelta(days=cycle * days)
        Collection.objects.create(
            municipality=city,
            container=container,
            collected_at=emptied,
            source="staff",
        )
        for day in range(1, days + 1):
            at = emptied + datetime.timedelta(days=day) - datetime.timedelta(minutes=30)
            Reading.objects.create(
                entity=entity,
                attribute="fillingLevel",
                observed_at=at,
                value=min(1.0, fill_per_day * day),
            )
    return container


def alert_open(city: Municipality, container: Container) -> None:
    assert container.entity is not None
    AlertFactory.create(municipality=city, entity=container.entity)


def city_tomorrow(city: Municipality) -> datetime.date:
    import zoneinfo

    return timezone.localdate(timezone=zoneinfo.ZoneInfo(city.time_zone)) + datetime.timedelta(
        days=1
    )
