"""The NGO registry: organisations (with a valid Romanian fiscal code) that staff verify,
and their links to the plans module's working groups and projects (as local actors)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel


class OrganisationField(models.TextChoices):
    CIVIC = "civic", _("Civic participation and democracy")
    SOCIAL = "social", _("Social services")
    EDUCATION = "education", _("Education and youth")
    ENVIRONMENT = "environment", _("Environment")
    CULTURE = "culture", _("Culture and heritage")
    HEALTH = "health", _("Health")
    MOBILITY = "mobility", _("Mobility and urban planning")
    DIGITAL = "digital", _("Digital and technology")
    SPORT = "sport", _("Sport")
    BUSINESS = "business", _("Business and employment")
    OTHER = "other", _("Other")


class OrganisationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Not verified")


class Organisation(CityOwnedModel):
    name = models.CharField(_("name"), max_length=300)
    # The Romanian fiscal code (CUI), digits only, validated with its control digit.
    cui = models.CharField(_("fiscal code (CUI)"), max_length=10)
    field = models.CharField(_("field of activity"), max_length=20, choices=OrganisationField)
    description = models.TextField(_("description"), max_length=3000, blank=True)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OrganisationStatus,
        default=OrganisationStatus.PENDING,
    )
    review_note = models.TextField(_("note from the city"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "cui"], name="organisation_unique_cui")
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationLinkKind(models.TextChoices):
    WORKING_GROUP = "working_group", _("Member of a working group")
    LOCAL_ACTOR = "local_actor", _("Local actor of a project")


class OrganisationLink(CityOwnedModel):
    """An organisation in a plans working group or named as a plan project's local actor.
    ``target_ref`` is a ``core.links`` reference ("plans.working_group:…", "plans.project:…")."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationLinkKind)
    target_ref = models.CharField(_("linked to"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organisation link")
        verbose_name_plural = _("organisation links")
        ordering = ["organisation", "kind", "target_ref"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "target_ref"], name="organisation_link_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.target_ref}"
