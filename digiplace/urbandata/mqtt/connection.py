"""Where the broker is and who the ingest worker is on it: ``URBANDATA_MQTT_URL``
(``mqtt://user:password@host:port``, ``mqtts://`` for TLS, ``?client_id=`` to choose the
worker's session name)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlparse

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
DEFAULT_CLIENT_ID = "digiplace-ingest"


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str
    password: str
    is_tls: bool
    # Fixed per installation: the broker keeps the worker's session (its subscription and
    # the messages not yet acknowledged) under this name while the worker is away.
    client_id: str


def broker_address(url: str) -> BrokerAddress:
    """Parse the broker URL; ``ValueError`` with the reason when it is not usable."""
    parsed = urlparse(url)
    if parsed.scheme not in DEFAULT_PORTS:
        raise ValueError("The MQTT URL must start with mqtt:// or mqtts://.")
    if not parsed.hostname:
        raise ValueError("The MQTT URL names no host.")
    if not parsed.username or not parsed.password:
        raise ValueError("The MQTT URL needs the ingest worker's user name and password.")
    username = unquote(parsed.username)
    if not username_is_safe(username):
        raise ValueError("The MQTT user name may not contain spaces, colons or '#'.")
    options = parse_qs(parsed.query)
    client_id = options.get("client_id", [DEFAULT_CLIENT_ID])[-1]
    return BrokerAddress(
        host=parsed.hostname,
        port=parsed.port or DEFAULT_PORTS[parsed.scheme],
        username=username,
        password=unquote(parsed.password),
        is_tls=parsed.scheme == "mqtts",
        client_id=client_id,
    )


def username_is_safe(username: str) -> bool:
    """Whether the name can stand in the broker's password and ACL files as it is."""
    return bool(username) and not any(
        character.isspace() or character in ":#+/" for character in username
    )
