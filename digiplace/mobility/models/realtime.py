"""What the vehicles are doing: each fleet vehicle's state now (its urban-data ``Vehicle``
entity carries the raw position; this is what the platform made of it), the positions it
reported (for the replay and the learning of travel times), the observed arrivals at stops
(punctuality, and the measure of the predictions), the travel times learned per route
segment and hour, and the positions refused."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel
from digiplace.urbandata.models import Entity

from .network import Route, Stop, Trip


class VehicleState(CityOwnedModel):
    """A vehicle of the city's fleet (a registered ``Vehicle`` entity) and what it is doing:
    the trip it is matched to, where it is along the trip's shape, its delay."""

    entity = models.OneToOneField(
        Entity, on_delete=models.CASCADE, related_name="+", verbose_name=_("vehicle")
    )
    # The fleet number shown to passengers and staff (GTFS-rt VehicleDescriptor.label).
    label = models.CharField(_("fleet number"), max_length=32)
    trip = models.ForeignKey(
        Trip,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trip"),
    )
    # The service day of the trip (its times count from this day's start).
    service_date = models.DateField(_("service day"), null=True, blank=True)
    # The run's first departure, seconds after the service day's start (a frequency-based
    # trip runs many times a day; GTFS-rt's start_time).
    trip_start = models.PositiveIntegerField(null=True, blank=True)
    # Where the trip is assigned explicitly (the vehicle sent a trip id) or was matched.
    trip_explicit = models.BooleanField(default=False)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    bearing = models.FloatField(null=True, blank=True)
    speed = models.FloatField(null=True, blank=True)
    observed_at = models.DateTimeField(_("last position"), null=True, blank=True)
    # Metres along the trip's shape, the next stop's sequence, seconds late (negative: early).
    shape_distance = models.FloatField(null=True, blank=True)
    next_stop_sequence = models.PositiveIntegerField(null=True, blank=True)
    delay_seconds = models.IntegerField(_("delay (seconds)"), null=True, blank=True)
    off_route = models.BooleanField(_("off route"), default=False)
    # The last stop of the run the vehicle reached, and when (the start of the learned
    # travel time to the next one).
    last_stop_sequence = models.PositiveIntegerField(null=True, blank=True)
    last_stop_at = models.DateTimeField(null=True, blank=True)
    # Predicted arrivals at the next stops: [{"sequence", "stop_id", "arrival", "uncertainty",
    # "confidence"}...] (arrival as a POSIX time), refreshed with each position.
    predictions = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(_("in the fleet"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("fleet vehicle")
        verbose_name_plural = _("fleet vehicles")
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "label"], name="mobility_vehicle_unique_label"
            )
        ]

    def __str__(self) -> str:
        return self.label


class PositionRecord(models.Model):
    """One position a vehicle reported, with what it was matched to (the replay)."""

    vehicle = models.ForeignKey(VehicleState, on_delete=models.CASCADE, related_name="positions")
    observed_at = models.DateTimeField()
    latitude = models.FloatField()
    longitude = models.FloatField()
    bearing = models.FloatField(null=True, blank=True)
    speed = models.FloatField(null=True, blank=True)
    trip = models.ForeignKey(
        Trip, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shape_distance = models.FloatField(null=True, blank=True)
    delay_seconds = models.IntegerField(null=True, blank=True)
    off_route = models.BooleanField(default=False)

    class Meta:
        ordering = ["vehicle", "observed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle", "observed_at"], name="mobility_position_unique_moment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.observed_at:%Y-%m-%d %H:%M:%S}"


class StopVisit(models.Model):
    """A vehicle's observed arrival at a stop of its trip (punctuality by route; the truth
    the predictions are measured against)."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="+")
    service_date = models.DateField()
    # The run's first departure (seconds after the service day's start): a frequency-based
    # trip is run many times a day.
    trip_start = models.PositiveIntegerField(default=0)
    stop_sequence = models.PositiveIntegerField()
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="+")
    vehicle = models.ForeignKey(
        VehicleState, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scheduled_at = models.DateTimeField()
    arrived_at = models.DateTimeField()
    delay_seconds = models.IntegerField()

    class Meta:
        ordering = ["service_date", "trip", "stop_sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["trip", "service_date", "trip_start", "stop_sequence"],
                name="mobility_visit_unique",
            )
        ]
        indexes = [models.Index(fields=["service_date", "arrived_at"])]

    def __str__(self) -> str:
        return f"{self.trip_id} {self.service_date} #{self.stop_sequence}"


class SegmentTravelTime(models.Model):
    """The learned travel time from one stop to the next on a route, per hour of the day
    (a recency-weighted mean of the observed times, and their spread)."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="+")
    from_stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="+")
    to_stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="+")
    hour = models.PositiveSmallIntegerField()
    mean_seconds = models.FloatField()
    # Recency-weighted mean of the squared deviation (the prediction's uncertainty).
    variance = models.FloatField(default=0.0)
    samples = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["route", "from_stop", "to_stop", "hour"], name="mobility_segment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_stop_id}→{self.to_stop_id} at {self.hour} h"


class PositionReject(CityOwnedModel):
    """A position the platform refused (unknown vehicle, outside the city, from the future),
    counted on the staff page."""

    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    vehicle_ref = models.CharField(_("vehicle"), max_length=256, blank=True)
    reason = models.CharField(_("reason"), max_length=32)
    message = models.CharField(_("message"), max_length=300)

    class Meta:
        verbose_name = _("refused position")
        verbose_name_plural = _("refused positions")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.vehicle_ref}: {self.reason}"
