"""The time-of-week profile: how fast containers fill at each local hour of the week."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from django.utils.translation import gettext as _

from .history import ForecastInputError, zone_info

HOURS_PER_WEEK = 168
DEFAULT_TIME_ZONE = "Europe/Bucharest"
HOUR = datetime.timedelta(hours=1)
# A Monday at 00:00, the origin of wall-clock weeks.
_WEEK_ORIGIN = datetime.datetime(2000, 1, 3)  # noqa: DTZ001 - naive wall-clock time on purpose


@dataclass(frozen=True)
class WeekProfile:
    """How fast containers fill at each hour of the week, relative to the weekly mean.

    ``weights[0]`` is Monday 00:00-01:00 local time, ``weights[167]`` Sunday 23:00-24:00.
    Weights are normalised to mean 1, so a flat profile is all ones.
    """

    weights: tuple[float, ...] = (1.0,) * HOURS_PER_WEEK
    time_zone: str = DEFAULT_TIME_ZONE
    _cumulative: np.ndarray = field(init=False, repr=False, compare=False)
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        values = np.asarray(self.weights, dtype=float)
        if values.shape != (HOURS_PER_WEEK,) or not np.all(np.isfinite(values)):
            raise ForecastInputError(_("A week profile needs 168 hourly weights."))
        if np.any(values < 0) or values.sum() <= 0:
            raise ForecastInputError(
                _("A week profile's weights must be zero or more, and not all zero.")
            )
        values = values * (HOURS_PER_WEEK / values.sum())
        object.__setattr__(self, "weights", tuple(float(value) for value in values))
        object.__setattr__(self, "_cumulative", np.concatenate(([0.0], np.cumsum(values))))
        object.__setattr__(self, "_zone", zone_info(self.time_zone))

    @classmethod
    def flat(cls, time_zone: str = DEFAULT_TIME_ZONE) -> WeekProfile:
        return cls(time_zone=time_zone)

    def _wall_integral(self, wall: datetime.datetime) -> float:
        """Profile hours from the wall-clock origin to the naive local time ``wall``."""
        hours = (wall - _WEEK_ORIGIN) / HOUR
        weeks, into_week = divmod(hours, HOURS_PER_WEEK)
        hour = min(int(into_week), HOURS_PER_WEEK - 1)
        return float(
            weeks * HOURS_PER_WEEK
            + self._cumulative[hour]
            + self.weights[hour] * (into_week - hour)
        )

    def _offset(self, moment: datetime.datetime) -> datetime.timedelta:
        offset = moment.astimezone(self._zone).utcoffset()
        assert offset is not None
        return offset

    def profile_hours(self, start: datetime.datetime, end: datetime.datetime) -> float:
        """The integral of the profile from ``start`` to ``end`` (aware), in profile hours."""
        if end <= start:
            return 0.0
        total = 0.0
        for piece_start, piece_end, offset in self._constant_offset_pieces(start, end):
            naive_start = piece_start.astimezone(datetime.UTC).replace(tzinfo=None) + offset
            naive_end = piece_end.astimezone(datetime.UTC).replace(tzinfo=None) + offset
            total += self._wall_integral(naive_end) - self._wall_integral(naive_start)
        return total

    def _constant_offset_pieces(
        self, start: datetime.datetime, end: datetime.datetime
    ) -> list[tuple[datetime.datetime, datetime.datetime, datetime.timedelta]]:
        """Split [start, end] where the zone's UTC offset changes (found day by day, then
        by bisection to the second)."""
        pieces = []
        piece_start, offset = start, self._offset(start)
        if self._offset(end) == offset and end - start <= datetime.timedelta(days=60):
            return [(start, end, offset)]
        probe = start
        while probe < end:
            following = min(probe + datetime.timedelta(days=1), end)
            if self._offset(following) != offset:
                low, high = probe, following
                while high - low > datetime.timedelta(seconds=1):
                    middle = low + (high - low) / 2
                    if self._offset(middle) == offset:
                        low = middle
                    else:
                        high = middle
                pieces.append((piece_start, high, offset))
                piece_start, offset = high, self._offset(high)
            probe = following
        pieces.append((piece_start, end, offset))
        return pieces

    def moment_after(
        self, start: datetime.datetime, profile_hours: float, horizon: datetime.timedelta
    ) -> datetime.datetime | None:
        """The moment when ``profile_hours`` have passed since ``start``, or None when that
        is after ``start + horizon``: a bisection over whole UTC hours (within one of them
        the profile is constant), then a linear step inside the hour."""
        limit = start + horizon
        if self.profile_hours(start, limit) < profile_hours:
            return None
        first_hour = start.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)

        def boundary(hours: int) -> datetime.datetime:
            return min(max(first_hour + hours * HOUR, start), limit)

        low, high = 0, math.ceil((limit - first_hour) / HOUR)
        while high - low > 1:  # profile_hours(start, boundary(high)) >= the hours needed
            middle = (low + high) // 2
            if self.profile_hours(start, boundary(middle)) >= profile_hours:
                high = middle
            else:
                low = middle
        moment = boundary(low)
        remaining = profile_hours - self.profile_hours(start, moment)
        return min(moment + remaining / self.weight_at(moment) * HOUR, boundary(high))

    def weight_at(self, moment: datetime.datetime) -> float:
        local = moment.astimezone(self._zone)
        return self.weights[local.weekday() * 24 + local.hour]
