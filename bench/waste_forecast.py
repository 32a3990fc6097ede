"""Fill forecasts on real data (issue #12, "Forecasts"): Edinburgh's litter bins, 2016.

Data: ../shared/data/waste/edinburgh_litter_bin_collections_2016.csv, one row per collection
(June 3 - August 9, 2016, 334 sites, 10,000 rows): the fill level found (``fill_before_pct``),
the fill left (``fill_after_pct``) and the local time (``collected_at_local``, Europe/London).
A site's interval is the time between two consecutive collections; its fill is the second
one's ``fill_before_pct``.

Method (rolling origin, no peeking): for each collection of a site, every method predicts its
fill from the site's earlier collections only, and from a week profile and prior learned from
collections before the evaluation period. Methods:

- model: ``digiplace.waste.forecast`` (recency-weighted rate shrunk to a city prior, a
  time-of-week profile, a growth exponent, censoring at 100%), from 0 at the previous
  collection;
- last rate: the previous valid interval's fill / its duration, times the current duration;
- mean rate: the mean of the site's earlier valid intervals' rates, times the current duration;
- for reference (not a rate model): the mean fill found at the site's earlier collections,
  whatever the interval. Fill found hardly grows with the interval on this data (mean 65% after
  6-12 h, 84% after 4-8 days), likely because bins are collected when their sensors report
  them nearly full (and perhaps because they compact their waste); a concave growth curve
  fits far better than linear fill.

All predictions are capped at 100% (a bin cannot report more). Error: mean absolute error in
percentage points against ``fill_before_pct``.

Quirks and exclusions, the same for all three methods (an excluded interval is neither scored
nor used as history by any method):

- ``partial`` (the bin was not fully emptied) and ``fill_after_pct`` > 0: the next interval
  does not start empty, so it is excluded. (No row of the 2016 file has either; the rules
  stay for other years.)
- ``confidence`` < 100: the reading is doubtful; the interval is excluded (none in 2016).
- ``frozen``: its meaning is not documented; it is True on 98% of rows and the fill found has
  the same distribution either way (mean 75% False, 77% True), so it is kept.
- Very short intervals (under 1 hour: a double report of one collection) are excluded; the
  2016 file has none under 6 hours. Intervals over 14 days (a bin out of service or a sensor
  offline, 1% of them) are excluded.
- Fill is capped at 100% (14% of rows): such a reading is a lower bound. Targets at 100 are
  kept (a bin found full is what planning must predict) and scored against the capped value;
  the model treats capped history as censored, the baselines use it as is. MAE on the
  uncapped targets only is printed too.
- A collection is scored when its site has at least ``MIN_HISTORY`` earlier valid intervals.

Tuning: hyper-parameters (growth exponent, half-life, prior weight, flat or learned week
profile) are chosen
by MAE on collections before ``SPLIT`` (the first half of the data); the figures reported are
on collections from ``SPLIT`` on, with the profile and the prior learned before ``SPLIT``.
(While tuning, the profile and prior come from the same first half that is scored: they
only pick the grid point, and the figures reported never saw the second half.)

Run: ``.venv/bin/python bench/waste_forecast.py``.
"""

from __future__ import annotations

import csv
import datetime
import itertools
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from digiplace.waste.forecast import (  # noqa: E402
    FillHistory,
    FillModel,
    FillObservation,
    FillPrior,
    FillSegment,
    WeekProfile,
    fill_model_fit,
    fill_prior_fit,
    fill_segments,
    rate_from_segments,
    week_profile_fit,
)

DATA = (
    Path(__file__).resolve().parent.parent.parent
    / "shared/data/waste/edinburgh_litter_bin_collections_2016.csv"
)
TIME_ZONE = "Europe/London"
SPLIT = datetime.datetime(2016, 7, 7, tzinfo=ZoneInfo(TIME_ZONE))
MIN_HISTORY = 3
SHORTEST = datetime.timedelta(hours=1)
LONGEST = datetime.timedelta(days=14)
HALF_LIVES: tuple[datetime.timedelta | None, ...] = (
    None,
    datetime.timedelta(days=28),
    datetime.timedelta(days=7),
)
PRIOR_WEIGHTS = (1.0, 3.0, 12.0)
GROWTH_EXPONENTS = (1.0, 0.6, 0.4, 0.3, 0.2)


@dataclass(frozen=True)
class Collection:
    site_id: str
    content_type: str
    at: datetime.datetime  # aware, UTC
    fill: float  # 0-1, found before emptying
    fill_after: float
    is_partial: bool
    confidence: float


@dataclass(frozen=True)
class Interval:
    """A collection seen from the interval that ends with it."""

    collection: Collection
    start: datetime.datetime
    is_valid: bool

    @property
    def hours(self) -> float:
        return (self.collection.at - self.start) / datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Scored:
    site_id: str
    content_type: str
    at: datetime.datetime
    actual: float
    model: float
    last_rate: float
    mean_rate: float
    mean_fill: float


def load_collections(path: Path = DATA) -> dict[str, list[Collection]]:
    zone = ZoneInfo(TIME_ZONE)
    sites: dict[str, list[Collection]] = defaultdict(list)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            local = datetime.datetime.fromisoformat(row["collected_at_local"])
            sites[row["site_id"]].append(
                Collection(
                    site_id=row["site_id"],
                    content_type=row["content_type"],
                    at=local.replace(tzinfo=zone).astimezone(datetime.UTC),
                    fill=float(row["fill_before_pct"]) / 100,
                    fill_after=float(row["fill_after_pct"]) / 100,
                    is_partial=row["partial"] == "True",
                    confidence=float(row["confidence"]),
                )
            )
    return {site: sorted(rows, key=lambda c: c.at) for site, rows in sites.items()}


def site_intervals(collections: Sequence[Collection]) -> list[Interval]:
    """Each collection after the first, with the exclusions of the module docstring."""
    intervals = []
    for previous, current in itertools.pairwise(collections):
        duration = current.at - previous.at
        is_valid = (
            SHORTEST <= duration <= LONGEST
            and not previous.is_partial
            and previous.fill_after == 0
            and current.confidence >= 100
        )
        intervals.append(Interval(current, previous.at, is_valid))
    return intervals


def history_before(intervals: Sequence[Interval], index: int) -> FillHistory:
    """What the platform knew just before interval ``index`` ended: every earlier emptying,
    and the readings of earlier valid intervals."""
    return _history(intervals[:index], [i.start for i in intervals[: index + 1]])


def _history(intervals: Sequence[Interval], emptyings: Sequence[datetime.datetime]) -> FillHistory:
    return FillHistory(
        observations=[
            FillObservation(i.collection.at, i.collection.fill) for i in intervals if i.is_valid
        ],
        emptyings=emptyings,
    )


def _capped(value: float) -> float:
    return min(1.0, max(0.0, value))


@dataclass(frozen=True)
class Target:
    interval: Interval
    history: FillHistory
    baseline_rates: tuple[float, ...]  # the earlier valid intervals' fill per hour
    earlier_fills: tuple[float, ...]  # and their fill found


def targets(
    sites: dict[str, list[Collection]],
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
) -> list[Target]:
    """The collections to score in [start, end): valid, with MIN_HISTORY earlier ones."""
    chosen = []
    for collections in sites.values():
        intervals = site_intervals(collections)
        for index, interval in enumerate(intervals):
            at = interval.collection.at
            if not interval.is_valid or (start and at < start) or (end and at >= end):
                continue
            earlier = [i for i in intervals[:index] if i.is_valid]
            if len(earlier) < MIN_HISTORY:
                continue
            rates = tuple(i.collection.fill / i.hours for i in earlier)
            fills = tuple(i.collection.fill for i in earlier)
            chosen.append(Target(interval, history_before(intervals, index), rates, fills))
    return chosen


def predict(
    target: Target,
    segments: Sequence[FillSegment],
    *,
    prior: FillPrior,
    half_life: datetime.timedelta | None,
) -> Scored:
    """Score a target from its history's segments (cached while tuning): what
    ``fill_model_fit`` computes, since the history's last event is the previous emptying."""
    interval = target.interval
    rate = rate_from_segments(segments, prior=prior, now=interval.start, half_life=half_life)
    model = FillModel(rate, prior, interval.start, 0.0, interval.start, len(segments))
    return score(target, model)


def score(target: Target, model: FillModel) -> Scored:
    interval = target.interval
    rates = target.baseline_rates
    return Scored(
        site_id=interval.collection.site_id,
        content_type=interval.collection.content_type,
        at=interval.collection.at,
        actual=interval.collection.fill,
        model=model.predict_fill(interval.collection.at),
        last_rate=_capped(rates[-1] * interval.hours),
        mean_rate=_capped(sum(rates) / len(rates) * interval.hours),
        mean_fill=sum(target.earlier_fills) / len(target.earlier_fills),
    )


def histories_before(
    sites: dict[str, list[Collection]], before: datetime.datetime
) -> list[FillHistory]:
    """Each site's history of the intervals that ended before ``before``."""
    histories = []
    for collections in sites.values():
        intervals = [i for i in site_intervals(collections) if i.collection.at < before]
        if intervals:
            histories.append(_history(intervals, [i.start for i in intervals]))
    return histories


def learn_profile(
    sites: dict[str, list[Collection]],
    before: datetime.datetime,
    *,
    learned: bool,
    growth_exponent: float,
) -> WeekProfile:
    if not learned:
        return WeekProfile.flat(TIME_ZONE)
    return week_profile_fit(
        histories_before(sites, before), time_zone=TIME_ZONE, growth_exponent=growth_exponent
    )


def learn_prior(
    sites: dict[str, list[Collection]],
    before: datetime.datetime,
    *,
    profile: WeekProfile,
    growth_exponent: float,
) -> FillPrior:
    """The city prior from valid intervals that ended before ``before``."""
    return fill_prior_fit(
        histories_before(sites, before), profile=profile, growth_exponent=growth_exponent
    )


def mae(values: Iterable[float]) -> float:
    items = list(values)
    return 100 * sum(items) / len(items) if items else float("nan")


def evaluate(
    chosen: Sequence[Target], prior: FillPrior, half_life: datetime.timedelta | None
) -> list[Scored]:
    """Score each target with the platform's own call, ``fill_model_fit``."""
    return [
        score(
            target,
            fill_model_fit(
                target.history, prior=prior, now=target.interval.start, half_life=half_life
            ),
        )
        for target in chosen
    ]


def tune(
    sites: dict[str, list[Collection]],
) -> tuple[bool, float, datetime.timedelta | None, float]:
    """The grid point with the lowest MAE on collections before SPLIT."""
    tuning = targets(sites, end=SPLIT)
    results = []
    flat = WeekProfile.flat(TIME_ZONE)
    flat_segments = [fill_segments(t.history, profile=flat) for t in tuning]
    for learned_profile, exponent in itertools.product((False, True), GROWTH_EXPONENTS):
        profile = learn_profile(sites, SPLIT, learned=learned_profile, growth_exponent=exponent)
        segments = (
            [fill_segments(t.history, profile=profile) for t in tuning]
            if learned_profile
            else flat_segments
        )
        prior = learn_prior(sites, SPLIT, profile=profile, growth_exponent=exponent)
        for half_life, weight in itertools.product(HALF_LIVES, PRIOR_WEIGHTS):
            weighted = FillPrior(prior.rate_per_hour, profile, weight, exponent)
            scored = [
                predict(t, s, prior=weighted, half_life=half_life)
                for t, s in zip(tuning, segments, strict=True)
            ]
            error = mae(abs(s.model - s.actual) for s in scored)
            results.append((error, learned_profile, exponent, half_life, weight))
    results.sort(key=lambda result: result[0])
    print(
        f"Tuning on {len(tuning)} collections before {SPLIT:%Y-%m-%d} (best 5 of {len(results)}):"
    )
    for error, learned_profile, exponent, half_life, weight in results[:5]:
        print(
            f"  MAE {error:5.2f} pp  profile={'learned' if learned_profile else 'flat':7}"
            f"  exponent={exponent:g}  half-life={_days(half_life):>5}  prior weight={weight:g} h"
        )
    linear = min(r for r in results if r[2] == 1.0)
    flat_best = min(r for r in results if not r[1])
    print(f"  best with linear growth (exponent 1): MAE {linear[0]:5.2f} pp")
    print(f"  best with a flat week profile: MAE {flat_best[0]:5.2f} pp")
    _error, learned_profile, exponent, half_life, weight = results[0]
    return learned_profile, exponent, half_life, weight


def _days(half_life: datetime.timedelta | None) -> str:
    return "none" if half_life is None else f"{half_life.days}d"


def report(scored: Sequence[Scored], title: str) -> None:
    print(f"\n{title}: {len(scored)} collections scored")
    print(f"  {'method':<32}{'MAE (pp)':>10}{'MAE fill<100':>14}")
    uncapped = [s for s in scored if s.actual < 1.0]
    for name, key in (
        ("model (digiplace.waste.forecast)", "model"),
        ("(a) last observed rate", "last_rate"),
        ("(b) bin's mean rate", "mean_rate"),
        ("(c) reference: bin's mean fill", "mean_fill"),
    ):
        every = mae(abs(getattr(s, key) - s.actual) for s in scored)
        below = mae(abs(getattr(s, key) - s.actual) for s in uncapped)
        print(f"  {name:<32}{every:>10.2f}{below:>14.2f}")
    print(f"  ({len(uncapped)} of them found below 100%; (c) ignores the time since emptying)")
    by_type: dict[str, list[Scored]] = defaultdict(list)
    for item in scored:
        by_type[item.content_type].append(item)
    for content_type, items in sorted(by_type.items()):
        print(
            f"  {content_type}: n={len(items)}"
            f" model {mae(abs(s.model - s.actual) for s in items):.2f}"
            f" last {mae(abs(s.last_rate - s.actual) for s in items):.2f}"
            f" mean {mae(abs(s.mean_rate - s.actual) for s in items):.2f}"
        )


def main() -> None:
    started = time.perf_counter()
    sites = load_collections()
    learned_profile, exponent, half_life, weight = tune(sites)
    profile = learn_profile(sites, SPLIT, learned=learned_profile, growth_exponent=exponent)
    base = learn_prior(sites, SPLIT, profile=profile, growth_exponent=exponent)
    prior = FillPrior(base.rate_per_hour, profile, weight, exponent)
    print(
        f"\nChosen: profile={'learned' if learned_profile else 'flat'}, exponent={exponent:g},"
        f" half-life={_days(half_life)}, prior weight={weight:g} h, city prior rate"
        f" {100 * prior.rate_per_hour:.2f} % per hour**{exponent:g}"
        f" (learned before {SPLIT:%Y-%m-%d})"
    )
    scored = evaluate(targets(sites, start=SPLIT), prior, half_life)
    report(scored, f"Evaluation from {SPLIT:%Y-%m-%d} on (rolling origin)")
    print(f"\n{time.perf_counter() - started:.1f} s in all")


if __name__ == "__main__":
    main()
