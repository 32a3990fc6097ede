"""What participation records point at in other modules, for their pages' backlinks
(``core.links``): a plan project lists the processes that serve it, the proposals that
became it and the organisations named as its local actors; a plan's working group lists
its member organisations. Only what the public may see is listed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from digiplace.core import links
from digiplace.core.cache_versions import cache_version
from digiplace.core.links import Backlink

from .models import (
    OrganisationLink,
    OrganisationLinkKind,
    OrganisationStatus,
    Process,
    Proposal,
)

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

PLAN_PROJECT = "plans.project"
PLAN_WORKING_GROUP = "plans.working_group"
_KINDS = (PLAN_PROJECT, PLAN_WORKING_GROUP)

# (label kind, title, url) per reference; the labels are translated when shown.
_Rows = dict[str, list[tuple[str, str, str]]]

LABELS = {
    "process": _("Participatory process"),
    "proposal": _("Proposal"),
    "local_actor": _("Local actor"),
    "member": _("Member organisation"),
}


def _rows(municipality: Municipality) -> _Rows:
    """Every backlink of the city, by reference: four queries once per change."""
    rows: _Rows = {}
    processes = Process.objects.filter(
        municipality=municipality, is_published=True, plan_project_ref__startswith=PLAN_PROJECT
    ).order_by("-created_at", "pk")
    for process in processes:
        url = reverse("participation:process_detail", kwargs={"slug": process.slug})
        rows.setdefault(process.plan_project_ref, []).append(("process", process.title, url))
    proposals = Proposal.objects.filter(
        municipality=municipality,
        is_hidden=False,
        process__is_published=True,
        plan_project_ref__startswith=PLAN_PROJECT,
    ).order_by("-created_at", "pk")
    for proposal in proposals:
        url = reverse("participation:proposal_detail", kwargs={"pk": proposal.pk})
        rows.setdefault(proposal.plan_project_ref, []).append(("proposal", proposal.title, url))
    organisation_links = (
        OrganisationLink.objects.filter(
            municipality=municipality, organisation__status=OrganisationStatus.VERIFIED
        )
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    for link in organisation_links:
        if link.kind == OrganisationLinkKind.LOCAL_ACTOR:
            label = "local_actor"
        elif link.kind == OrganisationLinkKind.WORKING_GROUP:
            label = "member"
        else:
            continue
        url = reverse("participation:organisation_detail", kwargs={"pk": link.organisation.pk})
        rows.setdefault(link.target_ref, []).append((label, link.organisation.name, url))
    return rows


def _rows_cached(municipality: Municipality) -> _Rows:
    version = cache_version(municipality.pk, "participation")
    key = f"participation:backlinks:{municipality.pk}:{translation.get_language()}:{version}"
    cached = cache.get(key)
    if isinstance(cached, dict):
        return cached
    rows = _rows(municipality)
    cache.set(key, rows)
    return rows


def backlinks(municipality: Municipality, ref: str) -> list[Backlink]:
    if links.ref_kind(ref) not in _KINDS:
        return []
    return [
        Backlink(label=LABELS[label], title=title, url=url)
        for label, title, url in _rows_cached(municipality).get(ref, [])
    ]


def register() -> None:
    links.backlink_register(backlinks)
