"""Ticket validators and what they count, anonymised.

A tap's card or ticket id is never stored: on arrival it becomes a keyed hash (HMAC-SHA256)
under the day's key (``RidershipKey``, random, one per city and day). The hash only serves
to count the day's unique riders and the transfers within 60 minutes; once the day is
aggregated into ``RidershipCell`` rows, the taps' hashes are blanked and the day's key is
deleted, so that nothing left can link two taps of the same card.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel
from digiplace.urbandata.models import DeviceKey

from .network import Route, Stop, Trip
from .realtime import VehicleState


class Validator(CityOwnedModel):
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200, blank=True)
    # A validator on board (its stop is the vehicle's at the tap) or at a fixed stop.
    vehicle = models.ForeignKey(
        VehicleState,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="validators",
        verbose_name=_("vehicle"),
    )
    stop = models.ForeignKey(
        Stop,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="validators",
        verbose_name=_("stop"),
    )
    # The key the validator signs its requests with (urban data's device keys).
    device_key = models.ForeignKey(
        DeviceKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket validator")
        verbose_name_plural = _("ticket validators")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="mobility_validator_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.code


class RidershipKey(models.Model):
    """The day's secret for hashing card ids (deleted once the day is aggregated)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    secret = models.BinaryField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "day"], name="mobility_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.day}"


class Tap(CityOwnedModel):
    validator = models.ForeignKey(Validator, on_delete=models.CASCADE, related_name="taps")
    tapped_at = models.DateTimeField(_("tapped at"), db_index=True)
    # The service day (local date) the tap counts in.
    day = models.DateField()
    vehicle = models.ForeignKey(
        VehicleState, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trip = models.ForeignKey(
        Trip, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    route = models.ForeignKey(
        Route, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stop = models.ForeignKey(
        Stop, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # HMAC of the card id under the day's key; blanked when the day is aggregated.
    rider = models.CharField(max_length=64, blank=True)
    # The validator's own id for the tap (idempotent retries).
    tap_ref = models.CharField(max_length=64, blank=True)
    aggregated = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("validation")
        verbose_name_plural = _("validations")
        ordering = ["tapped_at"]
        indexes = [models.Index(fields=["municipality", "day", "aggregated"])]
        constraints = [
            # A validator resending a tap (no answer, a retry) sends the same id: one row.
            models.UniqueConstraint(
                fields=["validator", "tap_ref"],
                condition=~models.Q(tap_ref=""),
                name="mobility_tap_unique_ref",
            )
        ]

    def __str__(self) -> str:
        return f"{self.validator_id} {self.tapped_at:%Y-%m-%d %H:%M:%S}"


class TapReject(CityOwnedModel):
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    validator_ref = models.CharField(_("validator"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=32)
    message = models.CharField(_("message"), max_length=300)

    class Meta:
        verbose_name = _("refused validation")
        verbose_name_plural = _("refused validations")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.validator_ref}: {self.reason}"


class CellKind(models.TextChoices):
    STOP_HOUR = "stop_hour", _("boardings per stop and hour")
    ROUTE_DAY = "route_day", _("boardings per line and day")
    TRIP_LOAD = "trip_load", _("load per trip")
    CITY_DAY = "city_day", _("riders per day")


class RidershipCell(CityOwnedModel):
    """An aggregate of one day's taps (raw counts; publication applies the k threshold)."""

    kind = models.CharField(max_length=12, choices=CellKind)
    day = models.DateField()
    hour = models.PositiveSmallIntegerField(null=True, blank=True)
    route = models.ForeignKey(
        Route, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    stop = models.ForeignKey(
        Stop, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    trip = models.ForeignKey(
        Trip, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    boardings = models.PositiveIntegerField(default=0)
    # Distinct riders (distinct keyed hashes) in the cell.
    riders = models.PositiveIntegerField(default=0)
    # Boardings within 60 minutes of the same rider's previous one.
    transfers = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ridership figure")
        verbose_name_plural = _("ridership figures")
        ordering = ["day", "kind", "hour"]
        indexes = [models.Index(fields=["municipality", "kind", "day"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}"
