"""The simulator: its value generators (pure, repeatable with a seed) and one step against the
live test server, through the NGSI-LD API with a key it issues and revokes itself."""

from __future__ import annotations

import datetime
import io
import itertools
import random
import zoneinfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.live_server_helper import LiveServer

from digiplace.core.models import Municipality
from digiplace.urbandata import simulation, simulator
from digiplace.urbandata.demo import heating as heating_demo
from digiplace.urbandata.demo import waste as waste_demo
from digiplace.urbandata.models import DeviceKey, Entity, Reading
from digiplace.urbandata.mqtt.ingest import missing_observed_at
from digiplace.urbandata.simulator import KEY_NAME

ZONE = zoneinfo.ZoneInfo("Europe/Bucharest")
UTC = datetime.UTC


def _at(year: int, month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=ZONE)


# Heating


def test_heating_values_are_repeatable_with_a_seed() -> None:
    profile = simulation.substation_profile(3)
    first = simulation.heating_values(profile=profile, outdoor=-2.0, randomness=random.Random(7))
    second = simulation.heating_values(profile=profile, outdoor=-2.0, randomness=random.Random(7))
    other = simulation.heating_values(profile=profile, outdoor=-2.0, randomness=random.Random(8))
    assert first == second
    assert first != other
    assert set(first) == {
        "supplyTemperature",
        "returnTemperature",
        "pressure",
        "flow",
        "heatPower",
        "outdoorTemperature",
    }


def test_colder_weather_means_hotter_supply_more_flow_and_difference() -> None:
    profile = simulation.substation_profile(4)
    randomness = random.Random(1)

    def mean(outdoor: float, name: str) -> float:
        values = [
            simulation.heating_values(profile=profile, outdoor=outdoor, randomness=randomness)
            for _ in range(200)
        ]
        if name == "difference":
            return sum(v["supplyTemperature"] - v["returnTemperature"] for v in values) / 200
        return sum(v[name] for v in values) / 200

    assert mean(-15, "supplyTemperature") == pytest.approx(110, abs=0.5)
    assert mean(0, "supplyTemperature") == pytest.approx(85, abs=0.5)
    assert mean(20, "supplyTemperature") == pytest.approx(65, abs=0.5)
    assert mean(-10, "heatPower") > mean(0, "heatPower") > mean(15, "heatPower")
    assert mean(-10, "difference") > mean(10, "difference")
    # Power = 1.163 kWh/(m³·K) × flow × difference.
    one = simulation.heating_values(profile=profile, outdoor=0, randomness=random.Random(2))
    difference = one["supplyTemperature"] - one["returnTemperature"]
    assert one["heatPower"] == pytest.approx(1.163 * one["flow"] * difference, rel=0.02)


def test_the_anomalies_break_the_default_rules() -> None:
    rules = {rule["name"]: rule for rule in heating_demo.default_rules()}
    heat_loss = next(rule for rule in rules.values() if rule["kind"] == "heat_loss")
    low_pressure = next(
        rule
        for rule in rules.values()
        if rule["kind"] == "below" and rule["attribute"] == "pressure"
    )
    randomness = random.Random(3)
    for outdoor in (-10.0, 0.0, 5.0):
        lossy = simulation.heating_values(
            profile=heating_demo.profile(5), outdoor=outdoor, randomness=randomness
        )
        leaking = simulation.heating_values(
            profile=heating_demo.profile(11), outdoor=outdoor, randomness=randomness
        )
        normal = simulation.heating_values(
            profile=heating_demo.profile(1), outdoor=outdoor, randomness=randomness
        )
        assert lossy["supplyTemperature"] - lossy["returnTemperature"] > heat_loss["threshold"]
        assert leaking["pressure"] < low_pressure["threshold"]
        assert normal["supplyTemperature"] - normal["returnTemperature"] < heat_loss["threshold"]
        assert normal["pressure"] > low_pressure["threshold"]


def test_outdoor_temperature_follows_seasons_and_the_day() -> None:
    january = [simulation.outdoor_temperature(_at(2026, 1, day), ZONE) for day in range(1, 29)]
    july = [simulation.outdoor_temperature(_at(2026, 7, day), ZONE) for day in range(1, 29)]
    assert sum(january) / len(january) < 3
    assert sum(july) / len(july) > 20
    for day in range(1, 15):
        afternoon = simulation.outdoor_temperature(_at(2026, 11, day, 15), ZONE)
        night = simulation.outdoor_temperature(_at(2026, 11, day, 3), ZONE)
        assert afternoon > night


# Waste


def _steps(
    state: simulation.WasteState,
    *,
    kind: str,
    start: datetime.datetime,
    hours: int,
    randomness: random.Random,
) -> list[simulation.WasteState]:
    states = []
    moment = start
    for _ in range(hours):
        following = moment + datetime.timedelta(hours=1)
        state = simulation.waste_step(
            state,
            kind=kind,
            start=moment,
            end=following,
            zone=ZONE,
            outdoor=5.0,
            randomness=randomness,
        )
        states.append(state)
        moment = following
    return states


def test_containers_fill_faster_on_weekends_and_by_kind() -> None:
    empty = simulation.WasteState(filling_level=0.0, status="ok", temperature=5.0)
    saturday = _at(2026, 11, 28, 7)  # residual waste is collected Mon, Wed, Fri
    tuesday = _at(2026, 11, 24, 7)
    on_saturday = _steps(empty, kind="other", start=saturday, hours=12, randomness=random.Random(1))
    on_tuesday = _steps(empty, kind="other", start=tuesday, hours=12, randomness=random.Random(1))
    assert on_saturday[-1].filling_level > on_tuesday[-1].filling_level > 0.1
    glass = _steps(empty, kind="glass", start=saturday, hours=12, randomness=random.Random(1))
    assert glass[-1].filling_level < on_saturday[-1].filling_level / 3
    levels = [state.filling_level for state in on_saturday]
    assert levels == sorted(levels)


def test_a_collection_empties_and_puts_a_dropped_container_back() -> None:
    full = simulation.WasteState(filling_level=0.93, status="dropped", temperature=5.0)
    # Monday 06:00 local is a residual-waste collection.
    after = simulation.waste_step(
        full,
        kind="other",
        start=_at(2026, 11, 30, 5),
        end=_at(2026, 11, 30, 7),
        zone=ZONE,
        outdoor=3.0,
        randomness=random.Random(1),
    )
    assert after.filling_level < 0.1
    assert after.last_emptied == _at(2026, 11, 30, 6)
    assert after.status == "ok"
    # Not a plastic collection day: it keeps filling.
    plastic = simulation.waste_step(
        full,
        kind="plastic",
        start=_at(2026, 11, 30, 5),
        end=_at(2026, 11, 30, 7),
        zone=ZONE,
        outdoor=3.0,
        randomness=random.Random(1),
    )
    assert plastic.filling_level > 0.93
    assert plastic.last_emptied is None


def test_a_collection_is_reported_with_its_time_as_mqtt_needs() -> None:
    """Every Property the simulator sends carries observedAt, the emptying too: the MQTT
    worker refuses an entity without (it could not recognise a redelivery)."""
    container = Entity(
        entity_id="urn:ngsi-ld:WasteContainer:test-1",
        type="WasteContainer",
        attributes={
            "fillingLevel": {"type": "Property", "value": 0.9},
            "storedWasteKind": {"type": "Property", "value": "other"},
        },
    )
    # Monday 06:00 local is a residual-waste collection.
    document = simulator.waste_document(
        container,
        start=_at(2026, 11, 30, 5),
        moment=_at(2026, 11, 30, 7),
        zone=ZONE,
        outdoor=3.0,
        randomness=random.Random(1),
    )
    assert document["dateLastEmptying"] == {
        "type": "Property",
        "value": {"@type": "DateTime", "@value": "2026-11-30T04:00:00Z"},
        "observedAt": "2026-11-30T04:00:00Z",
    }
    assert missing_observed_at(document) == []


def test_fires_and_tilts_are_rare_and_repeatable() -> None:
    start = _at(2026, 1, 1, 0)
    initial = simulation.WasteState(filling_level=0.2, status="ok", temperature=5.0)
    hours = 40 * 365 * 24
    states = _steps(initial, kind="other", start=start, hours=hours, randomness=random.Random(42))
    again = _steps(initial, kind="other", start=start, hours=500, randomness=random.Random(42))
    assert states[:500] == again
    burning = [state for state in states if state.status == "burning"]

    def events(statuses: tuple[str, ...]) -> int:
        return sum(
            1
            for before, after in itertools.pairwise(states)
            if after.status in statuses and before.status not in statuses
        )

    assert 2 <= events(("burning",)) <= 15  # about one every six years
    assert 6 <= events(("dropped", "moved")) <= 35  # about one every two and a half years
    # A knocked-over container stands again after its next collection.
    assert sum(state.status in ("dropped", "moved") for state in states) < hours * 0.05
    assert all(state.temperature >= 70 for state in burning)
    assert all(state.temperature < 20 for state in states if state.status != "burning")


# The command


@pytest.mark.django_db
def test_bad_options_are_refused(botosani: Municipality) -> None:
    with pytest.raises(CommandError, match="No municipality nowhere"):
        call_command("urbandata_simulate", "--city", "nowhere", "--once")
    with pytest.raises(CommandError, match="positive"):
        call_command("urbandata_simulate", "--interval", "0", "--once")
    assert DeviceKey.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_one_step_reaches_the_api_of_the_live_server(
    botosani: Municipality, live_server: LiveServer
) -> None:
    heating_demo.botosani_network_load(municipality=botosani, count=3)
    # Loaded an hour ago: the step observes an hour later.
    hour_ago = datetime.datetime.now(UTC) - datetime.timedelta(hours=1)
    waste_demo.botosani_containers_load(municipality=botosani, now=hour_ago)
    before = Reading.objects.count()
    started = datetime.datetime.now(UTC).replace(microsecond=0)

    out = io.StringIO()
    call_command(
        "urbandata_simulate",
        "--city",
        "botosani",
        "--once",
        "--http",
        live_server.url,
        "--mqtt",
        "",
        "--seed",
        "1",
        stdout=out,
    )

    assert "botosani: 3 HeatSubstation, 40 WasteContainer (HTTP 43, MQTT 0)" in out.getvalue()
    # Each device's values arrived through the API, with the step's observation time.
    for entity in Entity.objects.filter(municipality=botosani):
        assert entity.last_observed_at is not None
        assert entity.last_observed_at >= started
    substation = Entity.objects.get(entity_id="urn:ngsi-ld:HeatSubstation:botosani-pt-01")
    assert substation.attributes["supplyTemperature"]["observedAt"] >= started.isoformat()[:19]
    # Six heating attributes per substation, three per container.
    assert Reading.objects.count() == before + 3 * 6 + 40 * 3
    key = DeviceKey.objects.get(name=KEY_NAME)
    assert key.last_used_at is not None
    assert key.revoked_at is not None  # revoked when the simulator stopped


@pytest.mark.django_db
def test_an_unreachable_server_is_an_error_once_and_the_key_is_revoked(
    botosani: Municipality,
) -> None:
    heating_demo.botosani_network_load(municipality=botosani, count=1)
    with pytest.raises(CommandError, match="cannot be reached"):
        call_command("urbandata_simulate", "--once", "--http", "http://127.0.0.1:9", "--mqtt", "")
    key = DeviceKey.objects.get(name=KEY_NAME)
    assert key.revoked_at is not None
