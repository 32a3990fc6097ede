"""Core data: municipalities, people, staff roles, the audit log and notifications."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import modules as module_registry

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))
host_name = RegexValidator(
    r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?$",
    _("Enter a host name in lower case, such as city.example.org."),
)


class Municipality(models.Model):
    """A city hosted on this installation, resolved from the request's host name."""

    slug = models.SlugField(_("short name"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    languages = models.JSONField(
        _("languages"), default=list, help_text=_("Language codes offered, such as ['ro', 'en'].")
    )
    default_language = models.CharField(
        _("default language"), max_length=10, choices=settings.LANGUAGES, default="ro"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Bucharest")
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1f4e79", validators=[hex_colour]
    )
    secondary_colour = models.CharField(
        _("secondary colour"), max_length=7, default="#f2c94c", validators=[hex_colour]
    )
    logo = models.FileField(_("logo"), upload_to="municipalities/logos/", blank=True)
    centre_latitude = models.FloatField(
        _("centre latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    centre_longitude = models.FloatField(
        _("centre longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    default_zoom = models.PositiveSmallIntegerField(_("default map zoom"), default=13)
    bounds_south = models.FloatField(_("southern bound"))
    bounds_west = models.FloatField(_("western bound"))
    bounds_north = models.FloatField(_("northern bound"))
    bounds_east = models.FloatField(_("eastern bound"))
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    email_sender_name = models.CharField(
        _("email sender name"),
        max_length=200,
        blank=True,
        help_text=_("Shown as the sender of the emails; the name of the municipality if empty."),
    )
    email_sender_address = models.EmailField(
        _("email sender address"),
        blank=True,
        help_text=_("The address emails are sent from; the platform's address if empty."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bounds_south__lt=models.F("bounds_north"))
                & models.Q(bounds_west__lt=models.F("bounds_east")),
                name="municipality_bounds_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def bounds(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """South-west and north-east corners, as Leaflet expects them."""
        return ((self.bounds_south, self.bounds_west), (self.bounds_north, self.bounds_east))

    def contains_point(self, latitude: float, longitude: float) -> bool:
        return (
            self.bounds_south <= latitude <= self.bounds_north
            and self.bounds_west <= longitude <= self.bounds_east
        )

    @property
    def primary_host(self) -> str:
        first = next(iter(self.hosts.all()), None)
        return first.host if first else ""


class MunicipalityHost(models.Model):
    """A host name that serves a municipality (with an optional port, as browsers send it)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="hosts")
    host = models.CharField(_("host name"), max_length=255, unique=True, validators=[host_name])

    class Meta:
        verbose_name = _("host name")
        verbose_name_plural = _("host names")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.host


_T = TypeVar("_T", bound=models.Model)


class CityOwnedQuerySet(models.QuerySet[_T]):
    """City-owned records; bulk writes move the page-cache versions of the cities they touch.

    Saves and deletes move them through signals (``core.signals``); ``update()``,
    ``bulk_create()`` and ``bulk_update()`` send none, so they bump here.
    """

    def for_municipality(self, municipality: Municipality) -> CityOwnedQuerySet[_T]:
        return self.filter(municipality=municipality)

    def _cache_versions_bump(self, municipality_ids: Iterable[int | None]) -> None:
        from .cache_versions import cache_version_bump, model_module

        module = model_module(self.model)
        if module is not None:
            for municipality_id in sorted({pk for pk in municipality_ids if pk is not None}):
                cache_version_bump(municipality_id, module)

    def update(self, **kwargs: Any) -> int:
        # Read before writing: the update may take the rows out of the filter.
        municipality_ids = list(self.values_list("municipality_id", flat=True).distinct())
        updated = super().update(**kwargs)
        if updated:
            self._cache_versions_bump(municipality_ids)
        return updated

    update.alters_data = True  # type: ignore[attr-defined]

    def bulk_create(self, objs: Iterable[_T], *args: Any, **kwargs: Any) -> list[_T]:
        created = super().bulk_create(objs, *args, **kwargs)
        self._cache_versions_bump(getattr(obj, "municipality_id", None) for obj in created)
        return created

    bulk_create.alters_data = True  # type: ignore[attr-defined]

    def bulk_update(self, objs: Iterable[_T], *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        updated = super().bulk_update(objs, *args, **kwargs)
        self._cache_versions_bump(getattr(obj, "municipality_id", None) for obj in objs)
        return updated

    bulk_update.alters_data = True  # type: ignore[attr-defined]


class CityOwnedManager(models.Manager[_T]):
    def get_queryset(self) -> CityOwnedQuerySet[_T]:
        return CityOwnedQuerySet(self.model, using=self._db)

    def for_municipality(self, municipality: Municipality) -> CityOwnedQuerySet[_T]:
        return self.get_queryset().for_municipality(municipality)


class CityOwnedModel(models.Model):
    """Base of every record that belongs to one municipality.

    Back-office views and staff APIs read such records only through
    ``for_municipality``; the isolation tests walk every subclass.
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )

    objects = CityOwnedManager[Any]()

    class Meta:
        abstract = True


class PeopleQuerySet(models.QuerySet[_T]):
    """The people's own records (``cache_versions.PEOPLE_MODELS``): bulk writes move the
    platform's ``PEOPLE`` version, which every signed-in page carries in its cache key
    (saves and deletes move it through ``core.signals``)."""

    def _cache_versions_bump(self) -> None:
        from .cache_versions import PEOPLE, PLATFORM, cache_version_bump

        cache_version_bump(PLATFORM, PEOPLE)

    def update(self, **kwargs: Any) -> int:
        updated = super().update(**kwargs)
        if updated:
            self._cache_versions_bump()
        return updated

    update.alters_data = True  # type: ignore[attr-defined]

    def bulk_create(self, objs: Iterable[_T], *args: Any, **kwargs: Any) -> list[_T]:
        created = super().bulk_create(objs, *args, **kwargs)
        self._cache_versions_bump()
        return created

    bulk_create.alters_data = True  # type: ignore[attr-defined]

    def bulk_update(self, objs: Iterable[_T], *args: Any, **kwargs: Any) -> int:
        updated = super().bulk_update(objs, *args, **kwargs)
        self._cache_versions_bump()
        return updated

    bulk_update.alters_data = True  # type: ignore[attr-defined]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> PeopleQuerySet[User]:
        return PeopleQuerySet(self.model, using=self._db)

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("is_active", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Residents are plain users; staff hold memberships.

    ``is_staff`` and ``is_superuser`` mark platform administrators (Django admin).
    """

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform administrator"), default=False)
    email_confirmed_at = models.DateTimeField(_("email confirmed at"), null=True, blank=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    notify_in_app = models.BooleanField(_("notifications in my inbox"), default=True)
    notify_by_email = models.BooleanField(_("notifications by email"), default=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every password change ends here (the site's forms, the admin, changepassword):
        # the API token issued under the old password stops working.
        password_changed = getattr(self, "_password", None) is not None
        super().save(*args, **kwargs)
        if password_changed:
            from rest_framework.authtoken.models import Token

            Token.objects.filter(user=self).delete()


class Department(CityOwnedModel):
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class StaffRole(models.TextChoices):
    STAFF = "staff", _("Staff member")
    ADMIN = "admin", _("Municipality administrator")


class StaffMembership(CityOwnedModel):
    """A person's role in one municipality's back office.

    Staff members see the modules listed in ``modules``; administrators see all
    modules and manage departments, staff and the audit log.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("person"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=10, choices=StaffRole, default=StaffRole.STAFF)
    modules = models.JSONField(_("modules"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        ordering = ["user__email"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN

    def can_use_module(self, module: str) -> bool:
        if not self.is_active:
            return False
        if module in self.modules:
            return True
        return self.is_admin and not module_registry.grant_required(module)


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")


class AuditLogEntry(CityOwnedModel):
    """Who did what to which record, and when, with the values before and after."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by (as recorded)"), max_length=200)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction)
    target_type = models.CharField(_("record type"), max_length=100)
    target_id = models.CharField(_("record id"), max_length=64)
    target_label = models.CharField(_("record"), max_length=300)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["municipality", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target_type} {self.target_id}"


class Notification(models.Model):
    """A message to one person: shown in the inbox and, by preference, sent by email."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=64)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    # The language the text was written in, for the email's own words (link, unsubscribe).
    language = models.CharField(_("language"), max_length=10, blank=True)
    # What the email's unsubscribe link stops (see EmailOptOut).
    unsubscribe_scope = models.CharField(max_length=100, blank=True)
    show_in_inbox = models.BooleanField(default=True)
    send_email = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    objects = PeopleQuerySet["Notification"].as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"])]

    def __str__(self) -> str:
        return self.subject


class EmailOptOut(models.Model):
    """An address that asked, with an email's unsubscribe link, for no more emails of one
    scope (``reports.report:44``, ``kind:plans.update``). The address is kept as a keyed
    digest only: the table answers "did this address opt out?" and names nobody."""

    email_digest = models.CharField(max_length=64)
    scope = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PeopleQuerySet["EmailOptOut"].as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email_digest", "scope"], name="email_opt_out_unique")
        ]

    def __str__(self) -> str:
        return self.scope


class RateLimitCounter(models.Model):
    """Hits of one client or person on one action in one fixed time window.

    A unique key per window and ``F()`` increments count correctly on every database,
    without database-specific locks."""

    scope = models.CharField(max_length=60)
    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key", "window_start"], name="core_ratelimit_unique_window"
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="core_ratelimit_window")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}@{self.window_start:%Y-%m-%dT%H:%M}={self.hits}"


class SerialisationLock(models.Model):
    """A row that transactions lock to run a check-then-write one at a time
    (``select_for_update`` on PostgreSQL; SQLite serialises writing transactions itself)."""

    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name
