"""Urban data's places on the city's home map: a few air-quality stations with their index
now, the worst first (the air map shows them all)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core.modules import MapPlace

from .selectors import air

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

HOME_MAP_STATIONS = 5


def home_map_places(municipality: Municipality) -> Sequence[MapPlace]:
    states = [
        state
        for state in air.air_map_states(municipality=municipality, now=timezone.now())
        if state.entity.latitude is not None and state.entity.longitude is not None
    ]
    states.sort(key=lambda state: -(state.index.level if state.index else 0))
    places = []
    for state in states[:HOME_MAP_STATIONS]:
        entity = state.entity
        assert entity.latitude is not None and entity.longitude is not None
        index = state.index
        description = (
            _("Air quality: %(level)s") % {"level": index.band.label}
            if index
            else _("Air quality: no recent data")
        )
        places.append(
            MapPlace(
                title=str(entity),
                url=reverse("urbandata:air_station", kwargs={"entity_id": entity.entity_id}),
                latitude=entity.latitude,
                longitude=entity.longitude,
                description=description,
            )
        )
    return places
