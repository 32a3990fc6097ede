"""The waste module's places on the city's home map (filled in by the public pages' work)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from digiplace.core.modules import MapPlace

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


def home_map_places(municipality: Municipality) -> Sequence[MapPlace]:
    return []
