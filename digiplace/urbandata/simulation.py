"""Realistic values for the demo's devices, as pure functions of time, a device's profile and
a seeded random generator (the same seed gives the same values): what the demo's history
(``demo/heating.py``, ``demo/waste.py``) and the live simulator (``manage.py
urbandata_simulate``) send.

- District heating follows the outdoor temperature: the colder it is, the hotter the supply
  (the network's heating curve), the larger the load, flow and supply–return difference.
- Waste containers fill by fraction (residual waste fastest, glass slowest), faster on
  weekends and in the daytime, are emptied on their collection days, and now and then catch
  fire (status ``burning``, temperature up) or are knocked over or moved.
- Air quality (the air component's model, ``demo.air.station_values``): daily cycles with
  traffic peaks.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass, replace

# The heating curve: supply temperature at the design outdoor temperature and at the
# temperature above which the network runs for hot water only.
DESIGN_OUTDOOR = -15.0
DESIGN_SUPPLY = 110.0
SUMMER_OUTDOOR = 12.0
SUMMER_SUPPLY = 65.0
# Water's heat capacity per m³: kWh per m³ and kelvin.
WATER_KWH_PER_M3_K = 1.163
# What the heat-loss anomaly adds to the supply-return difference: enough to pass the demo's
# 40 K rule in every season (at the summer's hot-water load the normal difference is about
# 19 K; with 18 K more it crossed 40 K only below about 8 °C outdoors, and the demo's
# anomaly came and went with the weather).
HEAT_LOSS_EXTRA = 26.0
LOW_PRESSURE_DROP = 2.8


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def outdoor_temperature(
    moment: datetime.datetime,
    zone: datetime.tzinfo,
    randomness: random.Random | None = None,
) -> float:
    """Botoșani's outdoor temperature (°C): about −3 °C in January and 22 °C in July, 4 °C
    warmer at 3 p.m. than at 3 a.m., with weather fronts over a few days."""
    local = moment.astimezone(zone)
    day_of_year = local.timetuple().tm_yday
    hour = local.hour + local.minute / 60
    days = moment.timestamp() / 86400
    seasonal = 9.5 - 12.5 * math.cos(2 * math.pi * (day_of_year - 20) / 365)
    daily = 4.0 * math.sin(2 * math.pi * (hour - 9) / 24)
    weather = 3.0 * math.sin(2 * math.pi * days / 5.3) + 1.5 * math.sin(2 * math.pi * days / 2.1)
    noise = randomness.gauss(0, 0.3) if randomness is not None else 0.0
    return round(seasonal + daily + weather + noise, 1)


def supply_setpoint(outdoor: float) -> float:
    """The heating curve: 110 °C at −15 °C outdoors, 65 °C from 12 °C up, linear between."""
    share = _clamp((SUMMER_OUTDOOR - outdoor) / (SUMMER_OUTDOOR - DESIGN_OUTDOOR), 0.0, 1.0)
    return SUMMER_SUPPLY + share * (DESIGN_SUPPLY - SUMMER_SUPPLY)


@dataclass(frozen=True)
class SubstationProfile:
    """What makes one substation differ from another: its design load and static pressure,
    and an anomaly the demo shows (``heat_loss``: the return comes back far too cold;
    ``low_pressure``: a leak)."""

    number: int
    capacity_kw: float
    base_pressure: float
    anomaly: str = ""


def substation_profile(number: int, *, anomaly: str = "") -> SubstationProfile:
    randomness = random.Random(number * 7919)  # noqa: S311 - demo values, not secrets
    base_pressure = round(randomness.uniform(4.2, 6.8), 2)
    if anomaly == "low_pressure":
        base_pressure = 4.5  # a leak brings it to about 1.7 bar
    return SubstationProfile(
        number=number,
        capacity_kw=round(randomness.uniform(800, 3500), -1),
        base_pressure=base_pressure,
        anomaly=anomaly,
    )


def heating_values(
    *, profile: SubstationProfile, outdoor: float, randomness: random.Random
) -> dict[str, float]:
    """One observation of a substation: supply and return temperatures (°C), pressure (bar),
    flow (m³/h), heat power (kW) and the outdoor temperature it answers to."""
    noise = randomness.gauss
    supply = supply_setpoint(outdoor) + noise(0, 0.8)
    # Share of the design load: space heating below 18 °C, hot water all year.
    load = _clamp((18 - outdoor) / (18 - DESIGN_OUTDOOR), 0.08, 1.0)
    difference = 18 + 14 * load + noise(0, 0.7)
    if profile.anomaly == "heat_loss":
        difference += HEAT_LOSS_EXTRA
    power = profile.capacity_kw * load * (1 + noise(0, 0.03))
    flow = power / (WATER_KWH_PER_M3_K * difference)
    pressure = profile.base_pressure + noise(0, 0.05)
    if profile.anomaly == "low_pressure":
        pressure -= LOW_PRESSURE_DROP
    return {
        "supplyTemperature": round(supply, 1),
        "returnTemperature": round(supply - difference, 1),
        "pressure": round(max(pressure, 0.1), 2),
        "flow": round(max(flow, 0.0), 2),
        "heatPower": round(max(power, 0.0), 1),
        "outdoorTemperature": round(outdoor, 1),
    }


# Waste: fill per hour by kind at a weekday's daytime rate (Smart Data Models'
# storedWasteKind), and the local weekdays (0 = Monday) each kind is collected.
FILL_PER_HOUR = {"other": 0.016, "organic": 0.012, "plastic": 0.009, "paper": 0.007, "glass": 0.003}
COLLECTION_DAYS = {
    "other": (0, 2, 4),
    "organic": (1, 4),
    "plastic": (2,),
    "paper": (3,),
    "glass": (1,),
}
COLLECTION_HOUR = 6
# Per bin: about one fire in six years and one knock-over in two and a half, so that the
# demo's ~2,000 bins give the dispatcher about one fire a day, not one an hour.
FIRE_PER_HOUR = 0.00002
TILT_PER_HOUR = 0.00005
FIRE_OUT_PER_HOUR = 0.5


@dataclass(frozen=True)
class WasteState:
    """A container's state: what its sensor reports."""

    filling_level: float
    status: str
    temperature: float
    last_emptied: datetime.datetime | None = None


def waste_fill_rate(kind: str, local: datetime.datetime) -> float:
    """Fill per hour: by kind, more on weekends (people at home) and in the daytime."""
    base = FILL_PER_HOUR.get(kind, FILL_PER_HOUR["other"])
    weekday_factor = (1.1, 0.95, 0.95, 0.95, 1.0, 1.3, 1.35)[local.weekday()]
    daytime = 1.5 if 7 <= local.hour < 22 else 0.25
    return base * weekday_factor * daytime


def waste_step(
    state: WasteState,
    *,
    kind: str,
    start: datetime.datetime,
    end: datetime.datetime,
    zone: datetime.tzinfo,
    outdoor: float,
    randomness: random.Random,
) -> WasteState:
    """The state at ``end`` of a container that was in ``state`` at ``start``: filled at its
    kind's rate, emptied if a collection hour fell between (which also puts a knocked-over
    container back), with rare fire and tilt events drawn per hour."""
    hours = max((end - start).total_seconds() / 3600, 0.0)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    fill = state.filling_level
    status = state.status
    temperature = state.temperature
    last_emptied = state.last_emptied
    collected = _collection_between(local_start, local_end, kind)
    if collected is not None:
        fill = 0.02
        last_emptied = collected
        if status in ("dropped", "moved", "lidOpen"):
            status = "ok"
        hours_after = (local_end - collected).total_seconds() / 3600
        fill += waste_fill_rate(kind, local_end) * hours_after
    else:
        fill += waste_fill_rate(kind, local_end) * hours * (1 + randomness.gauss(0, 0.15))
    if status == "burning" and randomness.random() < 1 - (1 - FIRE_OUT_PER_HOUR) ** hours:
        status = "ok"
    if status == "ok":
        if randomness.random() < 1 - (1 - FIRE_PER_HOUR) ** hours:
            status = "burning"
        elif randomness.random() < 1 - (1 - TILT_PER_HOUR) ** hours:
            status = randomness.choice(("dropped", "moved"))
    if status == "burning":
        temperature = round(randomness.uniform(70, 250), 1)
    else:
        temperature = round(outdoor + 1.5 + randomness.gauss(0, 0.4), 1)
    return replace(
        state,
        filling_level=round(_clamp(fill, 0.0, 1.0), 3),
        status=status,
        temperature=temperature,
        last_emptied=last_emptied,
    )


def _collection_between(
    local_start: datetime.datetime, local_end: datetime.datetime, kind: str
) -> datetime.datetime | None:
    """The latest collection time (local) in (start, end], if any."""
    days = COLLECTION_DAYS.get(kind, COLLECTION_DAYS["other"])
    day = local_end.date()
    while day >= local_start.date():
        if day.weekday() in days:
            moment = datetime.datetime.combine(
                day, datetime.time(COLLECTION_HOUR), tzinfo=local_end.tzinfo
            )
            if local_start < moment <= local_end:
                return moment
            if moment <= local_start:
                return None
        day -= datetime.timedelta(days=1)
    return None


def waste_initial(*, kind: str, randomness: random.Random, outdoor: float) -> WasteState:
    return WasteState(
        filling_level=round(randomness.uniform(0.05, 0.6), 3),
        status="ok",
        temperature=round(outdoor + 1.5, 1),
    )
