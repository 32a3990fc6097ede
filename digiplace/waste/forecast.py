"""Fill forecasts for waste containers (issue #12, "Forecasts"): pure functions, no ORM.

A container fills at ``rate(t) = level * profile(hour of week of t)``: ``profile`` is a
time-of-week shape (168 hourly weights, mean 1, in the city's local time) and ``level`` the
container's recent rate, in fill (0-1) per "profile hour". The fill restarts at 0 after each
emptying and is capped at 1, so between an anchor (the last emptying, or the last observation
after it) and a time ``t``::

    fill(t) = min(1, anchor_level + level * E(anchor_at, t)),  E = integral of the profile

Fitting (``fill_model_fit``): each fill cycle (from an emptying, or from the first
observation when the history begins mid-cycle, to its last observation) gives one segment:
a fill increment and its profile hours. ``level`` is a recency-weighted ratio of increments
to profile hours (weights halve every ``half_life``), shrunk towards the prior's rate by
``prior.weight_hours`` pseudo profile hours, so an empty history gives the prior's rate.
A cycle whose reading reached the cap (``capped_at``) only says the increment was at least
that much: such segments are right-censored and enter at ``max(observed, level * E)``,
iterated a few times (an EM step for a censored mean). Segments use one point per cycle, so
sensor noise on intermediate readings does not matter and a falling reading does not count
as negative fill.

Typical use from a selector::

    profile = week_profile_fit(histories, time_zone="Europe/Bucharest")
    prior = fill_prior_fit(histories, profile=profile)
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
from django.utils.translation import gettext as _

HOURS_PER_WEEK = 168
DEFAULT_TIME_ZONE = "Europe/Bucharest"
_HOUR = datetime.timedelta(hours=1)
# A Monday at 00:00, the origin of wall-clock weeks.
_WEEK_ORIGIN = datetime.datetime(2000, 1, 3)  # noqa: DTZ001 - naive wall-clock time on purpose


class ForecastInputError(ValueError):
    """Bad input to a forecast function; the message is in the user's language."""


def _require_aware(moment: datetime.datetime, what: str) -> None:
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
        _require_aware(self.at, _("An observation's time"))
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
            _require_aware(emptying, _("An emptying's time"))
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
            raise ForecastInputError(_("A week profile's weights must be positive."))
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

    def weight_at(self, moment: datetime.datetime) -> float:
        local = moment.astimezone(self._zone)
        return self.weights[local.weekday() * 24 + local.hour]


@dataclass(frozen=True)
class FillPrior:
    """What to assume without history: a rate in fill per profile hour (about per hour,
    the profile's mean being 1), the shape of the week, and how many profile hours of
    evidence the prior is worth against a container's own history."""

    rate_per_hour: float
    profile: WeekProfile = field(default_factory=WeekProfile)
    weight_hours: float = 72.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.rate_per_hour) or self.rate_per_hour < 0:
            raise ForecastInputError(_("The prior fill rate must be zero or more."))
        if not math.isfinite(self.weight_hours) or self.weight_hours <= 0:
            raise ForecastInputError(_("The prior's weight must be more than zero hours."))


@dataclass(frozen=True)
class FillSegment:
    """One fill cycle's evidence: the fill gained over ``profile_hours``, ending at ``end``."""

    end: datetime.datetime
    increment: float
    profile_hours: float
    is_censored: bool


@dataclass(frozen=True)
class FillModel:
    """A fitted container: its rate, the week profile, and where its fill was last known."""

    rate_per_hour: float
    profile: WeekProfile
    anchor_at: datetime.datetime | None
    anchor_level: float
    segments_used: int

    def predict_fill(self, at: datetime.datetime) -> float:
        """The predicted fill (0-1) at ``at``, which must not be before the anchor."""
        _require_aware(at, _("The time of the prediction"))
        if self.anchor_at is None:
            raise ForecastInputError(
                _("No fill reading or emptying is known for this container yet.")
            )
        if at < self.anchor_at:
            raise ForecastInputError(
                _("A prediction cannot be for a time before the last known fill.")
            )
        gained = self.rate_per_hour * self.profile.profile_hours(self.anchor_at, at)
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
        level = self.predict_fill(now)
        if level >= threshold:
            return now
        if self.rate_per_hour <= 0:
            return None
        needed = (threshold - level) / self.rate_per_hour
        # Walk whole local hours (the profile is constant within each), then interpolate.
        moment = now
        limit = now + horizon
        while moment < limit:
            step_end = min(
                moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0) + _HOUR,
                limit,
            )
            hours = self.profile.profile_hours(moment, step_end)
            if hours >= needed:
                weight = self.profile.weight_at(moment)
                return moment + needed / weight * _HOUR
            needed -= hours
            moment = step_end
        return None


def fill_segments(
    history: FillHistory, *, profile: WeekProfile, capped_at: float = 0.999
) -> list[FillSegment]:
    """One segment per fill cycle with at least one reading after its start."""
    segments = []
    emptyings = list(history.emptyings)
    cycles: dict[int, list[FillObservation]] = {}
    index = 0
    for observation in history.observations:
        while index < len(emptyings) and emptyings[index] < observation.at:
            index += 1
        cycles.setdefault(index, []).append(observation)
    for cycle, readings in sorted(cycles.items()):
        if cycle > 0:
            start_at, start_level = emptyings[cycle - 1], 0.0
        else:
            start_at, start_level = readings[0].at, readings[0].level
            readings = readings[1:]
        end = next((reading for reading in readings if reading.level >= capped_at), None)
        is_censored = end is not None
        if end is None and readings:
            end = readings[-1]
        if end is None or end.at <= start_at:
            continue
        hours = profile.profile_hours(start_at, end.at)
        if hours <= 0:
            continue
        increment = max(0.0, end.level - start_level)
        segments.append(FillSegment(end.at, increment, hours, is_censored))
    return segments


def _anchor(history: FillHistory) -> tuple[datetime.datetime | None, float]:
    last_emptying = history.emptyings[-1] if history.emptyings else None
    last_reading = history.observations[-1] if history.observations else None
    if last_reading is not None and (last_emptying is None or last_reading.at > last_emptying):
        return last_reading.at, last_reading.level
    return last_emptying, 0.0


def _check_half_life(half_life: datetime.timedelta | None) -> None:
    if half_life is not None and half_life <= datetime.timedelta(0):
        raise ForecastInputError(_("The half-life must be longer than zero."))


def rate_from_segments(
    segments: Sequence[FillSegment],
    *,
    prior: FillPrior,
    now: datetime.datetime,
    half_life: datetime.timedelta | None,
    censoring_iterations: int = 5,
) -> float:
    """The recency-weighted, prior-shrunk rate of fill per profile hour."""
    _check_half_life(half_life)
    weights = [
        1.0 if half_life is None else 0.5 ** (max((now - s.end) / half_life, 0.0)) for s in segments
    ]
    prior_fill = prior.rate_per_hour * prior.weight_hours
    hours = prior.weight_hours + sum(
        w * s.profile_hours for w, s in zip(weights, segments, strict=True)
    )
    rate = (
        prior_fill + sum(w * s.increment for w, s in zip(weights, segments, strict=True))
    ) / hours
    for _iteration in range(censoring_iterations if any(s.is_censored for s in segments) else 0):
        gained = sum(
            w * (max(s.increment, rate * s.profile_hours) if s.is_censored else s.increment)
            for w, s in zip(weights, segments, strict=True)
        )
        rate = (prior_fill + gained) / hours
    return rate


def fill_model_fit(
    history: FillHistory,
    *,
    prior: FillPrior,
    now: datetime.datetime | None = None,
    half_life: datetime.timedelta | None = datetime.timedelta(days=14),
    capped_at: float = 0.999,
) -> FillModel:
    """Fit one container. ``now`` (default: the latest time in the history) sets the age
    of each cycle for the recency weights; ``half_life=None`` weighs all cycles equally."""
    if now is not None:
        _require_aware(now, _("The current time"))
    anchor_at, anchor_level = _anchor(history)
    segments = fill_segments(history, profile=prior.profile, capped_at=capped_at)
    reference = now or anchor_at or datetime.datetime.now(datetime.UTC)
    rate = rate_from_segments(segments, prior=prior, now=reference, half_life=half_life)
    return FillModel(rate, prior.profile, anchor_at, anchor_level, len(segments))


def fill_prior_fit(
    histories: Sequence[FillHistory],
    *,
    profile: WeekProfile,
    weight_hours: float = 72.0,
    capped_at: float = 0.999,
) -> FillPrior:
    """The city-wide (or fraction-wide) prior: the median of the containers' own rates
    (the median, so that a few broken sensors do not move it)."""
    rates = []
    for history in histories:
        segments = fill_segments(history, profile=profile, capped_at=capped_at)
        hours = sum(s.profile_hours for s in segments)
        if hours > 0:
            rates.append(sum(s.increment for s in segments) / hours)
    if not rates:
        raise ForecastInputError(_("No container has enough fill history to learn from."))
    return FillPrior(float(np.median(rates)), profile, weight_hours)


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
