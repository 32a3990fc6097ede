"""Smart waste: collection points and their containers, depots and trucks, collection plans
with their routes and stops, collections, camera-watched sites with their observations,
awareness campaigns and enforcement cases.

A container's live state (fill level, temperature, status, last emptying) is not kept here:
each container is a ``WasteContainer`` entity of the urban-data module (``entity``), written
by sensors over NGSI-LD or MQTT and read from there. What this module adds is what the
sensors do not know: where a container stands, which fraction and how large it is, and the
work of collecting it.

No image of anyone is stored: an observation at a camera-watched site carries a count and,
at most, a reference to footage kept by whoever runs the cameras.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel
from digiplace.urbandata.models import Entity

from .compliance import ObservationKind


class Fraction(models.TextChoices):
    """What a container collects, as Romanian separate collection sorts it."""

    RESIDUAL = "residual", _("residual waste")
    PAPER = "paper", _("paper and cardboard")
    PLASTIC = "plastic", _("plastic and metal")
    GLASS = "glass", _("glass")
    BIO = "bio", _("biodegradable waste")


# The Smart Data Models' ``storedWasteKind`` of each fraction (WasteContainer).
STORED_WASTE_KIND = {
    Fraction.RESIDUAL: "other",
    Fraction.PAPER: "paper",
    Fraction.PLASTIC: "plastic",
    Fraction.GLASS: "glass",
    Fraction.BIO: "organic",
}
# The fractions whose weight counts as separately collected (recycling rate).
SEPARATE_FRACTIONS = (Fraction.PAPER, Fraction.PLASTIC, Fraction.GLASS, Fraction.BIO)


def default_collection_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4, 5]


class WasteSettings(CityOwnedModel):
    """A city's settings for waste collection (one row per city; defaults until saved)."""

    # Residents served, for the kilograms per person (the city's figure, not a census).
    population = models.PositiveIntegerField(_("residents served"), null=True, blank=True)
    # Days of the week (0 Monday … 6 Sunday) the trucks go out: the next possible visit.
    collection_weekdays = models.JSONField(
        _("collection days"), default=default_collection_weekdays
    )
    threshold = models.FloatField(
        _("collection threshold"),
        default=0.8,
        validators=[MinValueValidator(0.1), MaxValueValidator(1.0)],
    )
    # Straight-line distance times this factor estimates the road distance (no OSRM).
    road_factor = models.FloatField(
        _("road factor"), default=1.3, validators=[MinValueValidator(1.0), MaxValueValidator(3.0)]
    )
    speed_kmh = models.FloatField(
        _("average speed (km/h)"),
        default=25.0,
        validators=[MinValueValidator(5.0), MaxValueValidator(90.0)],
    )
    service_seconds = models.PositiveIntegerField(
        _("time to empty a container (seconds)"),
        default=90,
        validators=[MinValueValidator(10), MaxValueValidator(3600)],
    )

    class Meta:
        verbose_name = _("waste settings")
        verbose_name_plural = _("waste settings")
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="waste_settings_one_per_city")
        ]

    def __str__(self) -> str:
        return str(_("waste settings"))


class CollectionPoint(CityOwnedModel):
    """A place where containers stand (an authorised outdoor waste-container point)."""

    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street"), max_length=200, blank=True)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=100, blank=True)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("collection point")
        verbose_name_plural = _("collection points")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="waste_point_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Container(CityOwnedModel):
    """One container at a point; its live state is its ``WasteContainer`` entity."""

    point = models.ForeignKey(
        CollectionPoint,
        on_delete=models.CASCADE,
        related_name="containers",
        verbose_name=_("collection point"),
    )
    code = models.SlugField(_("code"), max_length=48)
    fraction = models.CharField(_("fraction"), max_length=10, choices=Fraction)
    capacity_litres = models.PositiveIntegerField(
        _("capacity (litres)"), validators=[MinValueValidator(1)]
    )
    model = models.CharField(_("model"), max_length=100, blank=True)
    # Empty when the entity was deleted through the NGSI-LD API (the container stays).
    entity = models.OneToOneField(
        Entity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waste_container",
        verbose_name=_("sensor entity"),
    )
    is_active = models.BooleanField(_("in service"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("container")
        verbose_name_plural = _("containers")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="waste_container_unique_code"
            )
        ]
        indexes = [models.Index(fields=["municipality", "fraction"])]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_fraction_display()})"


class Depot(CityOwnedModel):
    """Where the trucks start and end their shifts."""

    name = models.CharField(_("name"), max_length=200)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )

    class Meta:
        verbose_name = _("depot")
        verbose_name_plural = _("depots")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Truck(CityOwnedModel):
    """A collection truck: how much it takes and how long its shift is."""

    depot = models.ForeignKey(
        Depot, on_delete=models.PROTECT, related_name="trucks", verbose_name=_("depot")
    )
    name = models.CharField(_("name"), max_length=100)
    # Container litres it can empty before it must unload (its body after compaction).
    capacity_litres = models.PositiveIntegerField(
        _("capacity (container litres)"), validators=[MinValueValidator(1)]
    )
    shift_start = models.TimeField(_("shift starts"))
    shift_minutes = models.PositiveIntegerField(
        _("shift length (minutes)"), validators=[MinValueValidator(30), MaxValueValidator(24 * 60)]
    )
    is_active = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("truck")
        verbose_name_plural = _("trucks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlanStatus(models.TextChoices):
    COMPUTING = "computing", _("being computed")
    FAILED = "failed", _("could not be computed")
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published to drivers")
    DONE = "done", _("done")


class CollectionPlan(CityOwnedModel):
    """The routes of one day for one fraction."""

    day = models.DateField(_("day"))
    fraction = models.CharField(_("fraction"), max_length=10, choices=Fraction)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus, default=PlanStatus.DRAFT
    )
    threshold = models.FloatField(
        _("collection threshold"),
        default=0.8,
        validators=[MinValueValidator(0.1), MaxValueValidator(1.0)],
    )
    depot = models.ForeignKey(
        Depot, on_delete=models.PROTECT, related_name="plans", verbose_name=_("depot")
    )
    # The trucks the planner chose (computing again uses them).
    trucks = models.ManyToManyField(
        Truck, related_name="plans", blank=True, verbose_name=_("trucks")
    )
    distance_m = models.PositiveIntegerField(_("planned distance (m)"), default=0)
    # Visiting every container of the fraction, as a fixed schedule would.
    baseline_distance_m = models.PositiveIntegerField(_("fixed-schedule distance (m)"), default=0)
    is_feasible = models.BooleanField(_("feasible"), default=True)
    # Why not, and what to change: [{"code": ..., "params": {...}}], shown translated.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("made by"),
    )
    created_at = models.DateTimeField(_("made at"), default=timezone.now)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("collection plan")
        verbose_name_plural = _("collection plans")
        ordering = ["-day", "fraction"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "day", "fraction"], name="waste_plan_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_fraction_display()}"


class PlanRoute(models.Model):
    """One truck's round in a plan."""

    plan = models.ForeignKey(
        CollectionPlan, on_delete=models.CASCADE, related_name="routes", verbose_name=_("plan")
    )
    truck = models.ForeignKey(
        Truck, on_delete=models.PROTECT, related_name="routes", verbose_name=_("truck")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    distance_m = models.PositiveIntegerField(_("distance (m)"))
    duration_s = models.PositiveIntegerField(_("duration (s)"))
    load_litres = models.PositiveIntegerField(_("load (container litres)"))

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="waste_route_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.number}"


class StopReason(models.TextChoices):
    FORECAST = "forecast", _("predicted to pass the threshold")
    ALERT = "alert", _("open alert")
    SCHEDULE = "schedule", _("on the fixed schedule")


class StopProblem(models.TextChoices):
    DAMAGED = "damaged", _("container damaged")
    BLOCKED = "blocked", _("access blocked")
    MISSING = "missing", _("container missing")
    OTHER = "other", _("other problem")


class PlanStop(models.Model):
    """A container on a route, in visiting order; the driver marks it done or reports why
    not."""

    route = models.ForeignKey(
        PlanRoute, on_delete=models.CASCADE, related_name="stops", verbose_name=_("route")
    )
    container = models.ForeignKey(
        Container, on_delete=models.CASCADE, related_name="plan_stops", verbose_name=_("container")
    )
    sequence = models.PositiveSmallIntegerField(_("order"))
    reason = models.CharField(_("why"), max_length=10, choices=StopReason)
    predicted_fill = models.FloatField(_("predicted fill"), null=True, blank=True)
    emptied_at = models.DateTimeField(_("emptied at"), null=True, blank=True)
    problem = models.CharField(_("problem"), max_length=10, choices=StopProblem, blank=True)
    problem_note = models.CharField(_("note"), max_length=500, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )

    class Meta:
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        ordering = ["route", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["route", "sequence"], name="waste_stop_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.route} · {self.sequence}"


class CollectionSource(models.TextChoices):
    DRIVER = "driver", _("marked by the driver")
    SENSOR = "sensor", _("reported by the sensor")
    STAFF = "staff", _("recorded by staff")


class Collection(CityOwnedModel):
    """A container emptied: the history behind forecasts and the recycling figures."""

    container = models.ForeignKey(
        Container, on_delete=models.CASCADE, related_name="collections", verbose_name=_("container")
    )
    collected_at = models.DateTimeField(_("collected at"), db_index=True)
    fill_before = models.FloatField(
        _("fill before"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    # Weighed, or estimated from the fill, the capacity and the fraction's density.
    weight_kg = models.FloatField(_("weight (kg)"), null=True, blank=True)
    weight_estimated = models.BooleanField(_("weight estimated"), default=True)
    source = models.CharField(_("source"), max_length=10, choices=CollectionSource)
    stop = models.OneToOneField(
        PlanStop,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="collection",
        verbose_name=_("plan stop"),
    )

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["-collected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["container", "collected_at"], name="waste_collection_unique_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.container} {self.collected_at:%Y-%m-%d %H:%M}"


class CameraSite(CityOwnedModel):
    """A collection point watched by a camera (Botoșani's small-scale action)."""

    point = models.OneToOneField(
        CollectionPoint,
        on_delete=models.CASCADE,
        related_name="camera_site",
        verbose_name=_("collection point"),
    )
    camera_started_on = models.DateField(_("camera started on"))
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("camera-watched site")
        verbose_name_plural = _("camera-watched sites")
        ordering = ["point__code"]

    def __str__(self) -> str:
        return str(self.point)


class ObservationSource(models.TextChoices):
    DISPATCHER = "dispatcher", _("recorded by the dispatcher")
    ANALYTICS = "analytics", _("imported from camera analytics")


class Observation(CityOwnedModel):
    """What was seen at a camera-watched site: a kind of event and how many times."""

    site = models.ForeignKey(
        CameraSite, on_delete=models.CASCADE, related_name="observations", verbose_name=_("site")
    )
    observed_at = models.DateTimeField(_("observed at"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=[(kind.value, kind.label) for kind in ObservationKind]
    )
    count = models.PositiveIntegerField(_("count"), default=1, validators=[MinValueValidator(1)])
    # A reference to footage kept by the camera operator, never the footage itself.
    footage_ref = models.CharField(_("footage reference"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=ObservationSource)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["-observed_at"]
        indexes = [models.Index(fields=["site", "observed_at"])]

    def __str__(self) -> str:
        return f"{self.site} {self.get_kind_display()} × {self.count}"


class Campaign(CityOwnedModel):
    """An awareness campaign in a neighbourhood, between two dates."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    points = models.ManyToManyField(
        CollectionPoint, related_name="campaigns", blank=True, verbose_name=_("collection points")
    )

    class Meta:
        verbose_name = _("awareness campaign")
        verbose_name_plural = _("awareness campaigns")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="waste_campaign_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CaseStatus(models.TextChoices):
    OPEN = "open", _("open")
    INVESTIGATING = "investigating", _("being investigated")
    CLOSED = "closed", _("closed")


class EnforcementCase(CityOwnedModel):
    """A case for the local police, opened from an observation; only the police role (the
    ``waste_enforcement`` back-office module) sees it."""

    observation = models.ForeignKey(
        Observation,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("observation"),
    )
    status = models.CharField(
        _("status"), max_length=14, choices=CaseStatus, default=CaseStatus.OPEN
    )
    fine_issued = models.BooleanField(_("fine issued"), default=False)
    fine_amount_lei = models.DecimalField(
        _("fine (lei)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enforcement case")
        verbose_name_plural = _("enforcement cases")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.observation} ({self.get_status_display()})"
