"""Periodic jobs: each window's run is enqueued once, whichever process ticks, across
restarts; the next window runs again; bad intervals are refused."""

from __future__ import annotations

import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django_tasks import task

from digiplace.core import periodic
from digiplace.core.models import RateLimitCounter

RUNS: list[str] = []
MINUTE = datetime.timedelta(minutes=1)


@task()
def periodic_probe() -> int:
    RUNS.append("probe")
    return len(RUNS)


@task()
def periodic_daily_probe() -> int:
    RUNS.append("daily")
    return len(RUNS)


@pytest.fixture(autouse=True)
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(periodic, "_jobs", {})
    RUNS.clear()
    periodic.periodic_register(name="probe", interval=MINUTE, task=periodic_probe)
    periodic.periodic_register(
        name="daily", interval=datetime.timedelta(days=1), task=periodic_daily_probe
    )


def at(hour: int, minute: int, second: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 5, 4, hour, minute, second, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_each_window_runs_once_whoever_ticks() -> None:
    # The first tick runs both jobs
    assert periodic.periodic_tick(now=at(10, 0, 5)) == ["daily", "probe"]
    # A second scheduler (or this one restarted) in the same minute runs nothing
    assert periodic.periodic_tick(now=at(10, 0, 50)) == []
    # The next minute runs the minutely job only
    assert periodic.periodic_tick(now=at(10, 1, 0)) == ["probe"]
    assert periodic.periodic_tick(now=at(23, 59, 59)) == ["probe"]
    # A new UTC day runs the daily one again
    assert periodic.periodic_tick(now=at(23, 59, 59) + datetime.timedelta(seconds=1)) == [
        "daily",
        "probe",
    ]
    assert RUNS == ["daily", "probe", "probe", "probe", "daily", "probe"]


@pytest.mark.django_db
def test_old_claims_are_removed() -> None:
    periodic.periodic_tick(now=at(10, 0))
    periodic.periodic_tick(now=at(10, 0) + datetime.timedelta(days=3))

    windows = sorted(
        RateLimitCounter.objects.filter(scope="periodic").values_list("window_start", flat=True)
    )
    assert all(window >= at(10, 0) + datetime.timedelta(days=1) for window in windows)
    assert len(windows) == 2


def test_intervals_must_divide_a_day_into_whole_minutes() -> None:
    for interval in (
        datetime.timedelta(seconds=30),
        datetime.timedelta(seconds=90),
        datetime.timedelta(minutes=7),
        datetime.timedelta(days=2),
    ):
        with pytest.raises(ValueError, match="whole minutes"):
            periodic.periodic_register(name="bad", interval=interval, task=periodic_probe)
    assert [job.name for job in periodic.periodic_jobs()] == ["daily", "probe"]


@pytest.mark.django_db
def test_the_scheduler_command_ticks_once() -> None:
    out = io.StringIO()
    call_command("scheduler", "--once", stdout=out)
    call_command("scheduler", "--once", stdout=out)

    assert out.getvalue() == "enqueued daily\nenqueued probe\n"
    assert RUNS == ["daily", "probe"]


def test_the_loop_ticks_until_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    stop = threading.Event()
    ticks: list[int] = []

    def tick_then_stop(**_kwargs: object) -> list[str]:
        ticks.append(1)
        if len(ticks) == 2:
            stop.set()
        return []

    monkeypatch.setattr(periodic, "periodic_tick", tick_then_stop)
    periodic.periodic_loop(stop=stop, tick_seconds=0.01)
    assert len(ticks) == 2
