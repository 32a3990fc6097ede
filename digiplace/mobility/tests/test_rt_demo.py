"""The live tracking on the demo: ten minutes of Botoșani's rush hour from the live simulator
(urban data's, with the mobility provider) go through urban data's write path; every bus the
simulation has on a trip is tracked on that trip, close to where the simulation has it, with
its delay, predictions and the stops it passed."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.mobility.models import StopVisit, VehicleState
from digiplace.urbandata.services.ingest import WriteMode, entities_write
from digiplace.urbandata.simulator import CitySimulator

ZONE = zoneinfo.ZoneInfo("Europe/Bucharest")


def test_the_demo_buses_are_tracked_on_the_trips_they_run(
    botosani: Municipality, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    call_command("mobility_demo", verbosity=0)
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    start = datetime.datetime.combine(day, datetime.time(8, 15), tzinfo=ZONE)
    city = CitySimulator(municipality=botosani, http_url="http://testserver", seed=3)
    last: list[dict[str, Any]] = []
    for step in range(20):
        now = start + datetime.timedelta(seconds=30 * step)
        documents, _waste = city.documents(now)
        last = [document for document in documents if document["type"] == "Vehicle"]
        with django_capture_on_commit_callbacks(execute=True):
            results = entities_write(
                municipality=botosani,
                documents=last,
                mode=WriteMode.UPSERT_MERGE,
                key=None,
                now=now + datetime.timedelta(seconds=1),
            )
        assert [r.error for r in results if r.error is not None] == []
    on_trip = {d["id"]: d["refTrip"]["value"] for d in last if "refTrip" in d}
    assert len(on_trip) >= 8
    states = {
        state.entity.entity_id: state
        for state in VehicleState.objects.filter(municipality=botosani).select_related(
            "entity", "trip"
        )
    }
    for entity_id, trip_id in on_trip.items():
        state = states[entity_id]
        assert state.trip is not None and state.trip.gtfs_id == trip_id
        assert state.delay_seconds is not None and abs(state.delay_seconds) < 15 * 60
        assert not state.off_route
        attributes = state.entity.attributes
        assert "delay" in attributes and "offRouteDistance" in attributes
    parked = [d["id"] for d in last if "refTrip" not in d]
    assert all(states[entity_id].trip is None for entity_id in parked)
    assert StopVisit.objects.filter(vehicle__municipality=botosani).count() >= 20
    with_predictions = [s for s in states.values() if s.predictions]
    assert len(with_predictions) >= 8
