"""Fill forecasts for waste containers (issue #12, "Forecasts"): pure functions, no ORM.

A container's fill restarts at 0 after each emptying, grows with ``E``, the hours since the
emptying weighted by a time-of-week ``profile`` (168 hourly weights, mean 1, in the city's
local time: "profile hours"), and is capped at 1::

    fill(t) = min(1, rate * growth(E(emptying, t))),  growth(E) = E ** growth_exponent

With ``growth_exponent`` 1 the container fills at ``rate * profile(hour of week)``; below 1
the curve is concave (fast after an emptying, slower as waste settles or is compacted; on
Edinburgh's compacting bins about 0.4 fits best, see bench/waste_forecast.py). The shape
(profile, exponent) is shared by a city's containers; ``rate`` is each container's own.
From a later reading (``anchor``) the prediction adds the curve's gain since it.

Fitting (``fill_model_fit``): each fill cycle (from an emptying, or from the first
observation when the history begins mid-cycle or after a fall in the readings that only an
unrecorded emptying explains, to its last observation) gives one segment:
a fill increment and its profile hours. ``rate`` is a recency-weighted ratio of increments
to growth (weights halve every ``half_life``), shrunk towards the prior's rate by one
pseudo cycle of ``prior.weight_hours``, so an empty history gives the prior's rate.
A cycle whose reading reached the cap (``capped_at``) only says the increment was at least
that much: such segments are right-censored and enter at ``max(observed, rate * growth)``,
iterated a few times (an EM step for a censored mean). Segments use one point per cycle, so
sensor noise on intermediate readings does not matter and a falling reading does not count
as negative fill.

Typical use from a selector::

    profile = week_profile_fit(histories, time_zone="Europe/Bucharest")
    prior = fill_prior_fit(histories, profile=profile, growth_exponent=0.4)
    model = fill_model_fit(history, prior=prior)
    model.predict_fill(at)
    model.time_to_threshold(0.8, now=now)

Times are aware datetimes (UTC or any zone); the time of week is read in ``time_zone``.
A reading at the very moment of an emptying is the fill just before it (a collection
report: the level found, then the emptying).
DST changes are exact for zones whose offsets are whole hours.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HOURS_PER_WEEK = 168
DEFAULT_TIME_ZONE = "Europe/Bucharest"
_HOUR = datetime.timedelta(hours=1)
# A Monday at 00:00, the origin of wall-clock weeks.
_WEEK_ORIGIN = datetime.datetime(2000, 1, 3)  # noqa: DTZ001 - naive wall-clock time on purpose


class ForecastInputError(ValueError):
    """Bad input to a forecast function; the message is in the user's language."""


def _require_aware(moment: datetime.datetime, what: Promise) -> None:
    if not isinstance(moment, datetime.datetime) or moment.utcoffset() is None:
        raise ForecastInputError(
            _("%(what)s must be a date and time with a time zone.") % {"what": what}
        )


def _zone(name: str) -> ZoneInfo:
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
        _require_aware(self.at, gettext_lazy("An observation's time"))
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
            _require_aware(emptying, gettext_lazy("An emptying's time"))
        object.__setattr__(self, "observations", tuple(sorted(self.observations, key=_at)))
        object.__setattr__(self, "emptyings", tuple(sorted(self.emptyings)))


def _at(observation: FillObservation) -> datetime.datetime:
    return observation.at


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
        object.__setattr__(self, "_zone", _zone(self.time_zone))

    @classmethod
    def flat(cls, time_zone: str = DEFAULT_TIME_ZONE) -> WeekProfile:
        return cls(time_zone=time_zone)

    def _wall_integral(self, wall: datetime.datetime) -> float:
        """Profile hours from the wall-clock origin to the naive local time ``wall``."""
        hours = (wall - _WEEK_ORIGIN) / _HOUR
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
            return min(max(first_hour + hours * _HOUR, start), limit)

        low, high = 0, math.ceil((limit - first_hour) / _HOUR)
        while high - low > 1:  # profile_hours(start, boundary(high)) >= the hours needed
            middle = (low + high) // 2
            if self.profile_hours(start, boundary(middle)) >= profile_hours:
                high = middle
            else:
                low = middle
        moment = boundary(low)
        remaining = profile_hours - self.profile_hours(start, moment)
        return min(moment + remaining / self.weight_at(moment) * _HOUR, boundary(high))

    def weight_at(self, moment: datetime.datetime) -> float:
        local = moment.astimezone(self._zone)
        return self.weights[local.weekday() * 24 + local.hour]


@dataclass(frozen=True)
class FillPrior:
    """What to assume without history, shared by a city's (or a fraction's) containers.

    ``rate_per_hour``: fill gained per unit of ``growth(E)``, where ``E`` is profile hours
    since the emptying (with ``growth_exponent`` 1 that is fill per profile hour, about per
    hour since the profile's mean is 1). ``growth_exponent`` below 1 makes the fill curve
    concave: fast after an emptying, slower as the waste settles or is compacted.
    ``weight_hours``: the prior counts as one extra cycle that lasted this many profile hours.
    """

    rate_per_hour: float
    profile: WeekProfile = field(default_factory=WeekProfile)
    weight_hours: float = 72.0
    growth_exponent: float = 1.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.rate_per_hour) or self.rate_per_hour < 0:
            raise ForecastInputError(_("The prior fill rate must be zero or more."))
        if not math.isfinite(self.weight_hours) or self.weight_hours <= 0:
            raise ForecastInputError(_("The prior's weight must be more than zero hours."))
        if not math.isfinite(self.growth_exponent) or not 0 < self.growth_exponent <= 2:
            raise ForecastInputError(_("The growth exponent must be more than 0 and at most 2."))

    def growth(self, profile_hours: float) -> float:
        return float(max(profile_hours, 0.0) ** self.growth_exponent)

    def growth_inverse(self, value: float) -> float:
        return float(max(value, 0.0) ** (1 / self.growth_exponent))


@dataclass(frozen=True)
class FillSegment:
    """One fill cycle's evidence: the fill gained from ``start_level`` by ``end``, over
    ``profile_hours``; ``is_from_emptying`` when the cycle's start (an emptying) is known."""

    end: datetime.datetime
    increment: float
    profile_hours: float
    is_censored: bool
    is_from_emptying: bool = True


@dataclass(frozen=True)
class FillModel:
    """A fitted container: its rate, the shared shape (``prior``), and its last known fill.

    ``anchor_at``/``anchor_level``: the last reading after the last emptying, or that
    emptying at level 0; ``cycle_start``: the last emptying, when known.
    """

    rate_per_hour: float
    prior: FillPrior
    anchor_at: datetime.datetime | None
    anchor_level: float
    cycle_start: datetime.datetime | None
    segments_used: int

    @property
    def profile(self) -> WeekProfile:
        return self.prior.profile

    def _anchor_offset(self) -> float:
        """Profile hours into the cycle at the anchor; when the emptying is unknown, the
        hours the rate would have needed to reach the anchor's level."""
        assert self.anchor_at is not None
        if self.cycle_start is not None:
            return self.profile.profile_hours(self.cycle_start, self.anchor_at)
        if self.rate_per_hour <= 0:
            return 0.0
        return self.prior.growth_inverse(self.anchor_level / self.rate_per_hour)

    def _check_at(self, at: datetime.datetime) -> datetime.datetime:
        _require_aware(at, gettext_lazy("The time of the prediction"))
        if self.anchor_at is None:
            raise ForecastInputError(
                _("No fill reading or emptying is known for this container yet.")
            )
        if at < self.anchor_at:
            raise ForecastInputError(
                _("A prediction cannot be for a time before the last known fill.")
            )
        return self.anchor_at

    def predict_fill(self, at: datetime.datetime) -> float:
        """The predicted fill (0-1) at ``at``, which must not be before the anchor."""
        anchor_at = self._check_at(at)
        offset = self._anchor_offset()
        hours = self.profile.profile_hours(anchor_at, at)
        gained = self.rate_per_hour * (
            self.prior.growth(offset + hours) - self.prior.growth(offset)
        )
        return min(1.0, self.anchor_level + gained)

    def time_to_threshold(
        self,
        threshold: float,
        now: datetime.datetime,
        horizon: datetime.timedelta = datetime.timedelta(days=60),
    ) -> datetime.datetime | None:
        """When the fill is predicted to reach ``threshold`` (``now`` if it already has);
        None when it will not within ``horizon`` (a rate of zero, say)."""
        if not isinstance(threshold, (int, float)) or not 0.0 < threshold <= 1.0:
            raise ForecastInputError(_("The threshold must be more than 0 and at most 1."))
        anchor_at = self._check_at(now)
        level = self.predict_fill(now)
        if level >= threshold:
            return now
        if self.rate_per_hour <= 0:
            return None
        offset = self._anchor_offset()
        reached = self.prior.growth_inverse(
            self.prior.growth(offset) + (threshold - self.anchor_level) / self.rate_per_hour
        )
        needed = reached - offset - self.profile.profile_hours(anchor_at, now)
        return self.profile.moment_after(now, needed, horizon)

    def is_due(
        self, threshold: float, *, now: datetime.datetime, next_visit: datetime.datetime
    ) -> bool:
        """Whether the fill is predicted to reach ``threshold`` before ``next_visit``: the
        planning question (collect today, or it will pass the threshold before the next
        possible visit)."""
        _require_aware(next_visit, gettext_lazy("The next visit's time"))
        if next_visit < now:
            raise ForecastInputError(_("The next visit cannot be before now."))
        return self.time_to_threshold(threshold, now, horizon=next_visit - now) is not None


RESET_DROP = 0.3


@dataclass
class _Cycle:
    start_at: datetime.datetime | None
    start_level: float
    is_from_emptying: bool
    readings: list[FillObservation] = field(default_factory=list)


def _cycles(history: FillHistory, reset_drop: float) -> list[_Cycle]:
    """Split the history into fill cycles: at each emptying, and where a reading falls more
    than ``reset_drop`` below the one before (an emptying nobody recorded; that cycle's start
    is then unknown and the reading opens it). Before the first event the start is unknown
    too: the first reading opens the cycle."""
    if not 0 < reset_drop <= 1:
        raise ForecastInputError(_("The reset drop must be more than 0 and at most 1."))
    events: list[tuple[datetime.datetime, int, FillObservation | None]] = [
        (reading.at, 0, reading) for reading in history.observations
    ]
    events += [(emptying, 1, None) for emptying in history.emptyings]
    cycles = [_Cycle(None, 0.0, is_from_emptying=False)]
    for at, _kind, reading in sorted(events, key=lambda event: event[:2]):
        current = cycles[-1]
        if reading is None:
            cycles.append(_Cycle(at, 0.0, is_from_emptying=True))
        elif current.readings and current.readings[-1].level - reading.level > reset_drop:
            cycles.append(_Cycle(at, reading.level, is_from_emptying=False))
        elif current.start_at is None:
            current.start_at, current.start_level = at, reading.level
        else:
            current.readings.append(reading)
    return [cycle for cycle in cycles if cycle.start_at is not None]


def fill_segments(
    history: FillHistory,
    *,
    profile: WeekProfile,
    capped_at: float = 0.999,
    reset_drop: float = RESET_DROP,
) -> list[FillSegment]:
    """One segment per fill cycle with at least one reading after its start; a cycle that
    reached ``capped_at`` ends at its first capped reading and is censored."""
    segments = []
    for cycle in _cycles(history, reset_drop):
        assert cycle.start_at is not None
        readings = cycle.readings
        end = next((reading for reading in readings if reading.level >= capped_at), None)
        is_censored = end is not None
        if end is None and readings:
            end = readings[-1]
        if end is None or end.at <= cycle.start_at:
            continue
        hours = profile.profile_hours(cycle.start_at, end.at)
        if hours <= 0:
            continue
        increment = max(0.0, end.level - cycle.start_level)
        segments.append(FillSegment(end.at, increment, hours, is_censored, cycle.is_from_emptying))
    return segments


def _anchor(
    history: FillHistory, reset_drop: float
) -> tuple[datetime.datetime | None, float, datetime.datetime | None]:
    """The last known fill (moment, level) and the start of its cycle when known."""
    cycles = _cycles(history, reset_drop)
    if not cycles:
        return None, 0.0, None
    last = cycles[-1]
    cycle_start = last.start_at if last.is_from_emptying else None
    if last.readings:
        return last.readings[-1].at, last.readings[-1].level, cycle_start
    return last.start_at, last.start_level, cycle_start


def _check_half_life(half_life: datetime.timedelta | None) -> None:
    if half_life is not None and half_life <= datetime.timedelta(0):
        raise ForecastInputError(_("The half-life must be longer than zero."))


def rate_from_segments(
    segments: Sequence[FillSegment],
    *,
    prior: FillPrior,
    now: datetime.datetime,
    half_life: datetime.timedelta | None,
    censoring_iterations: int = 20,
) -> float:
    """The recency-weighted, prior-shrunk rate: weighted fill gained over weighted growth.

    A cycle that began before the history did is used only with linear growth (exponent 1):
    on a curve, its gain depends on how far into the cycle it began, which is unknown.
    """
    _check_half_life(half_life)
    usable = [s for s in segments if s.is_from_emptying or prior.growth_exponent == 1]
    weights = [
        1.0 if half_life is None else 0.5 ** (max((now - s.end) / half_life, 0.0)) for s in usable
    ]
    exposures = [prior.growth(s.profile_hours) for s in usable]
    prior_exposure = prior.growth(prior.weight_hours)
    prior_fill = prior.rate_per_hour * prior_exposure
    total_exposure = prior_exposure + sum(w * e for w, e in zip(weights, exposures, strict=True))
    rate = (prior_fill + sum(w * s.increment for w, s in zip(weights, usable, strict=True))) / (
        total_exposure
    )
    observed = prior_fill + sum(
        w * s.increment for w, s in zip(weights, usable, strict=True) if not s.is_censored
    )
    censored = [
        (w * s.increment, w * e)
        for w, s, e in zip(weights, usable, exposures, strict=True)
        if s.is_censored
    ]
    for _iteration in range(censoring_iterations if censored else 0):
        updated = (
            observed + sum(max(gain, rate * exposure) for gain, exposure in censored)
        ) / total_exposure
        if abs(updated - rate) <= 1e-12 * max(rate, 1e-12):
            return updated
        rate = updated
    return rate


def fill_model_fit(
    history: FillHistory,
    *,
    prior: FillPrior,
    now: datetime.datetime | None = None,
    half_life: datetime.timedelta | None = datetime.timedelta(days=14),
    capped_at: float = 0.999,
    reset_drop: float = RESET_DROP,
) -> FillModel:
    """Fit one container. ``now`` (default: the latest time in the history) sets the age
    of each cycle for the recency weights; ``half_life=None`` weighs all cycles equally.
    A reading ``reset_drop`` below the one before starts a new cycle (an unrecorded
    emptying). With no usable history the rate is the prior's."""
    if now is not None:
        _require_aware(now, gettext_lazy("The current time"))
    anchor_at, anchor_level, cycle_start = _anchor(history, reset_drop)
    segments = fill_segments(
        history, profile=prior.profile, capped_at=capped_at, reset_drop=reset_drop
    )
    reference = now or anchor_at or datetime.datetime.now(datetime.UTC)
    rate = rate_from_segments(segments, prior=prior, now=reference, half_life=half_life)
    return FillModel(rate, prior, anchor_at, anchor_level, cycle_start, len(segments))


def fill_prior_fit(
    histories: Sequence[FillHistory],
    *,
    profile: WeekProfile,
    weight_hours: float = 72.0,
    growth_exponent: float = 1.0,
    capped_at: float = 0.999,
) -> FillPrior:
    """The city-wide (or fraction-wide) prior: the median of the containers' own rates
    (the median, so that a few broken sensors do not move it)."""
    shape = FillPrior(0.0, profile, weight_hours, growth_exponent)
    rates = []
    for history in histories:
        segments = [
            s
            for s in fill_segments(history, profile=profile, capped_at=capped_at)
            if s.is_from_emptying or growth_exponent == 1
        ]
        exposure = sum(shape.growth(s.profile_hours) for s in segments)
        if exposure > 0:
            rates.append(sum(s.increment for s in segments) / exposure)
    if not rates:
        raise ForecastInputError(_("No container has enough fill history to learn from."))
    return FillPrior(float(np.median(rates)), profile, weight_hours, growth_exponent)


def week_profile_fit(
    histories: Sequence[FillHistory],
    *,
    time_zone: str = DEFAULT_TIME_ZONE,
    smoothing_hours: int = 3,
    iterations: int = 50,
    capped_at: float = 0.999,
) -> WeekProfile:
    """Learn a shared time-of-week profile from many containers' cycles.

    Each cycle's increment is modelled as its container's level times the profile summed
    over the hours it covers; levels and weights are found by multiplicative (Poisson
    maximum-likelihood) updates. Censored cycles are left out (their increments are only
    bounds). The weights are then smoothed with a circular moving average of
    ``smoothing_hours`` hours, since a week of sparse cycles cannot resolve single hours.
    """
    zone = _zone(time_zone)
    if smoothing_hours < 1:
        raise ForecastInputError(_("The smoothing must cover at least one hour."))
    flat = WeekProfile(time_zone=time_zone)
    rows: list[np.ndarray] = []
    increments: list[float] = []
    containers: list[int] = []
    for number, history in enumerate(histories):
        for segment in fill_segments(history, profile=flat, capped_at=capped_at):
            if segment.is_censored:
                continue
            rows.append(_hours_by_week_hour(segment, zone))
            increments.append(segment.increment)
            containers.append(number)
    if not rows:
        raise ForecastInputError(_("No container has enough fill history to learn from."))
    exposure = np.vstack(rows)
    fill = np.asarray(increments)
    owner = np.asarray(containers)
    weights = np.ones(HOURS_PER_WEEK)
    levels = np.zeros(len(histories))
    for _iteration in range(iterations):
        hours = exposure @ weights
        levels = np.bincount(owner, fill, len(histories)) / np.maximum(
            np.bincount(owner, hours, len(histories)), 1e-12
        )
        per_row = levels[owner]
        predicted = np.maximum(per_row * hours, 1e-12)
        numerator = exposure.T @ (per_row * fill / predicted)
        denominator = exposure.T @ per_row
        weights = weights * np.where(denominator > 0, numerator / np.maximum(denominator, 1e-12), 1)
        weights *= HOURS_PER_WEEK / weights.sum()
    kernel = np.ones(smoothing_hours) / smoothing_hours
    padded = np.concatenate((weights[-smoothing_hours:], weights, weights[:smoothing_hours]))
    smoothed = np.convolve(padded, kernel, mode="same")[smoothing_hours:-smoothing_hours]
    return WeekProfile(tuple(float(w) for w in np.maximum(smoothed, 1e-3)), time_zone)


def _hours_by_week_hour(segment: FillSegment, zone: ZoneInfo) -> np.ndarray:
    """Real hours the segment spent in each local hour of the week."""
    start = segment.end - segment.profile_hours * _HOUR  # flat profile: profile hours = hours
    counts = np.zeros(HOURS_PER_WEEK)
    moment = start
    while moment < segment.end:
        step_end = min(
            moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0) + _HOUR,
            segment.end,
        )
        local = moment.astimezone(zone)
        counts[local.weekday() * 24 + local.hour] += (step_end - moment) / _HOUR
        moment = step_end
    return counts
