"""/metrics: Prometheus's text format, for a scraper holding the token or calling from an
allowed address.

Access: ``Authorization: Bearer <METRICS_TOKEN>`` (compared in constant time) or a client
address (as core computes it behind ``DIGIPLACE_TRUSTED_PROXIES``) inside one of
``METRICS_ALLOWED_IPS`` (addresses or networks). Anyone else gets 403; with neither setting
configured the address does not exist (404): metrics are off until an administrator turns
them on, and a scanner learns nothing.
"""

from __future__ import annotations

import datetime
import hmac
import ipaddress
from collections.abc import Iterable, Iterator
from functools import lru_cache

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from digiplace.core import metrics
from digiplace.core.http import client_address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue  # A typo in the setting allows nothing rather than failing every scrape.
    return tuple(networks)


def _token_matches(request: HttpRequest, token: str) -> bool:
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _address_allowed(request: HttpRequest, entries: Iterable[str]) -> bool:
    address = client_address(request)
    if not address:
        return False
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return any(parsed in network for network in _networks(tuple(entries)))


class TaskQueueCollector:
    """The task queue as the database holds it, read at each scrape (two small queries on
    indexed columns): tasks waiting per queue, the oldest one's age, tasks running."""

    def collect(self) -> Iterator[Metric]:
        from django_tasks_db.models import DBTaskResult

        now = timezone.now()
        waiting = GaugeMetricFamily(
            "digiplace_tasks_waiting",
            "Background tasks due and waiting for a worker, by queue.",
            labels=["queue"],
        )
        oldest = GaugeMetricFamily(
            "digiplace_tasks_oldest_waiting_seconds",
            "How long the oldest task due has waited for a worker, by queue.",
            labels=["queue"],
        )
        rows = (
            DBTaskResult.objects.ready()
            .values("queue_name")
            .annotate(count=Count("id"), first=Min("enqueued_at"))
            .order_by("queue_name")
        )
        for row in rows:
            waiting.add_metric([row["queue_name"]], row["count"])
            first: datetime.datetime | None = row["first"]
            age = (now - first).total_seconds() if first else 0.0
            oldest.add_metric([row["queue_name"]], max(age, 0.0))
        yield waiting
        yield oldest
        yield GaugeMetricFamily(
            "digiplace_tasks_running",
            "Background tasks a worker is running.",
            value=DBTaskResult.objects.running().count(),
        )


metrics.register_scrape_collector("ops.tasks", TaskQueueCollector())


class _Forward:
    """The counters this process holds (plain mode)."""

    def collect(self) -> Iterator[Metric]:
        yield from metrics.REGISTRY.collect()


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    shared = metrics.multiprocess_dir()
    if shared:
        multiprocess.MultiProcessCollector(registry, path=shared)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Forward())
    for collector in metrics.scrape_collectors():
        registry.register(collector)
    return registry


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token: str = settings.METRICS_TOKEN
    allowed: list[str] = list(settings.METRICS_ALLOWED_IPS)
    if not token and not allowed:
        return HttpResponse(
            _("Metrics are not enabled on this server."),
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    if not (
        (token and _token_matches(request, token))
        or (allowed and _address_allowed(request, allowed))
    ):
        return HttpResponse(
            _("Metrics need the metrics token or an allowed address."),
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
