"""Problem reports: categories (Open311 services) with their questions, neighbourhoods and
routing, reports with photos, public updates, supporters ("me too"), subscriptions, API keys.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from digiplace.core.models import CityOwnedModel, Department


class Category(CityOwnedModel):
    """A kind of problem; an Open311 *service* whose code is ``service_code``."""

    service_code = models.SlugField(_("service code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    group = models.CharField(_("group"), max_length=100, blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    sla_days = models.PositiveSmallIntegerField(
        _("expected days to close"), default=14, validators=[MinValueValidator(1)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "service_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "service_code"], name="category_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class AttributeDatatype(models.TextChoices):
    """Open311 service attribute data types."""

    STRING = "string", _("Short text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLE = "singlevaluelist", _("One choice from a list")
    MULTI = "multivaluelist", _("Several choices from a list")


class CategoryAttribute(CityOwnedModel):
    """An extra question of a category (an Open311 service attribute)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes")
    code = models.SlugField(_("code"), max_length=60)
    datatype = models.CharField(_("type"), max_length=20, choices=AttributeDatatype)
    required = models.BooleanField(_("required"), default=False)
    description = models.CharField(_("question"), max_length=300)
    datatype_description = models.CharField(_("help"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    values = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For lists: [{"key": "...", "name": "..."}].'),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["category", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="attribute_unique_code")
        ]

    def __str__(self) -> str:
        return self.description


class Neighbourhood(CityOwnedModel):
    """An area of the city (GeoJSON Polygon or MultiPolygon in WGS84)."""

    slug = models.SlugField(_("short name"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    geometry = models.JSONField(_("area (GeoJSON)"))
    # Bounding box, so that a point is tested against few polygons.
    min_latitude = models.FloatField()
    min_longitude = models.FloatField()
    max_latitude = models.FloatField()
    max_longitude = models.FloatField()

    class Meta:
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="neighbourhood_unique")
        ]

    def __str__(self) -> str:
        return self.name


class RoutingRule(CityOwnedModel):
    """Reports of a category in a neighbourhood go to a department (the most specific wins)."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="routing_rules"
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routing_rules",
    )
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "category", "neighbourhood"], name="routing_rule_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(category__isnull=False) | models.Q(neighbourhood__isnull=False),
                name="routing_rule_has_condition",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} / {self.neighbourhood or '*'} → {self.department}"


class ReportStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("report status", "New")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("report status", "Acknowledged")
    IN_PROGRESS = "in_progress", pgettext_lazy("report status", "In progress")
    PLANNED = "planned", pgettext_lazy("report status", "Planned")
    # Staff asked the reporter something and wait for the answer; still open (Open311 "open").
    WAITING = "waiting", pgettext_lazy("report status", "Waiting for the reporter")
    FIXED = "fixed", pgettext_lazy("report status", "Fixed")
    NOT_RESPONSIBLE = (
        "not_responsible",
        pgettext_lazy("report status", "Not the city's responsibility"),
    )
    DUPLICATE = "duplicate", pgettext_lazy("report status", "Duplicate")
    UNABLE_TO_FIX = "unable_to_fix", pgettext_lazy("report status", "Unable to fix")


OPEN_STATUSES = (
    ReportStatus.NEW,
    ReportStatus.ACKNOWLEDGED,
    ReportStatus.IN_PROGRESS,
    ReportStatus.PLANNED,
    ReportStatus.WAITING,
)
CLOSED_STATUSES = (
    ReportStatus.FIXED,
    ReportStatus.NOT_RESPONSIBLE,
    ReportStatus.DUPLICATE,
    ReportStatus.UNABLE_TO_FIX,
)


class ReplyTemplate(CityOwnedModel):
    """A ready answer staff start a public reply from; without a category it fits any."""

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reply_templates",
        verbose_name=_("category"),
        help_text=_("Leave empty for a reply that fits every category."),
    )
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"), max_length=4000)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["position", "title", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # A template answers one city's reports: its category must be that city's.
        if self.category is not None and self.category.municipality_id != self.municipality_id:
            raise ValidationError({"category": _("Choose a category of the same city.")})


class ApiKey(CityOwnedModel):
    """An Open311 API key, issued by an administrator to an app developer."""

    key = models.CharField(_("key"), max_length=64, unique=True, default=secrets.token_urlsafe)
    name = models.CharField(_("application"), max_length=200)
    contact_email = models.EmailField(_("developer's email"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Report(CityOwnedModel):
    """A problem reported by a resident (an Open311 *service request*)."""

    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus, default=ReportStatus.NEW
    )
    description = models.TextField(_("description"), max_length=4000)
    # A report has a point, or only an address or landmark that staff place later.
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
    address = models.CharField(_("address"), max_length=300, blank=True)
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reporter_name = models.CharField(_("name"), max_length=150, blank=True)
    reporter_email = models.EmailField(_("email"), blank=True)
    reporter_phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_anonymous = models.BooleanField(_("publish without my name"), default=True)
    is_hidden = models.BooleanField(_("hidden by moderation"), default=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    source_address = models.GenericIPAddressField(null=True, blank=True)
    locale = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    expected_at = models.DateTimeField(_("expected to close by"), null=True, blank=True)
    editable_until = models.DateTimeField(_("editable by the reporter until"), null=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["municipality", "-created_at"]),
            models.Index(fields=["municipality", "-updated_at"]),
            models.Index(fields=["municipality", "status", "-created_at"]),
            models.Index(fields=["municipality", "category", "-created_at"]),
            models.Index(fields=["municipality", "latitude", "longitude"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(duplicate_of=models.F("id")), name="report_not_own_duplicate"
            ),
            models.CheckConstraint(
                condition=(models.Q(latitude__isnull=True) & models.Q(longitude__isnull=True))
                | (models.Q(latitude__isnull=False) & models.Q(longitude__isnull=False)),
                name="report_point_whole_or_absent",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=False) | ~models.Q(address=""),
                name="report_has_a_place",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return bool(self.is_open and self.expected_at and self.expected_at < timezone.now())


class ReportPhoto(CityOwnedModel):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="reports/photos/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(_("hidden by moderation"), default=False)
    # Public on the site until hidden, but published in open data only once staff looked at
    # it (faces, number plates, the inside of a home): a file downloaded stays downloaded.
    open_data_approved = models.BooleanField(_("approved for open data"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["report", "id"]

    def __str__(self) -> str:
        return str(self.image.name)


class UpdateKind(models.TextChoices):
    CREATED = "created", _("Reported")
    STATUS = "status", _("Status changed")
    RESPONSE = "response", _("Response")
    NOTE = "note", _("Internal note")
    RECATEGORISED = "recategorised", _("Category changed")
    ASSIGNED = "assigned", _("Assigned")
    MERGED = "merged", _("Merged as duplicate")
    EDITED = "edited", _("Description corrected by the reporter")
    MODERATED = "moderated", _("Moderated")


class ReportUpdate(CityOwnedModel):
    """One entry of a report's timeline; internal notes are never public."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(_("kind"), max_length=20, choices=UpdateKind)
    old_status = models.CharField(max_length=20, choices=ReportStatus, blank=True)
    new_status = models.CharField(max_length=20, choices=ReportStatus, blank=True)
    text = models.TextField(_("text"), blank=True)
    is_public = models.BooleanField(_("public"), default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("report update")
        verbose_name_plural = _("report updates")
        ordering = ["report", "created_at", "id"]
        indexes = [models.Index(fields=["report", "created_at"])]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind}"


class Supporter(CityOwnedModel):
    """A person who has the same problem ("me too"): notified like the reporter."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="supporters")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("email"))
    created_at = models.DateTimeField(default=timezone.now)
    # Empty until the address confirmed by the emailed link (or a signed-in person used
    # their own account's address): only confirmed supporters are told and counted.
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The language of the page the person supported from: their emails are written in it
    # (an account's own preference comes first).
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")
        constraints = [
            models.UniqueConstraint(fields=["report", "email"], name="supporter_unique_email")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.email}"


class NeighbourhoodSubscription(CityOwnedModel):
    """A person is told about every new report in a neighbourhood."""

    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.CASCADE, related_name="subscriptions"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("neighbourhood subscription")
        verbose_name_plural = _("neighbourhood subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["neighbourhood", "user"], name="neighbourhood_subscription_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.neighbourhood}"


class AbuseFlag(CityOwnedModel):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="abuse_flags")
    reason = models.CharField(_("reason"), max_length=500)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_resolved = models.BooleanField(_("resolved"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("abuse flag")
        verbose_name_plural = _("abuse flags")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.reason[:40]}"
