"""The projects the city's home map shows: those of its published plans that have a place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse

from digiplace.core.modules import MapPlace

from .models import Project
from .selectors import plan_list, status_label

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

HOME_MAP_PROJECTS = 10


def home_map_places(municipality: Municipality) -> list[MapPlace]:
    projects = (
        Project.objects.filter(
            plan__in=plan_list(municipality=municipality),
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .select_related("plan")
        # Only what a place shows: the home page reads these after every change of a module.
        .only(
            "key",
            *(f"title_{code}" for code, _name in settings.LANGUAGES),
            "status",
            "latitude",
            "longitude",
            "plan__key",
        )
        .order_by("plan__key", "key")[:HOME_MAP_PROJECTS]
    )
    return [
        MapPlace(
            title=project.title,
            url=reverse("plans:project_detail", args=[project.plan.key, project.key]),
            latitude=project.latitude,
            longitude=project.longitude,
            description=str(status_label(project.status) or ""),
        )
        for project in projects
        if project.latitude is not None and project.longitude is not None
    ]
