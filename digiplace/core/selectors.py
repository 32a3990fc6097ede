"""Reads shared by pages and APIs."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import (
    AuditLogEntry,
    Department,
    Municipality,
    MunicipalityHost,
    Notification,
    StaffMembership,
    User,
)

HOST_CACHE_SECONDS = 60
# Cached for a host that serves no municipality (the cache cannot tell None from a miss).
NO_MUNICIPALITY = 0


def _host_cache_key(host: str) -> str:
    return f"digiplace:host:{host}"


def municipality_for_host(*, host: str) -> Municipality | None:
    """The active municipality served at ``host`` (without port), cached briefly.

    The cache is shared by every process (the database's or Redis): one read per request.
    """
    key = _host_cache_key(host)
    cached: Municipality | int | None = cache.get(key)
    if cached is None:
        found = Municipality.objects.filter(hosts__host=host, is_active=True).first()
        cached = found if found is not None else NO_MUNICIPALITY
        cache.set(key, cached, HOST_CACHE_SECONDS)
    return cached if isinstance(cached, Municipality) else None


def municipality_cache_clear(
    *, municipality: Municipality, former_hosts: Iterable[str] = ()
) -> None:
    """Forget the municipality's hosts, and hosts it no longer has, in every process."""
    hosts = {host.host for host in municipality.hosts.all()} | set(former_hosts)
    cache.delete_many([_host_cache_key(host) for host in sorted(hosts)])


def municipality_list_active() -> QuerySet[Municipality]:
    return Municipality.objects.filter(is_active=True).prefetch_related("hosts")


def municipality_home_url(*, municipality: Municipality, request: HttpRequest) -> str:
    """The municipality's home page, on the same scheme and port as ``request``."""
    current_host = request.get_host()
    port = ""
    if not current_host.endswith("]") and ":" in current_host:
        port = ":" + current_host.rsplit(":", 1)[1]
    return f"{request.scheme}://{municipality.primary_host}{port}/"


def municipality_links(*, request: HttpRequest) -> list[tuple[Municipality, str]]:
    return [
        (municipality, municipality_home_url(municipality=municipality, request=request))
        for municipality in municipality_list_active()
    ]


def languages_available(*, municipality: Municipality | None) -> list[str]:
    shipped = [code for code, _name in settings.LANGUAGES]
    if municipality is None:
        return shipped
    offered = [code for code in municipality.languages if code in shipped]
    return offered or [municipality.default_language]


def membership_for(*, user: User, municipality: Municipality) -> StaffMembership | None:
    if not user.is_authenticated:
        return None
    return (
        StaffMembership.objects.filter(user=user, municipality=municipality, is_active=True)
        .select_related("department")
        .first()
    )


def user_email_taken(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(
        recipient=user, show_in_inbox=True, read_at__isnull=True
    ).count()


def notification_inbox(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, show_in_inbox=True).select_related(
        "municipality"
    )


def audit_log_for(*, municipality: Municipality) -> QuerySet[AuditLogEntry]:
    return AuditLogEntry.objects.for_municipality(municipality).select_related("actor")


# What the modules read of core's records (they do not query core's models themselves).


def municipality_by_slug(*, slug: str) -> Municipality | None:
    return Municipality.objects.filter(slug=slug).first()


def municipality_has_host(*, municipality: Municipality, host: str) -> bool:
    """Whether ``host`` (any case, surrounding spaces ignored) is one of the city's hosts."""
    return MunicipalityHost.objects.filter(
        municipality=municipality, host=host.strip().lower()
    ).exists()


def department_list(*, municipality: Municipality) -> QuerySet[Department]:
    return Department.objects.filter(municipality=municipality).order_by("name")


def staff_memberships_active(*, municipality: Municipality) -> QuerySet[StaffMembership]:
    """The city's active staff (active people only), by name, with person and department."""
    return (
        StaffMembership.objects.filter(
            municipality=municipality, is_active=True, user__is_active=True
        )
        .select_related("user", "department")
        .order_by("user__full_name", "user__email")
    )


def staff_user_get(*, municipality: Municipality, user_id: int) -> User | None:
    """The active person with an active staff membership in the city, or None."""
    return User.objects.filter(
        pk=user_id,
        is_active=True,
        memberships__municipality=municipality,
        memberships__is_active=True,
    ).first()
