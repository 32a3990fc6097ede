"""The shared prior and a fitted container: predicted fill and time to a threshold."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .history import ForecastInputError, require_aware
from .profile import WeekProfile


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
        require_aware(at, gettext_lazy("The time of the prediction"))
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
        require_aware(next_visit, gettext_lazy("The next visit's time"))
        if next_visit < now:
            raise ForecastInputError(_("The next visit cannot be before now."))
        return self.time_to_threshold(threshold, now, horizon=next_visit - now) is not None
