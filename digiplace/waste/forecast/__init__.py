"""Fill forecasts for waste containers (issue #12, "Forecasts"): pure functions, no ORM.

A container's fill restarts at 0 after each emptying, grows with ``E``, the hours since the
emptying weighted by a time-of-week ``profile`` (168 hourly weights, mean 1, in the city's
local time: "profile hours"), and is capped at 1::

    fill(t) = min(1, rate * growth(E(emptying, t))),  growth(E) = E ** growth_exponent

With ``growth_exponent`` 1 the container fills at ``rate * profile(hour of week)``; below 1
the curve is concave (fast after an emptying, slower as waste settles or is compacted; on
Edinburgh's 2016 litter bins about 0.4 fits best, see bench/waste_forecast.py). The shape
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
iterated until the rate settles (EM steps for a censored mean). Segments use one point per cycle, so
sensor noise on intermediate readings does not matter and a falling reading does not count
as negative fill.

Typical use from a selector::

    profile = week_profile_fit(histories, time_zone="Europe/Bucharest", growth_exponent=0.4)
    prior = fill_prior_fit(histories, profile=profile, growth_exponent=0.4)
    model = fill_model_fit(history, prior=prior)
    model.predict_fill(at)
    model.time_to_threshold(0.8, now=now)
    model.is_due(0.8, now=now, next_visit=next_visit)

Times are aware datetimes (UTC or any zone); the time of week is read in ``time_zone``.
A reading at the very moment of an emptying is the fill just before it (a collection
report: the level found, then the emptying).
DST changes are exact for zones whose offsets are whole hours.
"""

from .fit import (
    RESET_DROP,
    fill_model_fit,
    fill_prior_fit,
    fill_segments,
    rate_from_segments,
    week_profile_fit,
)
from .history import FillHistory, FillObservation, ForecastInputError
from .model import FillModel, FillPrior, FillSegment
from .profile import DEFAULT_TIME_ZONE, HOURS_PER_WEEK, WeekProfile

__all__ = [
    "DEFAULT_TIME_ZONE",
    "HOURS_PER_WEEK",
    "RESET_DROP",
    "FillHistory",
    "FillModel",
    "FillObservation",
    "FillPrior",
    "FillSegment",
    "ForecastInputError",
    "WeekProfile",
    "fill_model_fit",
    "fill_prior_fit",
    "fill_segments",
    "rate_from_segments",
    "week_profile_fit",
]
