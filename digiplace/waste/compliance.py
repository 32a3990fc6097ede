"""Sorting compliance at waste points (issue #12, "Sorting compliance"): pure functions, no ORM.

An observation says that, at a time and a site, something happened ``count`` times: a correct
use, waste of the wrong fraction, waste left outside the containers, bulky waste dumped, or
vandalism.

Use events: every disposal of waste at the point, right or wrong, i.e. correct use, wrong
fraction, waste left outside and bulky waste dumped. The compliance rate is correct uses over
use events. Vandalism is counted and reported, but it is not a use event: it is damage to the
point, not a way of getting rid of waste, so it neither raises nor lowers the rate (a week with
only vandalism has no rate).

Weeks are ISO weeks (Monday to Sunday) in the city's local time, ``Europe/Bucharest`` by
default.

Before/after (``compliance_change``): the rate before a change (a camera's start, or an
awareness campaign's first day) against the rate after it (from the start, or the day after the
campaign's last day; observations during a campaign are left out), optionally within ``weeks``
weeks on each side. The difference (after minus before) gets Newcombe's hybrid score interval
(his method 10: Wilson intervals of each rate combined) and a pooled two-proportion z-test.

Clustering: events of one site in one week share its people, weather and holidays, so they are
not independent draws and the binomial variance understates the uncertainty. Each site-week is
a cluster; each period's design effect is the cluster-robust (linearised ratio-estimator)
variance of its rate over the binomial one, at least 1, and its counts are divided by it (Kish's
effective sample size) before the interval and the test. This only widens intervals; a period
with fewer than two site-weeks cannot estimate it and keeps 1. ``cluster_by_week=False`` turns
it off (every event independent).
Rows that bundle events (a count of 5 from one camera clip) are correlated the same way and
raise the design effect too: on synthetic data with independent rows of 1 to 5 events it is
about 3.7, the ratio of the mean squared count to the mean count.

Difference in differences: with control sites (points without cameras, or outside the
campaign's neighbourhood), the change at the treated sites minus the change at the control
sites, which removes what changed everywhere (season, a new collection contract). Its interval
combines the two Newcombe intervals the same way (MOVER), its p-value is a Wald z-test with the
four effective variances.

A change is called significant at level ``1 - confidence`` only when the interval excludes zero
and the p-value is below the level; the two nearly always agree, and when they do not the
verdict stays "no significant change".
"""

from __future__ import annotations

import datetime
import enum
import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DEFAULT_TIME_ZONE = "Europe/Bucharest"
FOOTAGE_MAX_LENGTH = 200
# Below this many use events in a period a rate is too noisy to compare.
DEFAULT_MIN_USE_EVENTS = 10


class ComplianceInputError(ValueError):
    """Bad input to a compliance function; the message is in the user's language."""


class ObservationKind(enum.StrEnum):
    """What was observed; the values are the codes used in CSV files and the database."""

    CORRECT_USE = "correct_use"
    WRONG_FRACTION = "wrong_fraction"
    WASTE_OUTSIDE = "waste_outside"
    BULKY_DUMPED = "bulky_dumped"
    VANDALISM = "vandalism"

    @property
    def label(self) -> Promise:
        return _KIND_LABELS[self]

    @property
    def is_use_event(self) -> bool:
        return self in USE_EVENT_KINDS


_KIND_LABELS: dict[ObservationKind, Promise] = {
    ObservationKind.CORRECT_USE: gettext_lazy("Correct use"),
    ObservationKind.WRONG_FRACTION: gettext_lazy("Wrong fraction"),
    ObservationKind.WASTE_OUTSIDE: gettext_lazy("Waste left outside"),
    ObservationKind.BULKY_DUMPED: gettext_lazy("Bulky waste dumped"),
    ObservationKind.VANDALISM: gettext_lazy("Vandalism"),
}

USE_EVENT_KINDS = frozenset(
    {
        ObservationKind.CORRECT_USE,
        ObservationKind.WRONG_FRACTION,
        ObservationKind.WASTE_OUTSIDE,
        ObservationKind.BULKY_DUMPED,
    }
)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ComplianceInputError(_("Unknown time zone: %(zone)s.") % {"zone": name}) from error


def _is_aware(moment: object) -> bool:
    return isinstance(moment, datetime.datetime) and moment.utcoffset() is not None


def footage_reference_error(footage: str) -> str | None:
    """Why ``footage`` cannot be stored as a footage reference (translated), or None if it can.

    A reference names footage kept elsewhere (a recorder's clip id, an address); it never holds
    the footage itself, so it is short and is not a ``data:`` URL.
    """
    if len(footage) > FOOTAGE_MAX_LENGTH:
        return _("A footage reference is at most %(limit)d characters long.") % {
            "limit": FOOTAGE_MAX_LENGTH
        }
    if footage.strip().lower().startswith(("data:", "javascript:")):
        return _("A footage reference must point to footage, not contain it (no data: URLs).")
    return None


@dataclass(frozen=True)
class Observation:
    """``count`` events of ``kind`` seen at ``site`` at an aware time ``at``."""

    at: datetime.datetime
    site: str
    kind: ObservationKind
    count: int = 1
    footage: str = ""

    def __post_init__(self) -> None:
        if not _is_aware(self.at):
            raise ComplianceInputError(
                _("An observation's time must be a date and time with a time zone.")
            )
        if not isinstance(self.site, str) or not self.site.strip():
            raise ComplianceInputError(_("An observation needs a site."))
        if not isinstance(self.kind, ObservationKind):
            raise ComplianceInputError(
                _("Unknown observation kind: %(kind)s.") % {"kind": self.kind}
            )
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise ComplianceInputError(
                _("An observation's count must be a positive whole number, not %(count)s.")
                % {"count": self.count}
            )
        reason = footage_reference_error(self.footage)
        if reason is not None:
            raise ComplianceInputError(reason)


@dataclass(frozen=True)
class KindCounts:
    """Event counts by kind; ``rate`` is None when there was no use event."""

    correct_use: int = 0
    wrong_fraction: int = 0
    waste_outside: int = 0
    bulky_dumped: int = 0
    vandalism: int = 0

    @property
    def use_events(self) -> int:
        return self.correct_use + self.wrong_fraction + self.waste_outside + self.bulky_dumped

    @property
    def rate(self) -> float | None:
        return self.correct_use / self.use_events if self.use_events else None

    @classmethod
    def from_totals(cls, totals: Mapping[ObservationKind, int]) -> KindCounts:
        return cls(**{kind.value: totals.get(kind, 0) for kind in ObservationKind})


@dataclass(frozen=True)
class WeeklyCompliance:
    """One site's counts in one ISO week (``week_start`` is its local Monday)."""

    site: str
    iso_year: int
    iso_week: int
    week_start: datetime.date
    counts: KindCounts

    @property
    def rate(self) -> float | None:
        return self.counts.rate


def _local_monday(moment: datetime.datetime, zone: ZoneInfo) -> datetime.date:
    local_day = moment.astimezone(zone).date()
    return local_day - datetime.timedelta(days=local_day.weekday())


def compliance_by_site_week(
    observations: Iterable[Observation], *, time_zone: str = DEFAULT_TIME_ZONE
) -> list[WeeklyCompliance]:
    """Counts and compliance rate per site and ISO week, sorted by site then week.

    Only weeks with at least one observation appear; a week with only vandalism has rate None.
    """
    zone = _zone(time_zone)
    totals: dict[tuple[str, datetime.date], Counter[ObservationKind]] = defaultdict(Counter)
    for observation in observations:
        key = (observation.site, _local_monday(observation.at, zone))
        totals[key][observation.kind] += observation.count
    rows = []
    for (site, monday), kinds in sorted(totals.items()):
        iso_year, iso_week, _weekday = monday.isocalendar()
        counts = KindCounts.from_totals(kinds)
        rows.append(WeeklyCompliance(site, iso_year, iso_week, monday, counts))
    return rows


# --- Statistics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodCompliance:
    """A period's pooled counts over its sites, its site-weeks and its design effect."""

    counts: KindCounts
    site_weeks: int
    design_effect: float

    @property
    def correct_use(self) -> int:
        return self.counts.correct_use

    @property
    def use_events(self) -> int:
        return self.counts.use_events

    @property
    def rate(self) -> float | None:
        return self.counts.rate

    @property
    def effective_use_events(self) -> float:
        return self.use_events / self.design_effect


@dataclass(frozen=True)
class Difference:
    """An estimated difference of rates, its interval at ``confidence`` and a p-value."""

    estimate: float
    low: float
    high: float
    p_value: float
    confidence: float

    @property
    def is_significant(self) -> bool:
        excludes_zero = self.low > 0 or self.high < 0
        return excludes_zero and self.p_value < 1 - self.confidence


def _z_value(confidence: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def _two_sided_p(z: float) -> float:
    return 2 * NormalDist().cdf(-abs(z))


def wilson_interval(successes: float, trials: float, *, z: float) -> tuple[float, float]:
    """Wilson's score interval for a proportion (counts may be effective, i.e. fractional)."""
    if trials <= 0:
        raise ComplianceInputError(_("A rate needs at least one event."))
    denominator = trials + z * z
    centre = (successes + z * z / 2) / denominator
    half_width = z * math.sqrt(successes * (trials - successes) / trials + z * z / 4) / denominator
    return max(0.0, centre - half_width), min(1.0, centre + half_width)


def design_effect(clusters: Sequence[tuple[int, int]]) -> float:
    """Design effect of a pooled rate over ``(correct, use events)`` clusters, at least 1.

    Cluster-robust variance of the ratio estimator, ``K/(K-1) * sum((y - p*m)^2) / M^2``, over
    the binomial ``p(1-p)/M``. With fewer than two clusters, or a rate of 0 or 1, it is 1.
    """
    used = [(correct, events) for correct, events in clusters if events > 0]
    total = sum(events for _correct, events in used)
    if len(used) < 2 or total == 0:
        return 1.0
    rate = sum(correct for correct, _events in used) / total
    binomial = rate * (1 - rate) / total
    if binomial == 0:
        return 1.0
    squares = sum((correct - rate * events) ** 2 for correct, events in used)
    robust = len(used) / (len(used) - 1) * squares / total**2
    return max(1.0, robust / binomial)


def _effective(period: PeriodCompliance) -> tuple[float, float]:
    return period.correct_use / period.design_effect, period.effective_use_events


def rate_difference(
    before: PeriodCompliance, after: PeriodCompliance, *, confidence: float = 0.95
) -> Difference:
    """After minus before: Newcombe's hybrid score interval and a pooled two-proportion z-test,
    both on effective counts (counts over each period's design effect)."""
    z = _z_value(confidence)
    correct_before, events_before = _effective(before)
    correct_after, events_after = _effective(after)
    rate_before = correct_before / events_before
    rate_after = correct_after / events_after
    low_before, high_before = wilson_interval(correct_before, events_before, z=z)
    low_after, high_after = wilson_interval(correct_after, events_after, z=z)
    estimate = rate_after - rate_before
    low = estimate - math.hypot(rate_after - low_after, high_before - rate_before)
    high = estimate + math.hypot(high_after - rate_after, rate_before - low_before)
    pooled = (correct_before + correct_after) / (events_before + events_after)
    variance = pooled * (1 - pooled) * (1 / events_before + 1 / events_after)
    # A zero variance means both periods all correct (or all wrong): nothing changed.
    p_value = 1.0 if variance == 0 else _two_sided_p(estimate / math.sqrt(variance))
    return Difference(estimate, low, high, p_value, confidence)


def _binomial_variance(period: PeriodCompliance) -> float:
    correct, events = _effective(period)
    rate = correct / events
    return rate * (1 - rate) / events


def difference_in_differences(
    treated: Difference,
    control: Difference,
    variances: Sequence[float],
) -> Difference:
    """Treated change minus control change: MOVER interval from the two intervals, Wald p-value
    from the four periods' (effective) binomial variances."""
    estimate = treated.estimate - control.estimate
    low = estimate - math.hypot(treated.estimate - treated.low, control.high - control.estimate)
    high = estimate + math.hypot(treated.high - treated.estimate, control.estimate - control.low)
    variance = sum(variances)
    if variance == 0:
        p_value = 1.0 if estimate == 0 else 0.0
    else:
        p_value = _two_sided_p(estimate / math.sqrt(variance))
    return Difference(estimate, low, high, p_value, treated.confidence)


# --- Before/after -----------------------------------------------------------------------------


class Verdict(enum.StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    NO_SIGNIFICANT_CHANGE = "no_significant_change"
    INSUFFICIENT_DATA = "insufficient_data"


@dataclass(frozen=True)
class Window:
    """Half-open ``[start, end)`` in time; None is open-ended."""

    start: datetime.datetime | None
    end: datetime.datetime | None

    def contains(self, moment: datetime.datetime) -> bool:
        return (self.start is None or moment >= self.start) and (
            self.end is None or moment < self.end
        )


@dataclass(frozen=True)
class ComplianceChange:
    """The result of ``compliance_change``; ``message()`` says it in plain language.

    ``difference`` is None when either period has fewer than ``min_use_events`` use events
    (``verdict`` is then ``INSUFFICIENT_DATA``); ``difference_in_differences`` is None without
    control sites or when one of their periods is short of events too.
    """

    sites: tuple[str, ...]
    control_sites: tuple[str, ...]
    before_window: Window
    after_window: Window
    before: PeriodCompliance
    after: PeriodCompliance
    difference: Difference | None
    control_before: PeriodCompliance | None
    control_after: PeriodCompliance | None
    control_difference: Difference | None
    difference_in_differences: Difference | None
    min_use_events: int

    @property
    def verdict(self) -> Verdict:
        return _verdict(self.difference)

    @property
    def controlled_verdict(self) -> Verdict | None:
        """The verdict against the control sites, None without control sites."""
        if not self.control_sites:
            return None
        return _verdict(self.difference_in_differences)

    def message(self) -> str:
        """The before/after verdict with its numbers, in the active language."""
        if self.difference is None:
            return _insufficient_message(self.before, self.after, self.min_use_events)
        numbers = {
            "before": _percent(self.before.rate),
            "after": _percent(self.after.rate),
            **_difference_numbers(self.difference),
        }
        if self.verdict is Verdict.HIGHER:
            text = _(
                "Compliance went from %(before)s%% before to %(after)s%% after, a change of "
                "%(difference)s percentage points (%(level)s%% confidence interval %(low)s to "
                "%(high)s, p %(p_value)s): higher, and the difference is significant at "
                "%(alpha)s%%."
            )
        elif self.verdict is Verdict.LOWER:
            text = _(
                "Compliance went from %(before)s%% before to %(after)s%% after, a change of "
                "%(difference)s percentage points (%(level)s%% confidence interval %(low)s to "
                "%(high)s, p %(p_value)s): lower, and the difference is significant at "
                "%(alpha)s%%."
            )
        else:
            text = _(
                "Compliance went from %(before)s%% before to %(after)s%% after, a change of "
                "%(difference)s percentage points (%(level)s%% confidence interval %(low)s to "
                "%(high)s, p %(p_value)s): no significant change at %(alpha)s%%."
            )
        return text % numbers

    def controlled_message(self) -> str | None:
        """The difference-in-differences verdict, None without control sites."""
        if not self.control_sites:
            return None
        if self.difference_in_differences is None:
            return _(
                "Not compared with the comparison sites: each period needs at least "
                "%(minimum)d use events at the analysed sites and at the comparison sites."
            ) % {"minimum": self.min_use_events}
        numbers = _difference_numbers(self.difference_in_differences)
        if self.controlled_verdict is Verdict.HIGHER:
            text = _(
                "Beyond the change at the comparison sites, compliance changed by "
                "%(difference)s percentage points (%(level)s%% confidence interval %(low)s to "
                "%(high)s, p %(p_value)s): higher, and the difference is significant at "
                "%(alpha)s%%."
            )
        elif self.controlled_verdict is Verdict.LOWER:
            text = _(
                "Beyond the change at the comparison sites, compliance changed by "
                "%(difference)s percentage points (%(level)s%% confidence interval %(low)s to "
                "%(high)s, p %(p_value)s): lower, and the difference is significant at "
                "%(alpha)s%%."
            )
        else:
            text = _(
                "Beyond the change at the comparison sites, compliance changed by "
                "%(difference)s percentage points (%(level)s%% confidence interval %(low)s to "
                "%(high)s, p %(p_value)s): no significant difference at %(alpha)s%%."
            )
        return text % numbers


def _verdict(difference: Difference | None) -> Verdict:
    if difference is None:
        return Verdict.INSUFFICIENT_DATA
    if not difference.is_significant:
        return Verdict.NO_SIGNIFICANT_CHANGE
    return Verdict.HIGHER if difference.estimate > 0 else Verdict.LOWER


def _number(value: float, decimals: int) -> str:
    # Django's number_format cuts extra decimals off a float; round first.
    return str(number_format(round(value, decimals), decimals))


def _percent(rate: float | None) -> str:
    return "-" if rate is None else _number(rate * 100, 1)


def _difference_numbers(difference: Difference) -> dict[str, str]:
    p_value = difference.p_value
    return {
        "difference": ("+" if difference.estimate > 0 else "")
        + _number(difference.estimate * 100, 1),
        "low": _number(difference.low * 100, 1),
        "high": _number(difference.high * 100, 1),
        # "p < 0.001" rather than a p-value of 0.000.
        "p_value": "< " + _number(0.001, 3) if p_value < 0.001 else "= " + _number(p_value, 3),
        "level": _number(difference.confidence * 100, 0),
        "alpha": _number((1 - difference.confidence) * 100, 0),
    }


def _insufficient_message(before: PeriodCompliance, after: PeriodCompliance, minimum: int) -> str:
    return _(
        "Not enough data to compare: each period needs at least %(minimum)d use events, and "
        "there were %(before)d before and %(after)d after."
    ) % {"minimum": minimum, "before": before.use_events, "after": after.use_events}


def _local_midnight(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zone)


def _boundary(moment: datetime.date, zone: ZoneInfo, *, day_after: bool) -> datetime.datetime:
    if isinstance(moment, datetime.datetime):
        if not _is_aware(moment):
            raise ComplianceInputError(
                _("A change's date and time must have a time zone, or be a date only.")
            )
        return moment
    return _local_midnight(moment + datetime.timedelta(days=1 if day_after else 0), zone)


def _shift_weeks(moment: datetime.datetime, weeks: int, zone: ZoneInfo) -> datetime.datetime:
    # Whole weeks of wall-clock time, so a window ends at the same local hour across DST.
    local = moment.astimezone(zone).replace(tzinfo=None) + datetime.timedelta(weeks=weeks)
    return local.replace(tzinfo=zone)


def change_windows(
    *,
    start: datetime.date,
    end: datetime.date | None = None,
    weeks: int | None = None,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> tuple[Window, Window]:
    """The before and after windows around a change.

    ``start`` and ``end`` are dates (local midnight; ``end`` inclusive, e.g. a campaign's last
    day) or aware datetimes (``end`` exclusive). Before ends at ``start``; after begins at
    ``start``, or after ``end`` when given. ``weeks`` limits each side to that many weeks.
    """
    zone = _zone(time_zone)
    if weeks is not None and (isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1):
        raise ComplianceInputError(_("The number of weeks must be a positive whole number."))
    before_end = _boundary(start, zone, day_after=False)
    after_start = before_end if end is None else _boundary(end, zone, day_after=True)
    if after_start < before_end:
        raise ComplianceInputError(_("A change cannot end before it starts."))
    if weeks is None:
        return Window(None, before_end), Window(after_start, None)
    return (
        Window(_shift_weeks(before_end, -weeks, zone), before_end),
        Window(after_start, _shift_weeks(after_start, weeks, zone)),
    )


def _period(
    observations: Sequence[Observation],
    sites: Collection[str],
    window: Window,
    zone: ZoneInfo,
    *,
    cluster_by_week: bool,
) -> PeriodCompliance:
    sites = frozenset(sites)
    kinds: Counter[ObservationKind] = Counter()
    clusters: dict[tuple[str, datetime.date], list[int]] = defaultdict(lambda: [0, 0])
    for observation in observations:
        if observation.site not in sites or not window.contains(observation.at):
            continue
        kinds[observation.kind] += observation.count
        if observation.kind.is_use_event:
            cluster = clusters[(observation.site, _local_monday(observation.at, zone))]
            cluster[1] += observation.count
            if observation.kind is ObservationKind.CORRECT_USE:
                cluster[0] += observation.count
    cells = [(correct, events) for correct, events in clusters.values()]
    effect = design_effect(cells) if cluster_by_week else 1.0
    return PeriodCompliance(KindCounts.from_totals(kinds), len(cells), effect)


def compliance_change(
    observations: Iterable[Observation],
    *,
    sites: Collection[str],
    start: datetime.date,
    end: datetime.date | None = None,
    weeks: int | None = None,
    control_sites: Collection[str] = (),
    confidence: float = 0.95,
    min_use_events: int = DEFAULT_MIN_USE_EVENTS,
    cluster_by_week: bool = True,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> ComplianceChange:
    """Compliance at ``sites`` before and after a change, with a test and its interval.

    See the module's docstring for the method; ``change_windows`` for ``start``, ``end`` and
    ``weeks``. Observations of other sites than ``sites`` and ``control_sites`` are ignored.
    """
    zone = _zone(time_zone)
    treated = tuple(sorted(set(sites)))
    control = tuple(sorted(set(control_sites)))
    if not treated:
        raise ComplianceInputError(_("Choose at least one site to analyse."))
    if set(treated) & set(control):
        raise ComplianceInputError(
            _("A site cannot be both analysed and a control site: %(sites)s.")
            % {"sites": ", ".join(sorted(set(treated) & set(control)))}
        )
    if not 0 < confidence < 1:
        raise ComplianceInputError(_("The confidence level must be between 0 and 1."))
    if (
        isinstance(min_use_events, bool)
        or not isinstance(min_use_events, int)
        or min_use_events < 1
    ):
        raise ComplianceInputError(
            _("The minimum number of use events must be a positive whole number.")
        )
    before_window, after_window = change_windows(
        start=start, end=end, weeks=weeks, time_zone=time_zone
    )
    observations = list(observations)

    def period(period_sites: Collection[str], window: Window) -> PeriodCompliance:
        return _period(observations, period_sites, window, zone, cluster_by_week=cluster_by_week)

    def compare(first: PeriodCompliance, second: PeriodCompliance) -> Difference | None:
        if min(first.use_events, second.use_events) < min_use_events:
            return None
        return rate_difference(first, second, confidence=confidence)

    before, after = period(treated, before_window), period(treated, after_window)
    difference = compare(before, after)
    control_before = control_after = None
    control_difference = did = None
    if control:
        control_before, control_after = (
            period(control, before_window),
            period(control, after_window),
        )
        control_difference = compare(control_before, control_after)
        if difference is not None and control_difference is not None:
            variances = [
                _binomial_variance(part) for part in (before, after, control_before, control_after)
            ]
            did = difference_in_differences(difference, control_difference, variances)
    return ComplianceChange(
        sites=treated,
        control_sites=control,
        before_window=before_window,
        after_window=after_window,
        before=before,
        after=after,
        difference=difference,
        control_before=control_before,
        control_after=control_after,
        control_difference=control_difference,
        difference_in_differences=did,
        min_use_events=min_use_events,
    )
