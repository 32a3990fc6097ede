"""The public-transport network of a city, as the GTFS static specification describes it.

Each table keeps the feed's own identifiers (``gtfs_id``), unique within the city, so that a
feed exported by the platform and imported again gives the same rows. Times of day are
seconds after the service day's start (GTFS's "noon minus twelve hours"): a trip that ends
after midnight has times of 24:00:00 and more, as in the files.

Shapes keep their points in one row each (a list of ``[sequence, latitude, longitude,
distance]``), since they are always read whole; stop times are one row each, since the
planner and the live tracking read them by trip and by stop.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel


def _gtfs_time(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class RouteType(models.IntegerChoices):
    """GTFS's basic route types."""

    TRAM = 0, _("tram")
    SUBWAY = 1, _("metro")
    RAIL = 2, _("train")
    BUS = 3, _("bus")
    FERRY = 4, _("ferry")
    CABLE_TRAM = 5, _("cable tram")
    AERIAL_LIFT = 6, _("aerial lift")
    FUNICULAR = 7, _("funicular")
    TROLLEYBUS = 11, _("trolleybus")
    MONORAIL = 12, _("monorail")


class LocationType(models.IntegerChoices):
    STOP = 0, _("stop or platform")
    STATION = 1, _("station")
    ENTRANCE = 2, _("entrance or exit")
    GENERIC_NODE = 3, _("generic node")
    BOARDING_AREA = 4, _("boarding area")


class Agency(CityOwnedModel):
    # agency_id may be empty in a feed with a single agency.
    gtfs_id = models.CharField(_("agency id"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("web site"), max_length=500)
    timezone = models.CharField(_("time zone"), max_length=64)
    lang = models.CharField(_("language"), max_length=16, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    fare_url = models.URLField(_("fares page"), max_length=500, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("transport operator")
        verbose_name_plural = _("transport operators")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "gtfs_id"], name="mobility_agency_unique_id"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Stop(CityOwnedModel):
    gtfs_id = models.CharField(_("stop id"), max_length=64)
    code = models.CharField(_("code"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    zone_id = models.CharField(_("fare zone"), max_length=64, blank=True)
    url = models.URLField(_("web page"), max_length=500, blank=True)
    location_type = models.PositiveSmallIntegerField(
        _("kind"), choices=LocationType, default=LocationType.STOP
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("station"),
    )
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    # 0 no information, 1 accessible, 2 not accessible (GTFS).
    wheelchair_boarding = models.PositiveSmallIntegerField(_("wheelchair boarding"), default=0)
    platform_code = models.CharField(_("platform"), max_length=32, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        ordering = ["name", "gtfs_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "gtfs_id"], name="mobility_stop_unique_id"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.gtfs_id


class Route(CityOwnedModel):
    gtfs_id = models.CharField(_("route id"), max_length=64)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="routes",
        verbose_name=_("operator"),
    )
    short_name = models.CharField(_("number"), max_length=32, blank=True)
    long_name = models.CharField(_("name"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    route_type = models.PositiveSmallIntegerField(_("mode"), default=RouteType.BUS)
    url = models.URLField(_("web page"), max_length=500, blank=True)
    color = models.CharField(_("colour"), max_length=6, blank=True)
    text_color = models.CharField(_("text colour"), max_length=6, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        ordering = ["sort_order", "short_name", "gtfs_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "gtfs_id"], name="mobility_route_unique_id"
            )
        ]

    def __str__(self) -> str:
        if self.short_name and self.long_name:
            return f"{self.short_name} {self.long_name}"
        return self.short_name or self.long_name or self.gtfs_id


class Service(CityOwnedModel):
    """A service_id: the days its trips run (calendar.txt, when ``weekly``, and the
    exceptions of calendar_dates.txt)."""

    gtfs_id = models.CharField(_("service id"), max_length=64)
    # False for a service that only calendar_dates.txt defines.
    weekly = models.BooleanField(_("weekly pattern"), default=True)
    monday = models.BooleanField(_("Monday"), default=False)
    tuesday = models.BooleanField(_("Tuesday"), default=False)
    wednesday = models.BooleanField(_("Wednesday"), default=False)
    thursday = models.BooleanField(_("Thursday"), default=False)
    friday = models.BooleanField(_("Friday"), default=False)
    saturday = models.BooleanField(_("Saturday"), default=False)
    sunday = models.BooleanField(_("Sunday"), default=False)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("service calendar")
        verbose_name_plural = _("service calendars")
        ordering = ["gtfs_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "gtfs_id"], name="mobility_service_unique_id"
            )
        ]

    def __str__(self) -> str:
        return self.gtfs_id


class ServiceException(models.Model):
    """calendar_dates.txt: a date the service is added (1) or removed (2)."""

    class Kind(models.IntegerChoices):
        ADDED = 1, _("runs")
        REMOVED = 2, _("does not run")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("date"))
    exception_type = models.PositiveSmallIntegerField(_("exception"), choices=Kind)

    class Meta:
        ordering = ["service", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "date"], name="mobility_service_exception_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.date}"


class Shape(CityOwnedModel):
    gtfs_id = models.CharField(_("shape id"), max_length=64)
    # [[shape_pt_sequence, lat, lon, shape_dist_traveled or null], ...] in sequence order.
    points = models.JSONField(_("points"), default=list)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("shape")
        verbose_name_plural = _("shapes")
        ordering = ["gtfs_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "gtfs_id"], name="mobility_shape_unique_id"
            )
        ]

    def __str__(self) -> str:
        return self.gtfs_id


class Trip(CityOwnedModel):
    gtfs_id = models.CharField(_("trip id"), max_length=128)
    route = models.ForeignKey(
        Route, on_delete=models.CASCADE, related_name="trips", verbose_name=_("line")
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="trips", verbose_name=_("calendar")
    )
    headsign = models.CharField(_("destination"), max_length=200, blank=True)
    short_name = models.CharField(_("trip number"), max_length=64, blank=True)
    direction_id = models.PositiveSmallIntegerField(_("direction"), null=True, blank=True)
    block_id = models.CharField(_("block"), max_length=64, blank=True)
    shape = models.ForeignKey(
        Shape,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trips",
        verbose_name=_("shape"),
    )
    wheelchair_accessible = models.PositiveSmallIntegerField(_("wheelchair accessible"), default=0)
    bikes_allowed = models.PositiveSmallIntegerField(_("bicycles allowed"), default=0)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        ordering = ["gtfs_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "gtfs_id"], name="mobility_trip_unique_id"
            )
        ]
        indexes = [models.Index(fields=["municipality", "block_id"])]

    def __str__(self) -> str:
        return self.gtfs_id


class StopTime(models.Model):
    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="stop_times")
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="stop_times")
    sequence = models.PositiveIntegerField(_("order"))
    # Seconds after the service day's start; empty between timepoints.
    arrival = models.PositiveIntegerField(_("arrival"), null=True, blank=True)
    departure = models.PositiveIntegerField(_("departure"), null=True, blank=True)
    headsign = models.CharField(_("destination"), max_length=200, blank=True)
    pickup_type = models.PositiveSmallIntegerField(_("boarding"), default=0)
    drop_off_type = models.PositiveSmallIntegerField(_("alighting"), default=0)
    shape_dist_traveled = models.FloatField(null=True, blank=True)
    timepoint = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["trip", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["trip", "sequence"], name="mobility_stop_time_unique_sequence"
            )
        ]
        indexes = [models.Index(fields=["stop", "departure"])]

    def __str__(self) -> str:
        return f"{self.trip_id} #{self.sequence}"

    @property
    def arrival_text(self) -> str:
        """The arrival as GTFS writes it (``24:10:00`` past midnight), empty when none."""
        return _gtfs_time(self.arrival)

    @property
    def departure_text(self) -> str:
        return _gtfs_time(self.departure)


class Frequency(models.Model):
    """frequencies.txt: the trip runs every ``headway_secs`` from start to end."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="frequencies")
    start_time = models.PositiveIntegerField(_("from"))
    end_time = models.PositiveIntegerField(_("until"))
    headway_secs = models.PositiveIntegerField(_("every (seconds)"))
    exact_times = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["trip", "start_time"]

    def __str__(self) -> str:
        return f"{self.trip_id} every {self.headway_secs} s"


class NetworkImport(CityOwnedModel):
    """One GTFS import (from the command or the back office), with what it found."""

    file_name = models.CharField(_("file"), max_length=255)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    succeeded = models.BooleanField(_("imported"), default=False)
    # {"routes.txt": 22, ...}
    counts = models.JSONField(_("rows"), default=dict, blank=True)
    # [{"file": ..., "line": ..., "message": ...}, ...]; errors refuse the feed, warnings not.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)

    class Meta:
        verbose_name = _("network import")
        verbose_name_plural = _("network imports")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return self.file_name
