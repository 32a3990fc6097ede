"""The grandfather-father-son rule of the nightly backups: worked examples and properties."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from digiplace.ops.retention import backups_to_keep


def every_day(first: str, last: str) -> list[datetime.date]:
    day = datetime.date.fromisoformat(first)
    end = datetime.date.fromisoformat(last)
    days = []
    while day <= end:
        days.append(day)
        day += datetime.timedelta(days=1)
    return days


def dates(*texts: str) -> set[datetime.date]:
    return {datetime.date.fromisoformat(text) for text in texts}


def test_a_year_of_nightly_backups_keeps_seven_days_four_weeks_six_months() -> None:
    # Given a backup every night of 2026 (the 31st of December is a Thursday, ISO week 53)
    days = every_day("2026-01-01", "2026-12-31")

    # When the default rule (7 daily, 4 weekly, 6 monthly) is applied
    kept = backups_to_keep(days, daily=7, weekly=4, monthly=6)

    # Then the last seven days, the Sundays that close weeks 51 and 50 (week 52's Sunday, the
    # 27th, and week 53's newest, the 31st, are among the seven days) and the last day of
    # each month from July to November remain: 14 archives of 365
    assert kept == dates(
        *(f"2026-12-{day}" for day in range(25, 32)),
        "2026-12-20",
        "2026-12-13",
        "2026-11-30",
        "2026-10-31",
        "2026-09-30",
        "2026-08-31",
        "2026-07-31",
    )


def test_the_week_across_the_new_year_counts_once() -> None:
    # ISO week 53 of 2026 runs from Monday 28 December 2026 to Sunday 3 January 2027.
    days = every_day("2026-12-01", "2027-01-03")

    kept = backups_to_keep(days, daily=1, weekly=2, monthly=2)

    # The newest day stands for the day, its week and January; week 52's newest is Sunday the
    # 27th, December's is the 31st.
    assert kept == dates("2027-01-03", "2026-12-27", "2026-12-31")


def test_weeks_and_months_without_a_backup_do_not_count() -> None:
    # The worker was down from mid-February to the end of March: the weekly and monthly
    # copies from before the gap stay until newer weeks and months replace them.
    days = every_day("2026-01-01", "2026-02-14") + every_day("2026-04-01", "2026-04-05")

    kept = backups_to_keep(days, daily=3, weekly=3, monthly=3)

    assert kept == dates(
        # The three newest days; Sunday the 5th is also week 14's and April's newest.
        "2026-04-05",
        "2026-04-04",
        "2026-04-03",
        # Weeks 8 to 13 had no backup: the next weeks are 7 (Saturday the 14th is also
        # February's newest) and 6.
        "2026-02-14",
        "2026-02-08",
        # The third month with a backup: January.
        "2026-01-31",
    )


def test_repeated_days_and_any_order() -> None:
    days = dates("2026-05-01", "2026-05-02", "2026-05-03")
    shuffled = [*sorted(days, reverse=True), *sorted(days)]

    assert backups_to_keep(shuffled, daily=2, weekly=0, monthly=0) == dates(
        "2026-05-03", "2026-05-02"
    )


def test_zero_counts_keep_nothing_and_no_days_keep_nothing() -> None:
    assert backups_to_keep(every_day("2026-01-01", "2026-03-01"), daily=0, weekly=0, monthly=0) == (
        set()
    )
    assert backups_to_keep([], daily=7, weekly=4, monthly=6) == set()


day_lists = st.lists(
    st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31)),
    max_size=120,
)
counts = st.integers(min_value=0, max_value=10)


def week(day: datetime.date) -> tuple[int, int]:
    return (day.isocalendar().year, day.isocalendar().week)


def month(day: datetime.date) -> tuple[int, int]:
    return (day.year, day.month)


@given(days=day_lists, daily=counts, weekly=counts, monthly=counts)
def test_property_keeps_what_the_rule_promises_and_nothing_else(
    days: list[datetime.date], daily: int, weekly: int, monthly: int
) -> None:
    kept = backups_to_keep(days, daily=daily, weekly=weekly, monthly=monthly)
    newest_first = sorted(set(days), reverse=True)

    assert kept <= set(days)
    assert set(newest_first[:daily]) <= kept
    for period, count in ((week, weekly), (month, monthly)):
        periods = sorted({period(day) for day in days}, reverse=True)[:count]
        for key in periods:
            assert max(day for day in days if period(day) == key) in kept
    # Every kept day is kept for a reason: one of the newest days, or the newest of a recent
    # week or month.
    for day in kept:
        is_daily = day in newest_first[:daily]
        is_weekly = week(day) in sorted({week(d) for d in days}, reverse=True)[:weekly] and (
            day == max(d for d in days if week(d) == week(day))
        )
        is_monthly = month(day) in sorted({month(d) for d in days}, reverse=True)[:monthly] and (
            day == max(d for d in days if month(d) == month(day))
        )
        assert is_daily or is_weekly or is_monthly
    assert len(kept) <= daily + weekly + monthly


@given(days=day_lists, daily=counts, weekly=counts, monthly=counts)
def test_property_pruning_again_removes_nothing(
    days: list[datetime.date], daily: int, weekly: int, monthly: int
) -> None:
    kept = backups_to_keep(days, daily=daily, weekly=weekly, monthly=monthly)

    assert backups_to_keep(sorted(kept), daily=daily, weekly=weekly, monthly=monthly) == kept


@given(days=day_lists, daily=counts, weekly=counts, monthly=counts)
def test_property_pruning_each_night_ends_where_pruning_once_does(
    days: list[datetime.date], daily: int, weekly: int, monthly: int
) -> None:
    # The worker prunes after every backup: what it deleted on an earlier night must never be
    # a backup the rule would have wanted later.
    remaining: set[datetime.date] = set()
    for day in sorted(set(days)):
        remaining = backups_to_keep([*remaining, day], daily=daily, weekly=weekly, monthly=monthly)

    assert remaining == backups_to_keep(days, daily=daily, weekly=weekly, monthly=monthly)
