"""Reads of the NGO registry: the public directory (verified organisations only), a
person's own registrations, the staff queue, and an organisation's links to the plans
module, resolved through ``core.links`` (participation never imports plans)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from digiplace.core import links

from ..models import (
    Organisation,
    OrganisationField,
    OrganisationLink,
    OrganisationLinkKind,
    OrganisationStatus,
)

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User

# The core.links kind each link kind points at.
LINK_TARGET_KINDS: dict[str, str] = {
    OrganisationLinkKind.WORKING_GROUP: "plans.working_group",
    OrganisationLinkKind.LOCAL_ACTOR: "plans.project",
}


@dataclass(frozen=True)
class OrganisationFilters:
    """The directory's filters: a field of activity and words in the name or description."""

    field: str = ""
    text: str = ""

    @property
    def is_filtered(self) -> bool:
        return bool(self.field or self.text)


@dataclass(frozen=True)
class ResolvedLink:
    """A link of an organisation with the record it points at (None when that is gone or
    the module that owns it is not installed)."""

    link: OrganisationLink
    target: links.LinkTarget | None


def organisation_directory(
    *, municipality: Municipality, filters: OrganisationFilters
) -> QuerySet[Organisation]:
    """The city's verified organisations matching ``filters``, by name."""
    found = Organisation.objects.filter(
        municipality=municipality, status=OrganisationStatus.VERIFIED
    )
    if filters.field:
        found = found.filter(field=filters.field)
    for word in filters.text.split():
        found = found.filter(Q(name__icontains=word) | Q(description__icontains=word))
    return found.order_by("name", "pk")


def organisation_field_counts(*, municipality: Municipality, text: str = "") -> dict[str, int]:
    """How many verified organisations of the city each field of activity has (the text
    filter applied, the field filter not: the counts say what each choice would show)."""
    found = organisation_directory(
        municipality=municipality, filters=OrganisationFilters(text=text)
    ).order_by()
    counts = {
        row["field"]: row["count"] for row in found.values("field").annotate(count=Count("pk"))
    }
    return {code: counts.get(code, 0) for code in OrganisationField.values}


def organisation_public_get(*, municipality: Municipality, pk: int) -> Organisation | None:
    """A verified organisation of the city, or None (pending and rejected ones are not
    public)."""
    return Organisation.objects.filter(
        municipality=municipality, status=OrganisationStatus.VERIFIED, pk=pk
    ).first()


def organisation_list_mine(*, municipality: Municipality, user: User) -> QuerySet[Organisation]:
    """The organisations ``user`` registered in the city, newest first."""
    return Organisation.objects.filter(municipality=municipality, created_by=user).order_by(
        "-created_at", "-pk"
    )


def organisation_queue(
    *, municipality: Municipality, status: str = OrganisationStatus.PENDING
) -> QuerySet[Organisation]:
    """Staff: the city's organisations in ``status`` (oldest waiting first); every status
    when ``status`` is empty."""
    found = Organisation.objects.filter(municipality=municipality).select_related("created_by")
    if status:
        found = found.filter(status=status)
    return found.order_by("created_at", "pk")


def organisation_status_counts(*, municipality: Municipality) -> dict[str, int]:
    rows = (
        Organisation.objects.filter(municipality=municipality)
        .values("status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts = {row["status"]: row["count"] for row in rows}
    return {code: counts.get(code, 0) for code in OrganisationStatus.values}


def organisation_get(*, municipality: Municipality, pk: int) -> Organisation | None:
    """Staff: any organisation of the city, whatever its status."""
    return (
        Organisation.objects.filter(municipality=municipality, pk=pk)
        .select_related("created_by", "verified_by")
        .first()
    )


def organisation_links(*, organisation: Organisation) -> list[ResolvedLink]:
    """The organisation's links with their targets, resolved in one call per kind."""
    found = list(organisation.links.order_by("kind", "target_ref"))
    targets = links.targets_resolve(
        municipality=organisation.municipality, refs=[link.target_ref for link in found]
    )
    return [ResolvedLink(link=link, target=targets.get(link.target_ref)) for link in found]


def organisation_public_links(
    *, organisation: Organisation
) -> tuple[list[links.LinkTarget], list[links.LinkTarget]]:
    """(working groups, plan projects as local actor) that still exist, by title."""
    groups: list[links.LinkTarget] = []
    projects: list[links.LinkTarget] = []
    for resolved in organisation_links(organisation=organisation):
        if resolved.target is None:
            continue
        if resolved.link.kind == OrganisationLinkKind.WORKING_GROUP:
            groups.append(resolved.target)
        else:
            projects.append(resolved.target)
    return sorted(groups, key=lambda target: target.title), sorted(
        projects, key=lambda target: target.title
    )


def organisation_link_get(*, organisation: Organisation, pk: int) -> OrganisationLink | None:
    return organisation.links.filter(pk=pk).first()


def link_choices(*, municipality: Municipality, kind: str) -> list[links.LinkTarget]:
    """The records an organisation may be linked to with ``kind`` (an OrganisationLinkKind)."""
    target_kind = LINK_TARGET_KINDS.get(kind)
    if target_kind is None:
        return []
    return links.target_choices(municipality=municipality, kind=target_kind)


def link_kind_label(kind: str) -> str:
    """What the plans module calls the target kind, else the link kind's own label."""
    registered = links.kind_get(LINK_TARGET_KINDS.get(kind, ""))
    if registered is not None:
        return str(registered.label)
    return str(OrganisationLinkKind(kind).label)
