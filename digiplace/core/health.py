"""The readiness registry: what must work for the platform to serve (``/readyz``), and the
figures the platform's status page shows next to it.

Each part registers its checks in its AppConfig.ready() (``health_check_register``), as it
registers its periodic jobs and datasets: the operations module (``digiplace.ops``) runs them
for ``/readyz`` and the status page and imports nothing from the module that registered
them; a module that is not installed registers nothing, so it is not checked.

A check takes no arguments, returns a ``CheckResult`` and must answer within about two
seconds whatever happens to what it checks (a hung broker must not hang ``/readyz``: give
sockets and clients their own timeouts). An exception counts as a failure. ``detail`` and
``figures`` are public (``/readyz`` answers anyone who can reach it): no secrets (never a
URL with its password), no personal data, no file paths.

Long-running processes (the task worker, the scheduler, the MQTT ingest worker) are declared
with ``process_register`` and show signs of life with ``heartbeat(name)``; the operations
module stores them (``heartbeat_store_register``) and its status page lists each process the
installation runs with the age of its last sign. Without the operations module a heartbeat
is a no-op.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise

logger = logging.getLogger(__name__)

Text = str | Promise


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    # One sentence for the person on call, in the active language.
    detail: str
    # Numbers (and short codes) that say how well it works: latencies, counts, free space.
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthCheck:
    name: str
    check: Callable[[], CheckResult]
    # A failing critical check makes /readyz answer 503 (a load balancer stops sending
    # requests); a failing non-critical one is shown, not acted on.
    critical: bool
    # What the status page calls it (the name otherwise).
    label: Text


@dataclass(frozen=True)
class StatusFigure:
    """A module's figure on the platform's status page (the MQTT ingest rate): ``value``
    computes it, in words, when the page is shown (platform administrators only)."""

    name: str
    label: Text
    value: Callable[[], Text]
    help_text: Text = ""


_checks: dict[str, HealthCheck] = {}
_figures: dict[str, StatusFigure] = {}


def health_check_register(
    name: str,
    check: Callable[[], CheckResult],
    *,
    critical: bool = True,
    label: Text | None = None,
) -> None:
    """Declare a readiness check; registering a name again replaces it."""
    _checks[name] = HealthCheck(name=name, check=check, critical=critical, label=label or name)


def health_check_unregister(name: str) -> None:
    _checks.pop(name, None)


def health_checks() -> list[HealthCheck]:
    """Every registered check, by name."""
    return sorted(_checks.values(), key=lambda check: check.name)


def status_figure_register(
    name: str, label: Text, value: Callable[[], Text], *, help_text: Text = ""
) -> None:
    """Declare a figure for the status page; registering a name again replaces it."""
    _figures[name] = StatusFigure(name=name, label=label, value=value, help_text=help_text)


def status_figure_unregister(name: str) -> None:
    _figures.pop(name, None)


def status_figures() -> list[StatusFigure]:
    return sorted(_figures.values(), key=lambda figure: figure.name)


def _always() -> bool:
    return True


@dataclass(frozen=True)
class Process:
    """A long-running process that shows signs of life: the status page lists it, with the
    age of its last sign, when the installation runs it."""

    name: str
    label: Text
    # How often it shows a sign of life; the status page calls it stopped after three
    # intervals without one.
    interval: datetime.timedelta
    # Whether this installation runs it (the MQTT worker only with a broker configured).
    expected: Callable[[], bool] = _always

    def stopped(self, age: datetime.timedelta) -> bool:
        return age > 3 * self.interval


_processes: dict[str, Process] = {}
_heartbeat_store: list[Callable[[str, datetime.datetime], None]] = []
# When each process last stored its sign (``_clock()``), in this process.
_last_beats: dict[str, float] = {}
_clock = time.monotonic


def process_register(
    name: str,
    label: Text,
    *,
    interval: datetime.timedelta = datetime.timedelta(minutes=1),
    expected: Callable[[], bool] = _always,
) -> None:
    """Declare a long-running process; registering a name again replaces it."""
    _processes[name] = Process(name=name, label=label, interval=interval, expected=expected)


def processes() -> list[Process]:
    return sorted(_processes.values(), key=lambda process: process.name)


def heartbeat_store_register(store: Callable[[str, datetime.datetime], None]) -> None:
    """Where signs of life are kept (the operations module's ``Heartbeat`` rows)."""
    _heartbeat_store[:] = [store]


def heartbeat(name: str) -> None:
    """Record that the named process is alive, at most once per its interval (call it as
    often as convenient: from a loop's every turn). A failure to store is logged, never
    raised: a database away for a moment must not stop the process that beats."""
    process = _processes.get(name)
    if process is None or not _heartbeat_store:
        return
    now = _clock()
    last = _last_beats.get(name)
    if last is not None and now - last < process.interval.total_seconds():
        return
    try:
        _heartbeat_store[0](name, timezone.now())
    except Exception:
        logger.exception("Could not record the heartbeat of %s", name)
        return
    _last_beats[name] = now
