"""Service alerts written by staff (a detour, a stop closed, a delay), published on the site,
on the stop displays and in the GTFS-realtime Alerts feed. The texts are translated
(django-modeltranslation: ``header_ro``, ``header_en``...)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel

from .network import Route, Stop


class AlertCause(models.TextChoices):
    """GTFS-realtime's Alert.Cause (the enum's names, lower-cased)."""

    UNKNOWN_CAUSE = "unknown_cause", _("unknown cause")
    OTHER_CAUSE = "other_cause", _("other cause")
    TECHNICAL_PROBLEM = "technical_problem", _("technical problem")
    STRIKE = "strike", _("strike")
    DEMONSTRATION = "demonstration", _("demonstration")
    ACCIDENT = "accident", _("accident")
    HOLIDAY = "holiday", _("holiday")
    WEATHER = "weather", _("weather")
    MAINTENANCE = "maintenance", _("maintenance")
    CONSTRUCTION = "construction", _("construction works")
    POLICE_ACTIVITY = "police_activity", _("police activity")
    MEDICAL_EMERGENCY = "medical_emergency", _("medical emergency")


class AlertEffect(models.TextChoices):
    """GTFS-realtime's Alert.Effect (the enum's names, lower-cased)."""

    NO_SERVICE = "no_service", _("no service")
    REDUCED_SERVICE = "reduced_service", _("reduced service")
    SIGNIFICANT_DELAYS = "significant_delays", _("significant delays")
    DETOUR = "detour", _("detour")
    ADDITIONAL_SERVICE = "additional_service", _("additional service")
    MODIFIED_SERVICE = "modified_service", _("modified service")
    OTHER_EFFECT = "other_effect", _("other effect")
    UNKNOWN_EFFECT = "unknown_effect", _("unknown effect")
    STOP_MOVED = "stop_moved", _("stop moved")
    NO_EFFECT = "no_effect", _("no effect")
    ACCESSIBILITY_ISSUE = "accessibility_issue", _("accessibility issue")


class ServiceAlert(CityOwnedModel):
    header = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("more information"), max_length=500, blank=True)
    cause = models.CharField(
        _("cause"), max_length=24, choices=AlertCause, default=AlertCause.UNKNOWN_CAUSE
    )
    effect = models.CharField(
        _("effect"), max_length=24, choices=AlertEffect, default=AlertEffect.UNKNOWN_EFFECT
    )
    active_from = models.DateTimeField(_("from"), default=timezone.now)
    active_until = models.DateTimeField(_("until"), null=True, blank=True)
    routes = models.ManyToManyField(
        Route, blank=True, related_name="service_alerts", verbose_name=_("lines affected")
    )
    stops: models.ManyToManyField[Stop, Any] = models.ManyToManyField(
        Stop, blank=True, related_name="service_alerts", verbose_name=_("stops affected")
    )
    is_published = models.BooleanField(_("published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    modified_at = models.DateTimeField(_("modified at"), default=timezone.now)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("service alert")
        verbose_name_plural = _("service alerts")
        ordering = ["-active_from"]

    def __str__(self) -> str:
        return self.header
