"""Urban data's records: entities (devices and the things they observe) with their current
NGSI-LD state, the keys devices and clients write with, readings and their rollups,
subscriptions, alert rules and alerts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel, Department


class Entity(CityOwnedModel):
    """An NGSI-LD entity: a container, a station, a vehicle... with its latest attributes.

    ``attributes`` holds each attribute in NGSI-LD's normalized form, keyed by its short
    name (``{"fillingLevel": {"type": "Property", "value": 0.4, "observedAt": "…"}}``); the
    entity's ``location`` lives in the columns below, so that maps and ``georel`` queries
    read indexed numbers. ``registered_*`` is where the device was installed: the movement
    rule measures from it.
    """

    entity_id = models.CharField(_("identifier"), max_length=256)
    type = models.CharField(_("type"), max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner department"),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # A location that is not a point (a line, an area), as GeoJSON; its centroid is above.
    geometry = models.JSONField(_("geometry"), null=True, blank=True)
    registered_latitude = models.FloatField(_("registered latitude"), null=True, blank=True)
    registered_longitude = models.FloatField(_("registered longitude"), null=True, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    # Demo entities are marked as such on every page that shows them.
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Not indexed, as no other column that changes on every write is: on PostgreSQL the
    # table also leaves room in each page (migration 0002), so that a reading's update of the
    # current values is a HOT update that touches no index.
    modified_at = models.DateTimeField(_("modified at"), default=timezone.now)
    # The latest observedAt among its attributes: the "no data" rule reads it.
    last_observed_at = models.DateTimeField(_("last observed"), null=True, blank=True)

    class Meta:
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        ordering = ["entity_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "entity_id"], name="urbandata_entity_unique_id"
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "type", "entity_id"]),
            models.Index(fields=["municipality", "latitude", "longitude"]),
        ]

    def __str__(self) -> str:
        return self.name or self.entity_id


class DeviceKey(CityOwnedModel):
    """A secret a device or a client writes with: ``Authorization: Bearer KEY`` over HTTP,
    the key as the MQTT password (user name ``username``).

    Only digests are kept: ``digest`` (SHA-256, looked up on each request) and
    ``mqtt_password_hash`` (the broker's PBKDF2-SHA512 line). A key bound to an entity writes
    only that entity; a key without one writes any entity of its city.
    """

    name = models.CharField(_("name"), max_length=200)
    username = models.CharField(_("MQTT user name"), max_length=64, unique=True)
    prefix = models.CharField(_("key starts with"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    mqtt_password_hash = models.CharField(max_length=200, blank=True)
    entity = models.ForeignKey(
        Entity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="keys",
        verbose_name=_("device"),
    )
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("device key")
        verbose_name_plural = _("device keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Reading(models.Model):
    """One observed value of one attribute: the raw time series.

    The primary key is (entity, attribute, observed time): writing the same observation
    twice (an MQTT redelivery, a retried batch) stores it once. On PostgreSQL the table is
    partitioned by month on ``observed_at`` with a BRIN index (migration 0001; the worker
    creates partitions ahead); raw readings older than the retention setting are removed,
    their rollups stay.
    """

    pk = models.CompositePrimaryKey("entity_id", "attribute", "observed_at")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    attribute = models.CharField(max_length=64)
    observed_at = models.DateTimeField()
    value = models.FloatField(null=True)
    # Text states (a container's status): kept for history and the status rules.
    text = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")

    def __str__(self) -> str:
        return f"{self.attribute}@{self.observed_at:%Y-%m-%dT%H:%M:%S}"


class RollupPeriod(models.TextChoices):
    HOUR = "hour", _("hour")
    DAY = "day", _("day")


class Rollup(models.Model):
    """Minimum, mean (``total / count``), maximum and count of one attribute over one hour or
    one day: what charts, maps and aggregated temporal queries read."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    attribute = models.CharField(max_length=64)
    period = models.CharField(max_length=4, choices=RollupPeriod)
    start = models.DateTimeField()
    minimum = models.FloatField()
    maximum = models.FloatField()
    total = models.FloatField()
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "attribute", "period", "start"], name="urbandata_rollup_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attribute} {self.period} {self.start:%Y-%m-%dT%H}"

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0


class RollupPending(models.Model):
    """An hour whose rollup is out of date since a reading was written into it: the
    rollup task recomputes it (and its day) from the raw readings and deletes the row."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    attribute = models.CharField(max_length=64)
    hour = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "attribute", "hour"], name="urbandata_rollup_pending_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attribute} {self.hour:%Y-%m-%dT%H}"


class Subscription(CityOwnedModel):
    """An NGSI-LD subscription: notify an HTTP endpoint when watched attributes change.

    ``document`` keeps the subscription as the client sent it (normalized, without its
    @context), the columns below what matching and sending need.
    """

    subscription_id = models.CharField(max_length=256)
    document = models.JSONField(default=dict)
    entity_types = models.JSONField(default=list, blank=True)
    watched_attributes = models.JSONField(default=list, blank=True)
    q = models.TextField(blank=True)
    endpoint = models.URLField(max_length=1000)
    accept = models.CharField(max_length=40, default="application/json")
    throttling = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    context = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        DeviceKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    modified_at = models.DateTimeField(default=timezone.now)
    last_notification_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    times_sent = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "subscription_id"], name="urbandata_subscription_unique"
            )
        ]

    def __str__(self) -> str:
        return self.subscription_id


class AlertRuleKind(models.TextChoices):
    ABOVE = "above", _("value above a threshold")
    BELOW = "below", _("value below a threshold")
    STATUS = "status", _("status value")
    NO_DATA = "no_data", _("no data for some hours")
    MOVED = "moved", _("moved from its registered place")
    HEAT_LOSS = "heat_loss", _("supply–return difference above the threshold")


class AlertRule(CityOwnedModel):
    """A condition on entities of one type (or on one entity) that opens an alert."""

    name = models.CharField(_("name"), max_length=200)
    entity_type = models.CharField(_("entity type"), max_length=64)
    entity = models.ForeignKey(
        Entity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only this entity"),
    )
    kind = models.CharField(_("condition"), max_length=10, choices=AlertRuleKind)
    attribute = models.CharField(_("attribute"), max_length=64, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    # How long the condition must hold before the alert opens (0: at once).
    duration_minutes = models.PositiveIntegerField(_("for at least (minutes)"), default=0)
    status_values = models.JSONField(_("status values"), default=list, blank=True)
    hours = models.PositiveIntegerField(_("hours without data"), null=True, blank=True)
    distance_metres = models.PositiveIntegerField(_("distance (metres)"), null=True, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible department"),
    )
    webhook_url = models.URLField(_("webhook"), max_length=1000, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AlertState(models.TextChoices):
    OPEN = "open", _("open")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    RESOLVED = "resolved", _("resolved")


class Alert(CityOwnedModel):
    """One firing of a rule on one entity: open → acknowledged → resolved."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="alerts")
    state = models.CharField(_("state"), max_length=12, choices=AlertState, default=AlertState.OPEN)
    message = models.CharField(_("message"), max_length=300)
    value = models.CharField(_("value"), max_length=64, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Empty when the condition cleared by itself.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-opened_at"]
        constraints = [
            # One alert at a time per rule and entity, until it is resolved.
            models.UniqueConstraint(
                fields=["rule", "entity"],
                condition=~models.Q(state="resolved"),
                name="urbandata_alert_one_unresolved",
            )
        ]

    def __str__(self) -> str:
        return self.message


class RuleCondition(models.Model):
    """When a duration rule's condition started holding on an entity (not yet an alert)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="+")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "entity"], name="urbandata_condition_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.entity_id} since {self.since:%Y-%m-%dT%H:%M}"


class WebhookDelivery(models.Model):
    """An alert event to POST to its rule's webhook; retried with back-off until delivered
    or given up."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=20)
    payload = models.JSONField(default=dict)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    given_up_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.event} #{self.alert_id}"


class ContextCache(models.Model):
    """A user @context fetched over HTTP, kept so that it is not fetched on every request."""

    url = models.URLField(max_length=1000, unique=True)
    document: models.JSONField[Any, Any] = models.JSONField(default=dict)
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.url
