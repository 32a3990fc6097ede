"""API token authentication with an expiry (``API_TOKEN_TTL_DAYS``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .. import services


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, refused with 401 and ``WWW-Authenticate: Token`` once it is too old."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if services.api_token_is_expired(token=token):
            raise AuthenticationFailed(
                _("This token has expired. Ask /api/v1/auth/token/ for a new one.")
            )
        return user, token
