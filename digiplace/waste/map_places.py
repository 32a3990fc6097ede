"""The waste module's places on the city's home map: the fullest collection points now
(the waste map shows them all)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core.modules import MapPlace

from .models import Fraction
from .selectors import containers as selectors

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

HOME_MAP_POINTS = 5


def home_map_places(municipality: Municipality) -> Sequence[MapPlace]:
    states = selectors.container_states(municipality=municipality, now=timezone.now())
    points = [
        point for point in selectors.point_states(states) if point.fullest.percent is not None
    ]
    points.sort(key=lambda point: -(point.fullest.fill or 0.0))
    places = []
    for point in points[:HOME_MAP_POINTS]:
        fullest = point.fullest
        places.append(
            MapPlace(
                title=point.name,
                url=reverse("waste:container_detail", kwargs={"code": fullest.container.code}),
                latitude=point.latitude,
                longitude=point.longitude,
                # Translators: the fullest container at a point, e.g. "Waste container
                # (plastic and metal): 97 % full".
                description=_("Waste container (%(fraction)s): %(percent)s %% full")
                % {
                    "fraction": Fraction(fullest.container.fraction).label,
                    "percent": fullest.percent,
                },
            )
        )
    return places
