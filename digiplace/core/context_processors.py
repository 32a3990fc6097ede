from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import lazy

from . import modules, selectors
from .cache_versions import CORE, cache_versions
from .page_cache import CSRF_PLACEHOLDER


def _versions_key(municipality_id: int | None) -> str:
    codes = [CORE, *sorted(spec.code for spec in modules.all_modules())]
    return "-".join(cache_versions(municipality_id, codes).values())


def platform(request: HttpRequest) -> dict[str, Any]:
    municipality = getattr(request, "municipality", None)
    user = getattr(request, "user", None)
    membership = None
    unread = 0
    if municipality is not None and user is not None and user.is_authenticated:
        membership = selectors.membership_for(user=user, municipality=municipality)
    if user is not None and user.is_authenticated:
        unread = selectors.notification_unread_count(user=user)
    context: dict[str, Any] = {
        "municipality": municipality,
        "membership": membership,
        "unread_notifications": unread,
        "nav_modules": [spec for spec in modules.all_modules() if spec.public_url_name],
        "page_languages": selectors.languages_available(municipality=municipality),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        # For fragment caches ({% cache %}): moves with any write the city's pages show.
        "page_cache_versions": lazy(_versions_key, str)(
            municipality.pk if municipality is not None else None
        ),
    }
    if getattr(request, "page_cache_placeholder", False):
        # The page may go into the shared cache: no visitor's token in it (page_cache).
        context["csrf_token"] = CSRF_PLACEHOLDER
    return context
