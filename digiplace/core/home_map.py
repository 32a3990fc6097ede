"""What the city's home map shows: the places the modules give (see ``ModuleSpec.map_places``)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from . import modules

if TYPE_CHECKING:
    from .models import Municipality


class HomeMap:
    """Read lazily, so that a cached home page asks the modules nothing."""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality

    @cached_property
    def sections(self) -> list[tuple[str, list[modules.MapPlace]]]:
        """Each module's name and its places, for the list under the map."""
        found = []
        for spec in modules.all_modules():
            if spec.map_places is None:
                continue
            places = list(spec.map_places(self.municipality))
            if places:
                found.append((str(spec.name), places))
        return found

    @cached_property
    def features(self) -> dict[str, Any] | None:
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [place.longitude, place.latitude]},
                "properties": {
                    "title": place.title,
                    "url": place.url,
                    "description": place.description,
                },
            }
            for _name, places in self.sections
            for place in places
        ]
        return {"type": "FeatureCollection", "features": features} if features else None
