"""Long-running processes' signs of life (``core.health``): a heartbeat is stored at most
once per the process's interval, a failure to store it never stops the process, and the
scheduler's loop beats."""

from __future__ import annotations

import datetime
import logging
import threading

import pytest

from digiplace.core import health, periodic


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A store of our own, and no beat remembered from earlier tests."""
    beats: list[str] = []
    monkeypatch.setattr(health, "_heartbeat_store", [lambda name, _seen_at: beats.append(name)])
    monkeypatch.setattr(health, "_last_beats", {})
    monkeypatch.setattr(health, "_processes", dict(health._processes))
    return beats


def test_a_heartbeat_is_stored_once_per_interval(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(health, "_clock", lambda: clock[0])
    health.process_register("probe", "Probe", interval=datetime.timedelta(seconds=30))

    health.heartbeat("probe")
    clock[0] += 29
    health.heartbeat("probe")
    assert stored == ["probe"]
    clock[0] += 1
    health.heartbeat("probe")
    assert stored == ["probe", "probe"]


def test_an_unregistered_process_or_a_missing_store_stores_nothing(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    health.heartbeat("nobody")
    assert stored == []
    health.process_register("probe", "Probe")
    monkeypatch.setattr(health, "_heartbeat_store", [])
    health.heartbeat("probe")
    assert stored == []


def test_a_failed_store_is_logged_and_tried_again_next_time(
    stored: list[str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    failures = [RuntimeError("database away")]

    def store(name: str, _seen_at: datetime.datetime) -> None:
        if failures:
            raise failures.pop()
        stored.append(name)

    monkeypatch.setattr(health, "_heartbeat_store", [store])
    health.process_register("probe", "Probe")

    with caplog.at_level(logging.ERROR, logger="digiplace.core.health"):
        health.heartbeat("probe")
    assert "Could not record the heartbeat of probe" in caplog.text
    health.heartbeat("probe")
    assert stored == ["probe"]


def test_the_expected_callable_says_whether_the_installation_runs_it(stored: list[str]) -> None:
    health.process_register("probe", "Probe", expected=lambda: False)
    (probe,) = (process for process in health.processes() if process.name == "probe")
    assert probe.expected() is False
    assert probe.stopped(datetime.timedelta(minutes=3)) is False
    assert probe.stopped(datetime.timedelta(minutes=3, seconds=1)) is True


def test_the_scheduler_loop_beats_as_the_scheduler(
    stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stop = threading.Event()

    def tick_then_stop(**_kwargs: object) -> list[str]:
        stop.set()
        return []

    monkeypatch.setattr(periodic, "periodic_tick", tick_then_stop)
    periodic.periodic_loop(stop=stop, tick_seconds=0.01)
    assert stored == [periodic.SCHEDULER_PROCESS]
    assert periodic.SCHEDULER_PROCESS in {process.name for process in health.processes()}
