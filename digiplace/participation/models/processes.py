"""Participatory processes, their phases, and the city's zones (districts)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel


class Zone(CityOwnedModel):
    """A district of the city: the scope of a neighbourhood process and a budgeting zone."""

    slug = models.SlugField(_("short name"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    # Optional area (GeoJSON Polygon or MultiPolygon in WGS84) for the zone's map.
    geometry = models.JSONField(_("area (GeoJSON)"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["municipality", "position", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="zone_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name


class ProcessScope(models.TextChoices):
    CITY = "city", _("The whole city")
    ZONE = "zone", _("A neighbourhood")


class Process(CityOwnedModel):
    """A participatory process: a consultation, a budgeting edition, a forum. It holds
    components (surveys, proposals, a budget, meetings); each has its own open dates,
    and the phases tell the public the process's timeline."""

    slug = models.SlugField(_("short name"), max_length=80)
    title = models.CharField(_("title"), max_length=300)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=ProcessScope, default="city")
    zone = models.ForeignKey(
        Zone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="processes",
        verbose_name=_("neighbourhood"),
    )
    # A plan project this process serves, as a reference of the core link registry
    # (``core.links``: "plans.project:<plan>/<project>"); modules never share foreign keys.
    plan_project_ref = models.CharField(_("plan project"), max_length=200, blank=True)
    # Proposals component: residents may send proposals between these moments.
    proposals_enabled = models.BooleanField(_("takes proposals"), default=False)
    proposals_open_from = models.DateTimeField(_("proposals open from"), null=True, blank=True)
    proposals_open_until = models.DateTimeField(_("proposals open until"), null=True, blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("participatory process")
        verbose_name_plural = _("participatory processes")
        ordering = ["municipality", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="process_unique_slug"),
            models.CheckConstraint(
                condition=models.Q(scope="city", zone__isnull=True)
                | models.Q(scope="zone", zone__isnull=False),
                name="process_zone_matches_scope",
            ),
            models.CheckConstraint(
                condition=models.Q(proposals_open_from__isnull=True)
                | models.Q(proposals_open_until__isnull=True)
                | models.Q(proposals_open_from__lt=models.F("proposals_open_until")),
                name="process_proposal_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.scope == ProcessScope.ZONE and self.zone_id is None:
            raise ValidationError({"zone": _("Choose the neighbourhood of the process.")})
        if self.scope == ProcessScope.CITY:
            self.zone = None

    def proposals_open(self, now: datetime.datetime | None = None) -> bool:
        """Whether residents may send proposals now."""
        if not (self.is_published and self.proposals_enabled):
            return False
        now = now or timezone.now()
        if self.proposals_open_from is not None and now < self.proposals_open_from:
            return False
        return self.proposals_open_until is None or now < self.proposals_open_until


class Phase(CityOwnedModel):
    """One step of a process's public timeline (information, proposals, voting…)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phases")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["process", "position", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__lte=models.F("ends_on")),
                name="phase_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title
