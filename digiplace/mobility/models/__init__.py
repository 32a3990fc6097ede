"""The mobility module's records: the network as GTFS describes it (``network``), what the
vehicles are doing now and did (``realtime``), staff's service alerts (``alerts``) and the
validators with their anonymised ridership (``ridership``)."""

from .alerts import AlertCause, AlertEffect, ServiceAlert
from .network import (
    Agency,
    Frequency,
    NetworkImport,
    Route,
    Service,
    ServiceException,
    Shape,
    Stop,
    StopTime,
    Trip,
)
from .realtime import (
    PositionRecord,
    PositionReject,
    SegmentTravelTime,
    StopVisit,
    VehicleState,
)
from .ridership import CellKind, RidershipCell, RidershipKey, Tap, TapReject, Validator

__all__ = [
    "Agency",
    "AlertCause",
    "AlertEffect",
    "CellKind",
    "Frequency",
    "NetworkImport",
    "PositionRecord",
    "PositionReject",
    "RidershipCell",
    "RidershipKey",
    "Route",
    "SegmentTravelTime",
    "Service",
    "ServiceAlert",
    "ServiceException",
    "Shape",
    "Stop",
    "StopTime",
    "StopVisit",
    "Tap",
    "TapReject",
    "Trip",
    "Validator",
    "VehicleState",
]
