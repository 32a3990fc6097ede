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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

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
