from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from . import modules, selectors


def platform(request: HttpRequest) -> dict[str, Any]:
    municipality = getattr(request, "municipality", None)
    user = getattr(request, "user", None)
    membership = None
    unread = 0
    if municipality is not None and user is not None and user.is_authenticated:
        membership = selectors.membership_for(user=user, municipality=municipality)
    if user is not None and user.is_authenticated:
        unread = selectors.notification_unread_count(user=user)
    return {
        "municipality": municipality,
        "membership": membership,
        "unread_notifications": unread,
        "nav_modules": [spec for spec in modules.all_modules() if spec.public_url_name],
        "page_languages": selectors.languages_available(municipality=municipality),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
