"""Sensors over MQTT: the broker's password and ACL files the platform writes, and the ingest
worker that stores what devices publish.

Convention: a device publishes one NGSI-LD entity (or a JSON array of them) to
``digiplace/<city slug>/entities`` with QoS 1, as user ``DeviceKey.username`` with the key's
secret as password; the broker's ACL lets it write only its own city's topic. The worker
(``manage.py urbandata_mqtt``) reads ``digiplace/+/entities`` in a persistent session and
acknowledges each message only once its write has committed.
"""

TOPIC_PREFIX = "digiplace"
TOPIC_SUFFIX = "entities"
# What the ingest worker subscribes to: every city's entities topic.
INGEST_SUBSCRIPTION = f"{TOPIC_PREFIX}/+/{TOPIC_SUFFIX}"


def city_topic(slug: str) -> str:
    """The topic a city's devices publish to."""
    return f"{TOPIC_PREFIX}/{slug}/{TOPIC_SUFFIX}"


def topic_city_slug(topic: str) -> str | None:
    """The city slug of an entities topic; None for any other topic."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != TOPIC_PREFIX or parts[2] != TOPIC_SUFFIX or not parts[1]:
        return None
    return parts[1]
