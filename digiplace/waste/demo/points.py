"""The demo's collection points and containers.

Botoșani's plan counts 81 authorised outdoor container points, Timișoara's strategy 475
collection points. Each point belongs to a real neighbourhood of its city and stands near
that neighbourhood's middle (placed roughly: a bearing and a distance from the city centre,
not surveyed), more of them in the centre and the large estates of blocks of flats; all
inside the city's bounds. Botoșani's first 12 points are urban data's demo points
(``digiplace.urbandata.demo.waste``): same places, and their containers adopt the
``WasteContainer`` entities urban data made (same ids), so nothing is duplicated.

Every point has residual waste, paper and cardboard, plastic and metal; about a third have a
glass bell, about one in five a bin for biodegradable waste.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from digiplace.urbandata.demo import waste as urbandata_waste

from ..models import STORED_WASTE_KIND, Fraction

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

POINT_COUNTS = {"botosani": 81, "timisoara": 475}
ADOPTED_POINTS = {"botosani": urbandata_waste.POINT_COUNT}
GLASS_EVERY = urbandata_waste.GLASS_EVERY  # glass where the point's number divides by 3
BIO_EVERY = 5
KM_PER_DEGREE_LATITUDE = 111.2


@dataclass(frozen=True)
class Neighbourhood:
    name: str
    bearing: float  # degrees from north, from the city centre
    distance_km: float
    weight: float  # its share of the points
    streets: tuple[str, ...]


NEIGHBOURHOODS: dict[str, tuple[Neighbourhood, ...]] = {
    "botosani": (
        Neighbourhood(
            "Centru",
            0,
            0.0,
            5,
            (
                "Piața Revoluției",
                "Str. 1 Decembrie",
                "Str. Nicolae Iorga",
                "Str. Cuza Vodă",
                "Str. Ștefan cel Mare",
                "Calea Națională",
            ),
        ),
        # Placed where urban data's demo has the points on their streets (Str. Bucovina,
        # Str. Pacea, Str. Cișmea, ...), so that the two demos tell the same story.
        Neighbourhood(
            "Cișmea", 145, 1.8, 3, ("Str. Cișmea", "Str. Tudor Vladimirescu", "Str. Uzinei")
        ),
        Neighbourhood(
            "Bucovina", 197, 1.5, 4, ("Str. Bucovina", "Str. Dragoș Vodă", "Str. Manoliu")
        ),
        Neighbourhood(
            "Parcul Tineretului",
            105,
            1.4,
            4,
            ("Bd. Mihai Eminescu", "Str. Parcului", "Str. Săvenilor"),
        ),
        Neighbourhood(
            "Grigorescu", 50, 1.6, 3, ("Str. Grigorescu", "Str. Octav Onicescu", "Str. Pușkin")
        ),
        Neighbourhood(
            "Împărăteasa Elisabeta",
            315,
            2.1,
            3,
            ("Str. Împărăteasa Elisabeta", "Str. Marchian", "Str. Independenței"),
        ),
        Neighbourhood("Pacea", 282, 1.7, 3, ("Str. Pacea", "Str. Marchian", "Str. Grivița")),
        Neighbourhood("Primăverii", 345, 1.5, 3, ("Str. Primăverii", "Str. Sucevei")),
        Neighbourhood("Tulbureni", 235, 2.1, 2, ("Str. Tulbureni", "Str. Grivița", "Str. Uzinei")),
    ),
    "timisoara": (
        Neighbourhood(
            "Cetate",
            0,
            0.0,
            5,
            (
                "Bd. Revoluției din 1989",
                "Str. Alba Iulia",
                "Str. Mercy",
                "Str. Eugeniu de Savoya",
                "Str. Vasile Alecsandri",
            ),
        ),
        Neighbourhood(
            "Fabric", 80, 1.6, 4, ("Str. Ștefan cel Mare", "Bd. 3 August 1919", "Str. Dacilor")
        ),
        Neighbourhood(
            "Iosefin",
            235,
            1.6,
            4,
            ("Bd. Regele Carol I", "Str. Gheorghe Doja", "Bd. 16 Decembrie 1989"),
        ),
        Neighbourhood(
            "Elisabetin", 190, 1.2, 4, ("Str. Romulus", "Str. Gheorghe Lazăr", "Bd. Eroilor")
        ),
        Neighbourhood(
            "Circumvalațiunii",
            295,
            1.9,
            5,
            ("Calea Circumvalațiunii", "Str. Oituz", "Str. Gării"),
        ),
        Neighbourhood(
            "Dâmbovița", 250, 2.6, 4, ("Calea Șagului", "Str. Ion Slavici", "Str. Dâmbovița")
        ),
        Neighbourhood(
            "Girocului", 175, 2.8, 5, ("Calea Girocului", "Str. Brâncoveanu", "Str. Cluj")
        ),
        Neighbourhood(
            "Calea Aradului", 355, 2.3, 4, ("Calea Aradului", "Str. Ialomița", "Str. Bega")
        ),
        Neighbourhood("Lipovei", 35, 2.3, 4, ("Calea Lipovei", "Str. Arieș", "Str. Lugojului")),
        Neighbourhood(
            "Soarelui", 150, 3.1, 4, ("Calea Martirilor 1989", "Str. Sofocle", "Str. Lorena")
        ),
        Neighbourhood(
            "Fratelia", 215, 3.5, 2, ("Str. Lidia", "Str. Chișodei", "Str. Iancu Văcărescu")
        ),
        Neighbourhood(
            "Freidorf", 265, 4.0, 2, ("Str. Ardealul", "Str. Macilor", "Str. Nicolae Bălcescu")
        ),
        Neighbourhood(
            "Ronaț", 305, 3.6, 2, ("Str. Cosminului", "Str. Ronaț", "Str. Mareșal Averescu")
        ),
        Neighbourhood(
            "Complex Studențesc", 140, 1.8, 3, ("Bd. Vasile Pârvan", "Aleea Studenților")
        ),
        Neighbourhood(
            "Plopi", 65, 2.8, 2, ("Str. Ovidiu Balea", "Str. Plopilor", "Str. Bujorilor")
        ),
    ),
}


@dataclass(frozen=True)
class ContainerKind:
    """What stands at a point for one fraction."""

    fraction: Fraction
    capacity_litres: int
    model: str

    @property
    def stored_waste_kind(self) -> str:
        return STORED_WASTE_KIND[self.fraction]


# Wheeled four-wheel bins (EN 840-3) for the everyday fractions, a bell lifted by crane
# (EN 13071) for glass, a two-wheel bin (EN 840-1) for kitchen waste, which is heavy.
KINDS = {
    Fraction.RESIDUAL: ContainerKind(Fraction.RESIDUAL, 1100, "EN 840-3 1100 L"),
    Fraction.PAPER: ContainerKind(Fraction.PAPER, 1100, "EN 840-3 1100 L"),
    Fraction.PLASTIC: ContainerKind(Fraction.PLASTIC, 1100, "EN 840-3 1100 L"),
    Fraction.GLASS: ContainerKind(Fraction.GLASS, 2500, "EN 13071 2500 L"),
    Fraction.BIO: ContainerKind(Fraction.BIO, 240, "EN 840-1 240 L"),
}
FRACTION_OF_KIND = {kind: fraction for fraction, kind in STORED_WASTE_KIND.items()}
KIND_NAMES = {**urbandata_waste.KIND_NAMES, "organic": "biodegradabil"}


@dataclass(frozen=True)
class PointPlan:
    """A point as the demo places it, before it is saved."""

    number: int
    code: str
    name: str
    street: str
    neighbourhood: str
    latitude: float
    longitude: float
    adopted: bool  # urban data's demo point: its entities exist already

    def fractions(self) -> tuple[Fraction, ...]:
        if self.adopted:
            kinds = urbandata_waste.point_kinds(self.number)
            return tuple(FRACTION_OF_KIND[kind] for kind in kinds)
        fractions = [Fraction.RESIDUAL, Fraction.PAPER, Fraction.PLASTIC]
        if self.number % GLASS_EVERY == 0:
            fractions.append(Fraction.GLASS)
        if self.number % BIO_EVERY == 0:
            fractions.append(Fraction.BIO)
        return tuple(fractions)

    def entity_id(self, city: str, fraction: Fraction) -> str:
        kind = STORED_WASTE_KIND[fraction]
        if self.adopted:
            return urbandata_waste.ENTITY_ID.format(point=self.number, kind=kind)
        return f"urn:ngsi-ld:WasteContainer:{city}-{self.code}-{kind}"

    def container_code(self, fraction: Fraction) -> str:
        return f"{self.code}-{STORED_WASTE_KIND[fraction]}"

    def entity_name(self, fraction: Fraction) -> str:
        return f"{self.code.upper()} {self.street} · {KIND_NAMES[STORED_WASTE_KIND[fraction]]}"


def _offset(start: tuple[float, float], bearing: float, distance_km: float) -> tuple[float, float]:
    latitude, longitude = start
    north = distance_km * math.cos(math.radians(bearing)) / KM_PER_DEGREE_LATITUDE
    east_degrees = KM_PER_DEGREE_LATITUDE * math.cos(math.radians(latitude))
    east = distance_km * math.sin(math.radians(bearing)) / east_degrees
    return latitude + north, longitude + east


def _nearest(position: tuple[float, float], places: dict[str, tuple[float, float]]) -> str:
    def squared(name: str) -> float:
        latitude, longitude = places[name]
        scale = math.cos(math.radians(latitude))
        return (latitude - position[0]) ** 2 + ((longitude - position[1]) * scale) ** 2

    return min(places, key=squared)


def point_plans(municipality: Municipality) -> list[PointPlan]:
    """The city's demo points in code order (the same every time: seeded)."""
    city = municipality.slug
    count = POINT_COUNTS[city]
    neighbourhoods = NEIGHBOURHOODS[city]
    randomness = random.Random(f"waste-demo-points-{city}")  # noqa: S311 - demo places
    centre = (municipality.centre_latitude, municipality.centre_longitude)
    middles = {
        area.name: _offset(centre, area.bearing, area.distance_km) for area in neighbourhoods
    }
    plans: list[PointPlan] = []
    adopted = ADOPTED_POINTS.get(city, 0)
    if adopted:
        for index, (latitude, longitude) in enumerate(urbandata_waste.positions(municipality)):
            number = index + 1
            street = urbandata_waste.STREETS[index % len(urbandata_waste.STREETS)]
            plans.append(
                PointPlan(
                    number=number,
                    code=f"p{number:03d}",
                    name=f"{street} {randomness.randint(1, 80)}",
                    street=street,
                    neighbourhood=_nearest((latitude, longitude), middles),
                    latitude=latitude,
                    longitude=longitude,
                    adopted=True,
                )
            )
    weights = [area.weight for area in neighbourhoods]
    for number in range(adopted + 1, count + 1):
        area = randomness.choices(neighbourhoods, weights=weights)[0]
        # The centre is compact; estates spread over half a kilometre or so.
        spread_km = 0.35 if area.distance_km == 0 else 0.45
        while True:
            latitude, longitude = _offset(
                middles[area.name], randomness.uniform(0, 360), abs(randomness.gauss(0, spread_km))
            )
            if municipality.contains_point(latitude, longitude):
                break
        street = randomness.choice(area.streets)
        plans.append(
            PointPlan(
                number=number,
                code=f"p{number:03d}",
                name=f"{street} {randomness.randint(1, 120)}",
                street=street,
                neighbourhood=area.name,
                latitude=round(latitude, 6),
                longitude=round(longitude, 6),
                adopted=False,
            )
        )
    return plans
