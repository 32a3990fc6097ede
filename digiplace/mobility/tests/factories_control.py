"""factory_boy factories for the live fleet: a bus's urban-data ``Vehicle`` entity, its
``VehicleState``, the positions it reported and its observed arrivals at stops.

``VehicleStateFactory`` makes a bus seen a moment ago at Botoșani's centre, on no trip unless
given one; pass ``trip=`` (from ``factories_net``) and ``shape_distance=`` to place it."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from digiplace.core.tests.factories import MunicipalityFactory
from digiplace.mobility.models import PositionRecord, PositionReject, StopVisit, VehicleState
from digiplace.mobility.tests.factories_net import CENTRE_LATITUDE, CENTRE_LONGITUDE
from digiplace.urbandata.models import Entity

_same_city = factory.SelfAttribute("..municipality")


class VehicleEntityFactory(factory.django.DjangoModelFactory[Entity]):
    class Meta:
        model = Entity

    municipality = factory.SubFactory(MunicipalityFactory)
    type = "Vehicle"
    entity_id = factory.Sequence(lambda number: f"urn:ngsi-ld:Vehicle:test-bus-{number:04d}")
    latitude = CENTRE_LATITUDE
    longitude = CENTRE_LONGITUDE
    attributes = factory.LazyFunction(dict)
    created_at = factory.LazyFunction(timezone.now)
    modified_at = factory.LazyFunction(timezone.now)


class VehicleStateFactory(factory.django.DjangoModelFactory[VehicleState]):
    class Meta:
        model = VehicleState

    municipality = factory.SubFactory(MunicipalityFactory)
    entity = factory.SubFactory(VehicleEntityFactory, municipality=_same_city)
    label = factory.Sequence(lambda number: f"B{number + 100}")
    latitude = CENTRE_LATITUDE
    longitude = CENTRE_LONGITUDE
    observed_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(seconds=5))
    service_date = factory.LazyFunction(timezone.localdate)


class PositionRecordFactory(factory.django.DjangoModelFactory[PositionRecord]):
    class Meta:
        model = PositionRecord

    vehicle = factory.SubFactory(VehicleStateFactory)
    observed_at = factory.LazyFunction(timezone.now)
    latitude = CENTRE_LATITUDE
    longitude = CENTRE_LONGITUDE
    trip = factory.SelfAttribute("vehicle.trip")


class StopVisitFactory(factory.django.DjangoModelFactory[StopVisit]):
    """An arrival ``delay_seconds`` after the schedule (08:00 of the service day)."""

    class Meta:
        model = StopVisit
        exclude = ("scheduled",)

    service_date = factory.LazyFunction(timezone.localdate)
    stop_sequence = factory.Sequence(lambda number: number + 1)
    delay_seconds = 0
    scheduled = factory.LazyAttribute(
        lambda visit: datetime.datetime.combine(
            visit.service_date, datetime.time(8), tzinfo=datetime.UTC
        )
    )
    scheduled_at = factory.SelfAttribute("scheduled")
    arrived_at = factory.LazyAttribute(
        lambda visit: visit.scheduled + datetime.timedelta(seconds=visit.delay_seconds)
    )


class PositionRejectFactory(factory.django.DjangoModelFactory[PositionReject]):
    class Meta:
        model = PositionReject

    municipality = factory.SubFactory(MunicipalityFactory)
    vehicle_ref = "urn:ngsi-ld:Vehicle:unknown"
    reason = "unknown_vehicle"
    message = "This vehicle is not in the city's fleet."
