"""The entity types the platform knows, with their attributes as the FIWARE Smart Data Models
define them (names, value types, units, allowed values).

An entity of a type not listed here is refused (``BadRequestData``): the platform stores,
charts and checks what it understands. Attributes not listed on a known type are kept as
they come (NGSI-LD allows any), without a unit or range check; numbers among them are kept as
time series too.

Units are UN/CEFACT common codes, as NGSI-LD's ``unitCode`` carries them.

Sources: https://github.com/smart-data-models (dataModel.WasteManagement/WasteContainer,
dataModel.Environment/AirQualityObserved, dataModel.Streetlighting/Streetlight,
dataModel.Transportation/Vehicle and EVChargingStation, dataModel.Parking/ParkingSpot and
OffStreetParking).
District-heating substations have no Smart Data Model; ``HeatSubstation`` follows their
naming habits (camelCase, Celsius, ``dateObserved``) under the platform's own namespace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ValueKind = Literal["number", "integer", "text", "datetime", "boolean", "json"]

SDM = "https://smartdatamodels.org/"
# The platform's namespace for the few terms no Smart Data Model defines.
DIGIPLACE_VOCAB = "https://digiplace.eu/ns/urbandata#"

# UN/CEFACT common codes used below.
UNIT_MICROGRAM_PER_M3 = "GQ"
UNIT_CELSIUS = "CEL"
UNIT_BAR = "BAR"
UNIT_M3_PER_HOUR = "MQH"
UNIT_KILOWATT = "KWT"
UNIT_KM_PER_HOUR = "KMH"
UNIT_DEGREE = "DD"
UNIT_KILOGRAM = "KGM"
UNIT_PERCENT = "P1"
UNIT_SECOND = "SEC"
UNIT_METRE = "MTR"

UNIT_LABELS: dict[str, str] = {
    UNIT_MICROGRAM_PER_M3: "µg/m³",
    UNIT_CELSIUS: "°C",
    UNIT_BAR: "bar",
    UNIT_M3_PER_HOUR: "m³/h",
    UNIT_KILOWATT: "kW",
    UNIT_KM_PER_HOUR: "km/h",
    UNIT_DEGREE: "°",
    UNIT_KILOGRAM: "kg",
    UNIT_PERCENT: "%",
    UNIT_SECOND: "s",
    UNIT_METRE: "m",
}


@dataclass(frozen=True)
class AttributeSpec:
    name: str
    kind: ValueKind
    label: str | Promise
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    # The attribute's IRI, when it is not the type's Smart Data Model namespace + name.
    iri: str = ""

    @property
    def is_series(self) -> bool:
        """Whether each value is kept as a reading (numbers, and text states such as status)."""
        return self.kind in ("number", "integer") or bool(self.choices)


@dataclass(frozen=True)
class EntityTypeSpec:
    name: str
    label: str | Promise
    label_plural: str | Promise
    namespace: str
    attributes: dict[str, AttributeSpec] = field(default_factory=dict)
    # Readable without a key, over NGSI-LD and on public pages.
    public: bool = False

    @property
    def iri(self) -> str:
        return self.namespace + self.name

    def attribute_iri(self, name: str) -> str:
        spec = self.attributes.get(name)
        if spec is not None and spec.iri:
            return spec.iri
        return self.namespace + name


def _attrs(*specs: AttributeSpec) -> dict[str, AttributeSpec]:
    return {spec.name: spec for spec in specs}


_COMMON = (
    AttributeSpec("name", "text", _("name"), iri=SDM + "name"),
    AttributeSpec("description", "text", _("description"), iri=SDM + "description"),
    AttributeSpec("address", "json", _("address"), iri=SDM + "address"),
    AttributeSpec("dateObserved", "datetime", _("observed at")),
    AttributeSpec("serialNumber", "text", _("serial number")),
)

POLLUTANTS = ("pm25", "pm10", "no2", "o3", "so2")

WASTE_CONTAINER_STATUSES = ("ok", "lidOpen", "dropped", "moved", "vandalized", "burning")
# dataModel.Parking/OffStreetParking's status values.
OFF_STREET_PARKING_STATUSES = (
    "open",
    "closed",
    "full",
    "almostFull",
    "almostEmpty",
    "spotsAvailable",
    "unknown",
)

ENTITY_TYPES: dict[str, EntityTypeSpec] = {
    spec.name: spec
    for spec in (
        EntityTypeSpec(
            "WasteContainer",
            _("waste container"),
            _("waste containers"),
            SDM + "dataModel.WasteManagement/",
            _attrs(
                *_COMMON,
                AttributeSpec("fillingLevel", "number", _("filling level"), "", 0, 1),
                AttributeSpec("temperature", "number", _("temperature"), UNIT_CELSIUS, -60, 1000),
                AttributeSpec("cargoWeight", "number", _("cargo weight"), UNIT_KILOGRAM, 0),
                AttributeSpec("status", "text", _("status"), choices=WASTE_CONTAINER_STATUSES),
                AttributeSpec("dateLastEmptying", "datetime", _("last emptied")),
                AttributeSpec("dateNextActuation", "datetime", _("next collection")),
                AttributeSpec("storedWasteKind", "text", _("waste kind")),
                AttributeSpec("refWasteContainerModel", "text", _("container model")),
            ),
            public=True,
        ),
        EntityTypeSpec(
            "AirQualityObserved",
            _("air-quality station"),
            _("air-quality stations"),
            SDM + "dataModel.Environment/",
            _attrs(
                *_COMMON,
                *(
                    AttributeSpec(name, "number", label, UNIT_MICROGRAM_PER_M3, 0, 10000)
                    for name, label in (
                        ("pm25", _("PM2.5")),
                        ("pm10", _("PM10")),
                        ("no2", _("nitrogen dioxide (NO₂)")),
                        ("o3", _("ozone (O₃)")),
                        ("so2", _("sulphur dioxide (SO₂)")),
                    )
                ),
                AttributeSpec("temperature", "number", _("temperature"), UNIT_CELSIUS, -60, 70),
                AttributeSpec("relativeHumidity", "number", _("relative humidity"), "", 0, 1),
                AttributeSpec("airQualityIndex", "integer", _("air-quality index"), "", 1, 6),
                AttributeSpec("airQualityLevel", "text", _("air-quality level")),
            ),
            public=True,
        ),
        EntityTypeSpec(
            "Streetlight",
            _("street light"),
            _("street lights"),
            SDM + "dataModel.Streetlighting/",
            _attrs(
                *_COMMON,
                AttributeSpec(
                    "status",
                    "text",
                    _("status"),
                    choices=("ok", "defectiveLamp", "columnIssue", "brokenLantern"),
                ),
                AttributeSpec(
                    "powerState", "text", _("power"), choices=("on", "off", "low", "bootingUp")
                ),
                AttributeSpec("illuminanceLevel", "number", _("illuminance level"), "", 0, 1),
                AttributeSpec("dateLastLampChange", "datetime", _("lamp last changed")),
            ),
        ),
        EntityTypeSpec(
            "Vehicle",
            _("vehicle"),
            _("vehicles"),
            SDM + "dataModel.Transportation/",
            _attrs(
                *_COMMON,
                AttributeSpec("vehicleType", "text", _("vehicle type")),
                AttributeSpec("speed", "number", _("speed"), UNIT_KM_PER_HOUR, 0, 300),
                AttributeSpec("heading", "number", _("heading"), UNIT_DEGREE, 0, 360),
                AttributeSpec(
                    "serviceStatus",
                    "text",
                    _("service status"),
                    choices=("parked", "onRoute", "broken", "outOfService"),
                ),
                AttributeSpec("fleetVehicleId", "text", _("fleet number")),
                AttributeSpec("vehiclePlateIdentifier", "text", _("plate")),
                AttributeSpec("refTrip", "text", _("trip"), iri=DIGIPLACE_VOCAB + "refTrip"),
                # Derived by the mobility module's live tracking from each position: seconds
                # behind the timetable (negative: early), metres from the trip's shape, and
                # seconds behind the bus ahead on the same line (the control centre's alert
                # rules watch them).
                AttributeSpec(
                    "delay", "number", _("delay"), UNIT_SECOND, iri=DIGIPLACE_VOCAB + "delay"
                ),
                AttributeSpec(
                    "offRouteDistance",
                    "number",
                    _("distance from the route"),
                    UNIT_METRE,
                    0,
                    iri=DIGIPLACE_VOCAB + "offRouteDistance",
                ),
                AttributeSpec(
                    "headway",
                    "number",
                    _("headway"),
                    UNIT_SECOND,
                    0,
                    iri=DIGIPLACE_VOCAB + "headway",
                ),
            ),
        ),
        EntityTypeSpec(
            "EVChargingStation",
            _("charging station"),
            _("charging stations"),
            SDM + "dataModel.Transportation/",
            _attrs(
                *_COMMON,
                AttributeSpec("capacity", "integer", _("charging points"), "", 0, 1000),
                AttributeSpec("availableCapacity", "integer", _("free points"), "", 0, 1000),
                AttributeSpec(
                    "status",
                    "text",
                    _("status"),
                    choices=(
                        "almostEmpty",
                        "almostFull",
                        "empty",
                        "full",
                        "outOfService",
                        "withIncidence",
                        "working",
                    ),
                ),
                AttributeSpec("socketType", "json", _("socket types")),
            ),
            public=True,
        ),
        EntityTypeSpec(
            "ParkingSpot",
            _("parking spot"),
            _("parking spots"),
            SDM + "dataModel.Parking/",
            _attrs(
                *_COMMON,
                AttributeSpec(
                    "status",
                    "text",
                    _("status"),
                    choices=("occupied", "free", "closed", "unknown"),
                ),
                AttributeSpec("category", "json", _("category")),
            ),
            public=True,
        ),
        EntityTypeSpec(
            "OffStreetParking",
            _("car park"),
            _("car parks"),
            SDM + "dataModel.Parking/",
            _attrs(
                *_COMMON,
                AttributeSpec("totalSpotNumber", "integer", _("spaces"), "", 0, 100000),
                AttributeSpec("availableSpotNumber", "integer", _("free spaces"), "", 0, 100000),
                AttributeSpec("occupiedSpotNumber", "integer", _("occupied spaces"), "", 0, 100000),
                AttributeSpec("occupancy", "number", _("occupancy"), "", 0, 1),
                AttributeSpec(
                    "status",
                    "text",
                    _("status"),
                    choices=OFF_STREET_PARKING_STATUSES,
                ),
                AttributeSpec("category", "json", _("category")),
                AttributeSpec("allowedVehicleType", "json", _("vehicles allowed")),
            ),
            public=True,
        ),
        EntityTypeSpec(
            "HeatSubstation",
            _("heating substation"),
            _("heating substations"),
            DIGIPLACE_VOCAB,
            _attrs(
                *_COMMON,
                AttributeSpec(
                    "supplyTemperature", "number", _("supply temperature"), UNIT_CELSIUS, -20, 200
                ),
                AttributeSpec(
                    "returnTemperature", "number", _("return temperature"), UNIT_CELSIUS, -20, 200
                ),
                AttributeSpec("pressure", "number", _("pressure"), UNIT_BAR, 0, 40),
                AttributeSpec("flow", "number", _("flow"), UNIT_M3_PER_HOUR, 0, 10000),
                AttributeSpec("heatPower", "number", _("heat power"), UNIT_KILOWATT, 0, 100000),
                AttributeSpec(
                    "outdoorTemperature",
                    "number",
                    _("outdoor temperature"),
                    UNIT_CELSIUS,
                    -60,
                    60,
                ),
            ),
        ),
    )
}

PUBLIC_TYPES = frozenset(name for name, spec in ENTITY_TYPES.items() if spec.public)


def entity_type(name: str) -> EntityTypeSpec | None:
    return ENTITY_TYPES.get(name)


def type_by_iri(iri: str) -> EntityTypeSpec | None:
    for spec in ENTITY_TYPES.values():
        if spec.iri == iri:
            return spec
    return None
