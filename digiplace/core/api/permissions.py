"""DRF permission classes over the same membership check as the back-office pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ..http import as_city_request
from ..permissions import access_denial, backoffice_membership

DENIAL_MESSAGES = {
    "platform_host": _("Staff endpoints answer on a municipality's own host name."),
    "no_membership": _("You are not on the staff of this municipality."),
    "not_admin": _("Only administrators of this municipality may do this."),
    "no_module": _("Your role does not include this module."),
}


class _MembershipPermission(BasePermission):
    admin = False
    module: str | None = None

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False  # DRF answers 401 or 403 for anonymous requests
        municipality = getattr(request, "municipality", None)
        membership = backoffice_membership(user=request.user, municipality=municipality)
        reason = access_denial(
            membership=membership, municipality=municipality, module=self.module, admin=self.admin
        )
        if reason is not None:
            self.message = DENIAL_MESSAGES[reason]
            return False
        assert membership is not None  # access_denial refuses a missing one
        as_city_request(request).membership = membership
        return True


class IsMunicipalityStaff(_MembershipPermission):
    """An active staff member (or administrator) of the request's municipality."""


class IsMunicipalityAdmin(_MembershipPermission):
    """An administrator of the request's municipality, or a platform administrator."""

    admin = True


def module_staff_permission(module: str) -> type[BasePermission]:
    """A permission class for staff who may use ``module``: ``module_staff_permission("plans")``."""
    return type(f"IsMunicipalityStaff_{module}", (_MembershipPermission,), {"module": module})
