"""Who may use a municipality's back office: one membership check for pages and APIs.

A person's access is their active ``StaffMembership`` in the municipality of the host
they are on. Platform administrators (``is_superuser``) count as administrators of
every municipality, even without a membership there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import modules, selectors
from .http import as_city_request
from .models import Municipality, StaffMembership, StaffRole

ViewFunction = TypeVar("ViewFunction", bound=Callable[..., HttpResponse])

# Why a page was refused; the 403 page explains each in words.
DenialReason = Literal["platform_host", "no_membership", "not_admin", "no_module"]


def backoffice_membership(
    *, user: Any, municipality: Municipality | None
) -> StaffMembership | None:
    """The membership that grants ``user`` the back office of ``municipality``, or None.

    For a platform administrator without an administrator membership this is an unsaved
    administrator membership, so that every check reads the same way.
    """
    if municipality is None or user is None or not user.is_authenticated or not user.is_active:
        return None
    membership = selectors.membership_for(user=user, municipality=municipality)
    if user.is_superuser and (membership is None or not membership.is_admin):
        return StaffMembership(
            municipality=municipality,
            user=user,
            department=membership.department if membership else None,
            role=StaffRole.ADMIN,
            modules=[],
            is_active=True,
        )
    return membership


def access_denial(
    *,
    membership: StaffMembership | None,
    municipality: Municipality | None,
    module: str | None = None,
    admin: bool = False,
) -> DenialReason | None:
    """Why ``membership`` may not open a page needing ``module`` or ``admin``; None if it may."""
    if municipality is None:
        return "platform_host"
    if membership is None:
        return "no_membership"
    if admin and not membership.is_admin:
        return "not_admin"
    if module is not None and not membership.can_use_module(module):
        return "no_module"
    return None


def permission_denied_page(
    request: HttpRequest, *, reason: DenialReason | None = None, module: str | None = None
) -> HttpResponse:
    """The translated 403 page, with links to the back offices this person does have."""
    user = request.user
    other_back_offices: list[tuple[Municipality, str]] = []
    if user.is_authenticated:
        current = getattr(request, "municipality", None)
        member_of = {
            membership.municipality_id
            for membership in StaffMembership.objects.filter(user=user, is_active=True)
        }
        other_back_offices = [
            (municipality, f"{url}backoffice/")
            for municipality, url in selectors.municipality_links(request=request)
            if (user.is_superuser or municipality.pk in member_of)
            and (current is None or municipality.pk != current.pk)
        ]
    module_names = {spec.code: spec.name for spec in modules.all_modules()}
    return render(
        request,
        "core/403.html",
        {
            "reason": reason,
            "module_name": module_names.get(module or "", module),
            "other_back_offices": other_back_offices,
        },
        status=403,
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A ``handler403`` for the whole site (config/urls.py)."""
    return permission_denied_page(request)


def _guard(view: ViewFunction, *, module: str | None, admin: bool) -> ViewFunction:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        municipality = getattr(request, "municipality", None)
        membership = backoffice_membership(user=request.user, municipality=municipality)
        reason = access_denial(
            membership=membership, municipality=municipality, module=module, admin=admin
        )
        if reason is not None:
            return permission_denied_page(request, reason=reason, module=module)
        assert membership is not None  # access_denial refuses a missing one
        as_city_request(request).membership = membership
        return view(request, *args, **kwargs)

    # Which module guards the view, for tests that walk every route.
    wrapped.staff_module = module  # type: ignore[attr-defined]
    return cast(ViewFunction, wrapped)


def staff_required(module: str | None = None) -> Callable[[ViewFunction], ViewFunction]:
    """Decorator: the view needs a membership here and, if given, access to ``module``.

    Sets ``request.membership``. Anonymous visitors are sent to the login page.
    """

    def decorator(view: ViewFunction) -> ViewFunction:
        return _guard(view, module=module, admin=False)

    return decorator


def admin_required(view: ViewFunction) -> ViewFunction:
    """Decorator: the view needs the administrator role in this municipality."""
    return _guard(view, module=None, admin=True)


class StaffRequiredMixin:
    """The same check for class-based views: set ``required_module`` or ``admin_only``."""

    required_module: str | None = None
    admin_only: bool = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        parent_dispatch = super().dispatch  # type: ignore[misc]
        guarded = _guard(parent_dispatch, module=self.required_module, admin=self.admin_only)
        response: HttpResponse = guarded(request, *args, **kwargs)
        return response
