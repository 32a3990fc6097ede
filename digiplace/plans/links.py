"""What other modules may link to in a city's plan (``core.links``): its projects, its
working groups and, as the place for a new project, its pillars.

References: "plans.project:<plan key>/<project key>", "plans.working_group:<plan key>/<group
key>", "plans.pillar:<plan key>/<pillar key>". Only published plans are offered and
resolved, so every target's page exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digiplace.core import links
from digiplace.core.links import LinkKind, LinkTarget

from .models import Pillar, Project, WorkingGroup

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User

PROJECT = "plans.project"
WORKING_GROUP = "plans.working_group"
PILLAR = "plans.pillar"

_M = TypeVar("_M", bound=Model)


def key_make(plan_key: str, key: str) -> str:
    return f"{plan_key}/{key}"


def key_split(key: str) -> tuple[str, str] | None:
    """("plan", "P1") from "plan/P1"; None when either part is missing."""
    plan_key, sep, record_key = key.partition("/")
    return (plan_key, record_key) if sep and plan_key and record_key else None


def _published(queryset: QuerySet[_M], municipality: Municipality) -> QuerySet[_M]:
    return queryset.filter(municipality=municipality, plan__is_published=True)


def _keys_filter(kind: str, refs: Iterable[str]) -> tuple[Q, dict[tuple[str, str], str]]:
    """A filter matching the records of ``refs`` of ``kind``, and each (plan, key) → ref."""
    wanted: dict[tuple[str, str], str] = {}
    for ref in refs:
        if links.ref_kind(ref) != kind:
            continue
        split = key_split(links.ref_key(ref))
        if split is not None:
            wanted[split] = ref
    by_plan: dict[str, list[str]] = {}
    for plan_key, record_key in wanted:
        by_plan.setdefault(plan_key, []).append(record_key)
    match = Q(pk__in=[])
    for plan_key, keys in by_plan.items():
        match |= Q(plan__key=plan_key, key__in=keys)
    return match, wanted


# --- Projects ---------------------------------------------------------------------------


def _project_target(project: Project) -> LinkTarget:
    plan_key = project.plan.key
    return LinkTarget(
        ref=links.ref_make(PROJECT, key_make(plan_key, project.key)),
        title=project.title,
        url=reverse("plans:project_detail", args=[plan_key, project.key]),
    )


def _projects(municipality: Municipality) -> QuerySet[Project]:
    return (
        _published(Project.objects.all(), municipality)
        .select_related("plan")
        .order_by("plan__key", "pillar__position", "position", "pk")
    )


def project_choices(municipality: Municipality) -> list[LinkTarget]:
    return [_project_target(project) for project in _projects(municipality)]


def project_resolve(municipality: Municipality, refs: Sequence[str]) -> dict[str, LinkTarget]:
    match, wanted = _keys_filter(PROJECT, refs)
    if not wanted:
        return {}
    found = {}
    for project in _projects(municipality).filter(match):
        ref = wanted.get((project.plan.key, project.key))
        if ref is not None:
            found[ref] = _project_target(project)
    return found


def project_create(
    *,
    municipality: Municipality,
    title: str,
    description: str,
    actor: User,
    source_url: str,
    parent: str,
) -> LinkTarget:
    """A new project of the plan in the pillar ``parent`` ("plans.pillar:<plan>/<pillar>")."""
    from .services import project_create_from_proposal

    pillar = next(iter(_pillars_resolved(municipality, [parent]).values()), None)
    if pillar is None:
        raise ValidationError({"parent": _("Choose a pillar of a published plan of the city.")})
    project = project_create_from_proposal(
        actor=actor, pillar=pillar, title=title, description=description, source_url=source_url
    )
    return _project_target(project)


# --- Working groups ---------------------------------------------------------------------


def working_group_url(group: WorkingGroup) -> str:
    """Where the plan shows the group: its project's or pillar's page, else the plan's."""
    plan_key = group.plan.key
    if group.project is not None:
        path = reverse("plans:project_detail", args=[plan_key, group.project.key])
        return f"{path}#working-group"
    if group.pillar is not None:
        path = reverse("plans:pillar_detail", args=[plan_key, group.pillar.key])
        return f"{path}#working-group"
    return f"{reverse('plans:plan_detail', args=[plan_key])}#governance"


def _group_target(group: WorkingGroup) -> LinkTarget:
    return LinkTarget(
        ref=links.ref_make(WORKING_GROUP, key_make(group.plan.key, group.key)),
        title=group.name,
        url=working_group_url(group),
    )


def _groups(municipality: Municipality) -> QuerySet[WorkingGroup]:
    return (
        _published(WorkingGroup.objects.all(), municipality)
        .select_related("plan", "project", "pillar")
        .order_by("plan__key", "key")
    )


def working_group_choices(municipality: Municipality) -> list[LinkTarget]:
    return [_group_target(group) for group in _groups(municipality)]


def working_group_resolve(municipality: Municipality, refs: Sequence[str]) -> dict[str, LinkTarget]:
    match, wanted = _keys_filter(WORKING_GROUP, refs)
    if not wanted:
        return {}
    found = {}
    for group in _groups(municipality).filter(match):
        ref = wanted.get((group.plan.key, group.key))
        if ref is not None:
            found[ref] = _group_target(group)
    return found


# --- Pillars (the place of a new project) -----------------------------------------------


def _pillar_target(pillar: Pillar) -> LinkTarget:
    plan_key = pillar.plan.key
    return LinkTarget(
        ref=links.ref_make(PILLAR, key_make(plan_key, pillar.key)),
        title=f"{pillar.plan.title} — {pillar.title}",
        url=reverse("plans:pillar_detail", args=[plan_key, pillar.key]),
    )


def _pillars(municipality: Municipality) -> QuerySet[Pillar]:
    return (
        _published(Pillar.objects.all(), municipality)
        .select_related("plan")
        .order_by("plan__key", "position", "pk")
    )


def _pillars_resolved(municipality: Municipality, refs: Sequence[str]) -> dict[str, Pillar]:
    match, wanted = _keys_filter(PILLAR, refs)
    if not wanted:
        return {}
    found = {}
    for pillar in _pillars(municipality).filter(match):
        ref = wanted.get((pillar.plan.key, pillar.key))
        if ref is not None:
            found[ref] = pillar
    return found


def pillar_choices(municipality: Municipality) -> list[LinkTarget]:
    return [_pillar_target(pillar) for pillar in _pillars(municipality)]


def pillar_resolve(municipality: Municipality, refs: Sequence[str]) -> Mapping[str, LinkTarget]:
    return {
        ref: _pillar_target(pillar) for ref, pillar in _pillars_resolved(municipality, refs).items()
    }


def register() -> None:
    links.kind_register(
        LinkKind(
            code=PROJECT,
            label=gettext_lazy("Plan project"),
            choices=project_choices,
            resolve=project_resolve,
            create=project_create,
        )
    )
    links.kind_register(
        LinkKind(
            code=WORKING_GROUP,
            label=gettext_lazy("Working group of the plan"),
            choices=working_group_choices,
            resolve=working_group_resolve,
        )
    )
    links.kind_register(
        LinkKind(
            code=PILLAR,
            label=gettext_lazy("Pillar of the plan"),
            choices=pillar_choices,
            resolve=pillar_resolve,
        )
    )
