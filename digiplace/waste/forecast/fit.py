"""Fitting: fill cycles, a container's rate, the city prior and the shared week profile."""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .history import FillHistory, FillObservation, ForecastInputError, require_aware, zone_info
from .model import FillModel, FillPrior, FillSegment
from .profile import DEFAULT_TIME_ZONE, HOUR, HOURS_PER_WEEK, WeekProfile

# A Monday at 00:00: local hours counted from it fall on the hour of the week modulo 168.
_MONDAY = datetime.datetime(2000, 1, 3)  # noqa: DTZ001 - naive wall-clock time on purpose

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
        require_aware(now, gettext_lazy("The current time"))
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
    growth_exponent: float = 1.0,
) -> WeekProfile:
    """Learn a shared time-of-week profile from many containers' cycles.

    Each cycle's increment is modelled as its container's level times ``growth`` of the
    profile summed over the hours it covers (``E ** growth_exponent``, as in ``FillPrior``);
    levels and weights are found by multiplicative (Poisson maximum-likelihood) updates.
    Censored cycles are left out (their increments are only bounds), and so are cycles of
    unknown start unless growth is linear. The weights are then smoothed with a circular
    moving average of ``smoothing_hours`` hours, since sparse cycles cannot resolve single
    hours.
    """
    FillPrior(0.0, growth_exponent=growth_exponent)  # checks the exponent
    zone = zone_info(time_zone)
    if smoothing_hours < 1:
        raise ForecastInputError(_("The smoothing must cover at least one hour."))
    flat = WeekProfile(time_zone=time_zone)
    rows: list[np.ndarray] = []
    increments: list[float] = []
    containers: list[int] = []
    for number, history in enumerate(histories):
        for segment in fill_segments(history, profile=flat, capped_at=capped_at):
            if segment.is_censored or not (segment.is_from_emptying or growth_exponent == 1):
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
        hours = np.maximum(exposure @ weights, 1e-12)
        growth = hours**growth_exponent
        levels = np.bincount(owner, fill, len(histories)) / np.maximum(
            np.bincount(owner, growth, len(histories)), 1e-12
        )
        # The likelihood's gradient splits into a positive and a negative part per weight;
        # their ratio is the multiplicative step (the exponent itself cancels out).
        slope = levels[owner] * hours ** (growth_exponent - 1)
        predicted = np.maximum(levels[owner] * growth, 1e-12)
        numerator = exposure.T @ (slope * fill / predicted)
        denominator = exposure.T @ slope
        weights = weights * np.where(denominator > 0, numerator / np.maximum(denominator, 1e-12), 1)
        weights *= HOURS_PER_WEEK / weights.sum()
    kernel = np.ones(smoothing_hours) / smoothing_hours
    padded = np.concatenate((weights[-smoothing_hours:], weights, weights[:smoothing_hours]))
    smoothed = np.convolve(padded, kernel, mode="same")[smoothing_hours:-smoothing_hours]
    return WeekProfile(tuple(float(w) for w in np.maximum(smoothed, 1e-3)), time_zone)


def _hours_by_week_hour(segment: FillSegment, zone: ZoneInfo) -> np.ndarray:
    """Real hours the segment spent in each local hour of the week."""
    start = segment.end - segment.profile_hours * HOUR  # flat profile: profile hours = hours
    counts = np.zeros(HOURS_PER_WEEK)
    offset = start.astimezone(zone).utcoffset()
    if (
        offset is not None
        and offset == segment.end.astimezone(zone).utcoffset()
        and segment.profile_hours <= 24 * 60
        and offset % HOUR == datetime.timedelta(0)
    ):
        # The same offset at both ends, at most 60 days apart: no DST change between, so
        # whole local hours are counted in bulk, the partial first and last hours apart.
        local_start = start.astimezone(datetime.UTC).replace(tzinfo=None) + offset
        first = (local_start - _MONDAY) / HOUR
        last = first + segment.profile_hours
        whole = np.arange(math.ceil(first), math.floor(last))
        np.add.at(counts, whole % HOURS_PER_WEEK, 1.0)
        if math.floor(first) == math.floor(last):
            counts[math.floor(first) % HOURS_PER_WEEK] += last - first
        else:
            counts[math.floor(first) % HOURS_PER_WEEK] += math.ceil(first) - first
            counts[math.floor(last) % HOURS_PER_WEEK] += last - math.floor(last)
        return counts
    moment = start
    while moment < segment.end:
        step_end = min(
            moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0) + HOUR,
            segment.end,
        )
        local = moment.astimezone(zone)
        counts[local.weekday() * 24 + local.hour] += (step_end - moment) / HOUR
        moment = step_end
    return counts
