"""The plans' public pages for the city's sitemap (core/sitemaps.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import selectors
from .models import Project

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# Pages of a plan that take only the plan's key.
PLAN_PAGES = (
    "plans:plan_detail",
    "plans:project_list",
    "plans:status_overview",
    "plans:budget_dashboard",
    "plans:kpi_dashboard",
    "plans:report_list",
)


class PlanPagesSitemap(Sitemap[str]):
    """The plan list, and for every published plan its pages, pillars, objectives and
    projects: four queries whatever the size of the plans."""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality

    def items(self) -> list[str]:
        paths = [reverse("plans:plan_list")]
        plans = list(
            selectors.plan_list(municipality=self.municipality).prefetch_related(
                "pillars__objectives"
            )
        )
        project_keys: dict[int, list[str]] = {}
        for plan_id, key in Project.objects.filter(plan__in=plans).values_list("plan_id", "key"):
            project_keys.setdefault(plan_id, []).append(key)
        for plan in plans:
            plan_key = {"plan_key": plan.key}
            paths.extend(reverse(name, kwargs=plan_key) for name in PLAN_PAGES)
            for pillar in plan.pillars.all():
                pillar_key = {**plan_key, "pillar_key": pillar.key}
                paths.append(reverse("plans:pillar_detail", kwargs=pillar_key))
                paths.extend(
                    reverse(
                        "plans:objective_detail",
                        kwargs={**pillar_key, "objective_key": objective.key},
                    )
                    for objective in pillar.objectives.all()
                )
            paths.extend(
                reverse("plans:project_detail", kwargs={**plan_key, "project_key": key})
                for key in project_keys.get(plan.pk, [])
            )
        return paths

    def location(self, item: str) -> str:
        return item


def sitemaps(municipality: Municipality) -> dict[str, Sitemap[Any]]:
    return {"plans": PlanPagesSitemap(municipality)}
