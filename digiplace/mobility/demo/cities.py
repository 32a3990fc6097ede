"""What the two demo cities' networks are made of: stops, lines along streets, the fleet, the
chargers and the car parks. Coordinates are approximate (a few tens of metres), but the
lines follow the real streets' course and stay inside each city's map.

Botoșani: its tram (1991–2022, operator Eltrans) ran two lines, 101 and 102, from the
furniture factory near Cătămărăști-Deal up Calea Națională through the centre to the
railway station, then on to the Luceafărul cinema (101) or the Primăverii district (102);
the plan (seeds/000 §5.1) replaces it with 11 electric buses on the same routes, charging
stations along them, GPS tracking and 20 ticket validators. Timișoara: a small network of
four bus lines through the centre (its strategy wants accessible public transport, parking
and electric mobility).
"""

from __future__ import annotations

from dataclasses import dataclass

from .geometry import Point


@dataclass(frozen=True)
class LineSpec:
    number: str
    name: str
    colour: str
    # Direction 0, as stop ids and (latitude, longitude) via-points between them;
    # direction 1 runs it backwards.
    path: tuple[str | Point, ...]
    weekday_buses: int
    weekend_buses: int


@dataclass(frozen=True)
class PlaceSpec:
    code: str
    name: str
    position: Point
    # Charging points of a charger, spaces of a car park.
    capacity: int


@dataclass(frozen=True)
class CityNetwork:
    agency: str
    agency_url: str
    agency_phone: str
    # Kilometres per hour between stops (without the dwell).
    speed_kmh: float
    stops: dict[str, tuple[str, Point]]
    lines: tuple[LineSpec, ...]
    fleet_prefix: str
    vehicle_model: str
    depot: Point
    validators: int
    chargers: tuple[PlaceSpec, ...]
    car_parks: tuple[PlaceSpec, ...]
    # Single kerbside spaces with a sensor (ParkingSpot entities).
    parking_spots: tuple[PlaceSpec, ...] = ()


BOTOSANI = CityNetwork(
    agency="Eltrans Botoșani",
    agency_url="https://www.eltransbotosani.ro/",
    agency_phone="+40 231 512 115",
    speed_kmh=19.0,
    stops={
        "BT01": ("Cătămărăști-Deal", (47.7172, 26.6962)),
        "BT02": ("Fabrica de mobilă", (47.7214, 26.6921)),
        "BT03": ("Electrocontact", (47.7257, 26.6874)),
        "BT04": ("Kaufland", (47.7301, 26.6826)),
        "BT05": ("E.ON – Calea Națională", (47.7346, 26.6781)),
        "BT06": ("Str. Pacea", (47.7389, 26.6741)),
        "BT07": ("Spitalul Județean", (47.7428, 26.6704)),
        "BT08": ("Centru – Piața Revoluției", (47.7466, 26.6664)),
        "BT09": ("Teatrul Mihai Eminescu", (47.7499, 26.6633)),
        "BT10": ("Str. Sucevei", (47.7531, 26.6603)),
        "BT11": ("Gara Botoșani", (47.7566, 26.6549)),
        "BT12": ("Bd. Mihai Eminescu", (47.7540, 26.6500)),
        "BT13": ("Cinema Luceafărul", (47.7508, 26.6468)),
        "BT14": ("Str. Bucovina", (47.7602, 26.6520)),
        "BT15": ("Str. Primăverii", (47.7637, 26.6489)),
        "BT16": ("Cartier Primăverii", (47.7668, 26.6452)),
    },
    lines=(
        LineSpec(
            "101",
            "Cătămărăști-Deal – Gara – Cinema Luceafărul",
            "1B7F3B",
            (
                "BT01",
                "BT02",
                "BT03",
                "BT04",
                "BT05",
                "BT06",
                "BT07",
                "BT08",
                "BT09",
                "BT10",
                (47.7552, 26.6580),
                "BT11",
                (47.7556, 26.6522),
                "BT12",
                "BT13",
            ),
            weekday_buses=6,
            weekend_buses=3,
        ),
        LineSpec(
            "102",
            "Cătămărăști-Deal – Gara – Cartier Primăverii",
            "0B5A8C",
            (
                "BT01",
                "BT02",
                "BT03",
                "BT04",
                "BT05",
                "BT06",
                "BT07",
                "BT08",
                "BT09",
                "BT10",
                (47.7552, 26.6580),
                "BT11",
                (47.7585, 26.6538),
                "BT14",
                "BT15",
                "BT16",
            ),
            weekday_buses=5,
            weekend_buses=3,
        ),
    ),
    fleet_prefix="BT-E",
    vehicle_model="autobuz electric 12 m",
    # The former tram depot by the furniture factory.
    depot=(47.7196, 26.6950),
    validators=20,
    chargers=(
        PlaceSpec(
            "depou-catamarasti", "Depoul Cătămărăști – încărcare autobuze", (47.7194, 26.6955), 6
        ),
        PlaceSpec("gara", "Gara Botoșani – încărcare rapidă", (47.7569, 26.6544), 2),
        PlaceSpec("primaverii", "Cartier Primăverii – încărcare rapidă", (47.7671, 26.6447), 2),
        PlaceSpec("luceafarul", "Cinema Luceafărul – stație publică", (47.7505, 26.6463), 2),
        PlaceSpec("centru", "Piața Revoluției – stație publică", (47.7470, 26.6655), 4),
    ),
    car_parks=(
        PlaceSpec("centru-vechi", "Parcarea Centrul Vechi", (47.7456, 26.6672), 120),
        PlaceSpec("gara", "Parcarea Gării", (47.7572, 26.6560), 60),
        PlaceSpec("spital", "Parcarea Spitalului Județean", (47.7432, 26.6712), 80),
    ),
    parking_spots=tuple(
        PlaceSpec(
            f"revolutiei-{number:02d}",
            f"Piața Revoluției, locul {number}",
            (47.7462 + number * 0.00004, 26.6668),
            1,
        )
        for number in range(1, 7)
    ),
)

TIMISOARA = CityNetwork(
    agency="Societatea de Transport Public Timișoara",
    agency_url="https://www.stpt.ro/",
    agency_phone="+40 256 493 240",
    speed_kmh=17.0,
    stops={
        "TM01": ("Gara de Nord", (45.7504, 21.2073)),
        "TM02": ("Piața Maria", (45.7512, 21.2195)),
        "TM03": ("Piața Victoriei", (45.7537, 21.2257)),
        "TM04": ("Piața Libertății", (45.7561, 21.2272)),
        "TM05": ("Piața 700", (45.7588, 21.2268)),
        "TM06": ("Piața Mărăști", (45.7598, 21.2342)),
        "TM07": ("Piața Traian", (45.7574, 21.2456)),
        "TM08": ("Piața Consiliul Europei", (45.7663, 21.2283)),
        "TM09": ("Calea Aradului", (45.7780, 21.2262)),
        "TM10": ("Calea Aradului Nord", (45.7850, 21.2245)),
        "TM11": ("Parcul Rozelor", (45.7507, 21.2290)),
        "TM12": ("Piața Badea Cârțan", (45.7502, 21.2335)),
        "TM13": ("Complexul Studențesc", (45.7468, 21.2395)),
        "TM14": ("Calea Girocului", (45.7345, 21.2340)),
        "TM15": ("Calea Girocului Sud", (45.7290, 21.2390)),
        "TM16": ("Piața Nicolae Bălcescu", (45.7472, 21.2200)),
        "TM17": ("Calea Șagului", (45.7380, 21.2105)),
        "TM18": ("Calea Șagului Sud", (45.7275, 21.2085)),
        "TM19": ("Piața Dacia", (45.7670, 21.2400)),
        "TM20": ("Calea Lipovei", (45.7760, 21.2450)),
    },
    lines=(
        LineSpec(
            "E2",
            "Gara de Nord – Piața Traian",
            "B5123E",
            ("TM01", "TM02", "TM03", "TM04", "TM05", "TM06", (45.7590, 21.2400), "TM07"),
            weekday_buses=4,
            weekend_buses=2,
        ),
        LineSpec(
            "33",
            "Calea Aradului Nord – Calea Girocului Sud",
            "2E7D32",
            (
                "TM10",
                "TM09",
                "TM08",
                "TM05",
                "TM04",
                "TM03",
                "TM11",
                "TM12",
                (45.7420, 21.2335),
                "TM14",
                "TM15",
            ),
            weekday_buses=4,
            weekend_buses=2,
        ),
        LineSpec(
            "E4",
            "Calea Șagului Sud – Calea Lipovei",
            "6A1B9A",
            (
                "TM18",
                "TM17",
                "TM16",
                "TM03",
                "TM04",
                "TM05",
                "TM06",
                "TM19",
                "TM20",
            ),
            weekday_buses=3,
            weekend_buses=2,
        ),
        LineSpec(
            "11",
            "Complexul Studențesc – Gara de Nord",
            "E65100",
            ("TM13", "TM12", "TM11", "TM03", "TM02", "TM01"),
            weekday_buses=3,
            weekend_buses=2,
        ),
    ),
    fleet_prefix="TM-",
    vehicle_model="autobuz electric 12 m",
    depot=(45.7700, 21.2170),
    validators=14,
    chargers=(
        PlaceSpec(
            "autobaza-dambovita", "Autobaza STPT – încărcare autobuze", (45.7700, 21.2170), 8
        ),
        PlaceSpec("gara-de-nord", "Gara de Nord – încărcare rapidă", (45.7508, 21.2068), 2),
        PlaceSpec("iulius", "Piața Consiliul Europei – stație publică", (45.7668, 21.2290), 6),
        PlaceSpec("piata-victoriei", "Piața Victoriei – stație publică", (45.7533, 21.2249), 4),
    ),
    car_parks=(
        PlaceSpec("marasti", "Parcarea etajată Piața Mărăști", (45.7603, 21.2348), 360),
        PlaceSpec("iulius", "Parcarea Iulius Town", (45.7672, 21.2300), 900),
        PlaceSpec("gara-de-nord", "Parcarea Gara de Nord", (45.7500, 21.2082), 150),
        PlaceSpec("badea-cartan", "Parcarea Piața Badea Cârțan", (45.7497, 21.2340), 110),
    ),
    parking_spots=tuple(
        PlaceSpec(
            f"alba-iulia-{number:02d}",
            f"Str. Alba Iulia, locul {number}",
            (45.7552, 21.2275 + number * 0.00005),
            1,
        )
        for number in range(1, 9)
    ),
)

NETWORKS = {"botosani": BOTOSANI, "timisoara": TIMISOARA}
