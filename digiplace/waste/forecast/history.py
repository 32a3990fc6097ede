"""A container's fill history as the platform hands it over, and the errors on bad input."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ForecastInputError(ValueError):
    """Bad input to a forecast function; the message is in the user's language."""


def require_aware(moment: datetime.datetime, what: Promise) -> None:
    if not isinstance(moment, datetime.datetime) or moment.utcoffset() is None:
        raise ForecastInputError(
            _("%(what)s must be a date and time with a time zone.") % {"what": what}
        )


def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ForecastInputError(_("Unknown time zone: %(zone)s.") % {"zone": name}) from error


@dataclass(frozen=True)
class FillObservation:
    """A fill reading: ``level`` from 0 (empty) to 1 (full) at an aware ``at``."""

    at: datetime.datetime
    level: float

    def __post_init__(self) -> None:
        require_aware(self.at, gettext_lazy("An observation's time"))
        if not isinstance(self.level, (int, float)) or not 0.0 <= self.level <= 1.0:
            raise ForecastInputError(
                _("A fill level must be a number from 0 to 1, not %(level)s.")
                % {"level": self.level}
            )


@dataclass(frozen=True)
class FillHistory:
    """What the platform knows of one container: readings and emptying moments, any order."""

    observations: Sequence[FillObservation] = ()
    emptyings: Sequence[datetime.datetime] = ()

    def __post_init__(self) -> None:
        for observation in self.observations:
            if not isinstance(observation, FillObservation):
                raise ForecastInputError(_("Each observation must be a fill observation."))
        for emptying in self.emptyings:
            require_aware(emptying, gettext_lazy("An emptying's time"))
        object.__setattr__(self, "observations", tuple(sorted(self.observations, key=_at)))
        object.__setattr__(self, "emptyings", tuple(sorted(self.emptyings)))


def _at(observation: FillObservation) -> datetime.datetime:
    return observation.at
