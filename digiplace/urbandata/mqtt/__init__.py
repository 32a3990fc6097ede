"""Sensors over MQTT: the broker's password and ACL files the platform writes, and the ingest
worker that stores what devices publish.

Convention: a client publishes one NGSI-LD entity (or a JSON array of them) with QoS 1, as
user ``DeviceKey.username`` with the key's secret as password: a city-wide key to
``digiplace/<city slug>/entities``, a key bound to one device to
``digiplace/<city slug>/entities/<its user name>``. The broker's ACL lets each user write only
its own topic, and the worker writes a device topic's entities with that device's key, so a
device can change only its own entity. The worker (``manage.py urbandata_mqtt``) reads both
topics of every city in a persistent session and acknowledges each message only once its
write has committed.
"""

TOPIC_PREFIX = "digiplace"
TOPIC_SUFFIX = "entities"
# What the ingest worker subscribes to: every city's entities topic and its devices' topics.
INGEST_SUBSCRIPTION = f"{TOPIC_PREFIX}/+/{TOPIC_SUFFIX}"
DEVICE_SUBSCRIPTION = f"{TOPIC_PREFIX}/+/{TOPIC_SUFFIX}/+"


def city_topic(slug: str) -> str:
    """The topic a city's devices publish to."""
    return f"{TOPIC_PREFIX}/{slug}/{TOPIC_SUFFIX}"


def device_topic(slug: str, username: str) -> str:
    """The topic a device whose key is bound to it publishes to."""
    return f"{TOPIC_PREFIX}/{slug}/{TOPIC_SUFFIX}/{username}"


def _parts(topic: str) -> list[str] | None:
    parts = topic.split("/")
    if len(parts) not in (3, 4) or parts[0] != TOPIC_PREFIX or parts[2] != TOPIC_SUFFIX:
        return None
    if not all(parts[1:]):
        return None
    return parts


def topic_city_slug(topic: str) -> str | None:
    """The city slug of an entities or device topic; None for any other topic."""
    parts = _parts(topic)
    return parts[1] if parts else None


def topic_username(topic: str) -> str | None:
    """The device user name of a device topic; None for a city's entities topic."""
    parts = _parts(topic)
    return parts[3] if parts and len(parts) == 4 else None
