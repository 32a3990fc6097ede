"""Urban data's part in readiness (``core.health``): the MQTT broker answers, the status
page's ingest rate, and the MQTT ingest worker's signs of life (``manage.py urbandata_mqtt``
beats while it runs).

The broker check connects as the ingest worker's user (the URL's credentials) under a client
id of its own: connecting under the worker's id would take its session away from it. It
waits at most ``BROKER_TIMEOUT_SECONDS`` in all for the CONNACK, so a broker that accepts the
connection and then says nothing cannot hang /readyz. Its detail names neither the host nor
the user (never the URL: it holds the password).
"""

from __future__ import annotations

import datetime
import time
import uuid

import paho.mqtt.client as mqtt
from django.conf import settings
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from digiplace.core.health import (
    CheckResult,
    health_check_register,
    process_register,
    status_figure_register,
)

from .models import Entity, Reading
from .mqtt.connection import broker_address

BROKER_TIMEOUT_SECONDS = 2.0
# The MQTT ingest worker's name among the processes that show signs of life.
INGEST_PROCESS = "mqtt-ingest"
INGEST_WINDOW = datetime.timedelta(minutes=5)


def broker_check() -> CheckResult:
    url = settings.URBANDATA_MQTT_URL
    if not url:
        return CheckResult(ok=True, detail=_("Not configured."), figures={"configured": False})
    try:
        address = broker_address(url)
    except ValueError:
        return CheckResult(
            ok=False,
            detail=_("The MQTT broker's address in the settings cannot be used."),
            figures={"configured": True},
        )
    started = time.monotonic()
    deadline = started + BROKER_TIMEOUT_SECONDS
    answers: list[ReasonCode] = []
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"digiplace-readyz-{uuid.uuid4().hex[:12]}",
        protocol=mqtt.MQTTv5,
    )
    client.username_pw_set(address.username, address.password)
    if address.is_tls:
        client.tls_set()
    client.connect_timeout = BROKER_TIMEOUT_SECONDS
    client.on_connect = lambda _client, _userdata, _flags, code, _properties: answers.append(code)
    try:
        client.connect(address.host, address.port, keepalive=10, clean_start=True)
        while not answers and time.monotonic() < deadline:
            client.loop(timeout=min(0.1, max(0.01, deadline - time.monotonic())))
    except Exception as error:
        return CheckResult(
            ok=False,
            detail=_("The MQTT broker cannot be reached (%(error)s).")
            % {"error": type(error).__name__},
            figures={"configured": True},
        )
    finally:
        if answers and not answers[0].is_failure:
            client.disconnect()
        # A connection that got no CONNACK is closed here, not left to the collector.
        sock = client.socket()
        if sock is not None:
            sock.close()
    latency_ms = round((time.monotonic() - started) * 1000, 1)
    if not answers:
        return CheckResult(
            ok=False,
            detail=_("The MQTT broker did not answer within %(seconds)d seconds.")
            % {"seconds": BROKER_TIMEOUT_SECONDS},
            figures={"configured": True, "latency_ms": latency_ms},
        )
    if answers[0].is_failure:
        return CheckResult(
            ok=False,
            detail=_("The MQTT broker refused the ingest worker's credentials (%(reason)s).")
            % {"reason": answers[0].getName()},
            figures={"configured": True, "latency_ms": latency_ms},
        )
    return CheckResult(
        ok=True,
        detail=_("The MQTT broker accepts the ingest worker's connection."),
        figures={"configured": True, "latency_ms": latency_ms},
    )


def ingest_count(*, now: datetime.datetime | None = None) -> int:
    """Readings observed in the last five minutes. Readings do not record when they
    arrived, only when they were observed (their key): for live sensors the two are seconds
    apart; a device sending old readings late is not counted. Only entities observed in the
    window are read (their own index range), not the whole table."""
    now = now or timezone.now()
    since = now - INGEST_WINDOW
    recent = Entity.objects.filter(last_observed_at__gte=since).values("pk")
    return Reading.objects.filter(
        entity_id__in=recent, observed_at__gte=since, observed_at__lte=now
    ).count()


def ingest_rate_text() -> str:
    count = ingest_count()
    per_minute = count / (INGEST_WINDOW.total_seconds() / 60)
    return _("%(rate)s readings per minute (%(count)s in the last 5 minutes)") % {
        "rate": number_format(per_minute, decimal_pos=1),
        "count": number_format(count),
    }


def _mqtt_configured() -> bool:
    return bool(settings.URBANDATA_MQTT_URL)


def register() -> None:
    # Critical when configured: a city whose sensors publish over MQTT is not ready
    # without its broker; "not configured" always passes.
    health_check_register("broker", broker_check, label=gettext_lazy("MQTT broker"))
    process_register(
        INGEST_PROCESS,
        gettext_lazy("MQTT ingest worker (manage.py urbandata_mqtt)"),
        expected=_mqtt_configured,
    )
    status_figure_register(
        "mqtt-ingest-rate",
        gettext_lazy("MQTT ingest rate"),
        ingest_rate_text,
        help_text=gettext_lazy(
            "Readings observed in the last 5 minutes, per minute, by the devices' observation "
            "times: the platform does not record when each reading arrived."
        ),
    )
