"""Reads of the proposals component: one selector with typed filters for the public list,
the staff queue and the map; a proposal's comments as threads; the moderators' queue.

Public reads never return hidden proposals or comments, nor proposals of unpublished
processes; nothing here returns an author's email.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from digiplace.core.models import Municipality, User

from ..models import (
    BudgetZone,
    ContentFlag,
    FlagTarget,
    ForumQuestion,
    Process,
    Proposal,
    ProposalCategory,
    ProposalComment,
    ProposalSupport,
)

SORT_NEWEST = "newest"
SORT_SUPPORTED = "supported"
SORTS = (SORT_NEWEST, SORT_SUPPORTED)
# The most located proposals a list's map shows (newest first).
MAP_POINTS_LIMIT = 500


@dataclass(frozen=True)
class ProposalFilters:
    """What a list asks for; ``None`` and empty mean "any"."""

    process_id: int | None = None
    category_id: int | None = None
    statuses: tuple[str, ...] = ()
    sort: str = SORT_NEWEST
    # Staff only: hidden proposals too, and only those with open flags.
    include_hidden: bool = False
    flagged_only: bool = False


def _open_flags(target: str) -> QuerySet[ContentFlag]:
    return ContentFlag.objects.filter(target=target, target_id=OuterRef("pk"), is_resolved=False)


def proposal_search(*, municipality: Municipality, filters: ProposalFilters) -> QuerySet[Proposal]:
    """The city's proposals matching ``filters``, in the chosen order, with their process
    and category joined (one query per page)."""
    proposals = Proposal.objects.filter(municipality=municipality).select_related(
        "process", "category"
    )
    if not filters.include_hidden:
        proposals = proposals.filter(is_hidden=False, process__is_published=True)
    if filters.process_id is not None:
        proposals = proposals.filter(process_id=filters.process_id)
    if filters.category_id is not None:
        proposals = proposals.filter(category_id=filters.category_id)
    if filters.statuses:
        proposals = proposals.filter(status__in=filters.statuses)
    if filters.flagged_only:
        proposals = proposals.filter(Exists(_open_flags(FlagTarget.PROPOSAL)))
    if filters.sort == SORT_SUPPORTED:
        return proposals.order_by("-support_count", "-created_at", "-pk")
    return proposals.order_by("-created_at", "-pk")


def proposal_map_points(
    *, municipality: Municipality, filters: ProposalFilters
) -> list[tuple[int, str, float, float]]:
    """(id, title, latitude, longitude) of the located proposals among ``filters``'s,
    newest first, at most MAP_POINTS_LIMIT."""
    rows = (
        proposal_search(municipality=municipality, filters=filters)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("-created_at", "-pk")
        .values_list("pk", "title", "latitude", "longitude")[:MAP_POINTS_LIMIT]
    )
    return [
        (pk, title, latitude, longitude)
        for pk, title, latitude, longitude in rows
        if latitude is not None and longitude is not None
    ]


def proposal_public_get(*, municipality: Municipality, pk: int) -> Proposal | None:
    """The visible proposal ``pk`` of the city (not hidden, its process published)."""
    return (
        Proposal.objects.filter(
            municipality=municipality, pk=pk, is_hidden=False, process__is_published=True
        )
        .select_related("process", "category", "author", "budget_project__budget_zone")
        .first()
    )


def proposal_processes(*, municipality: Municipality) -> list[Process]:
    """Published processes of the city that take or took proposals, newest first."""
    return list(
        Process.objects.filter(municipality=municipality, is_published=True)
        .filter(Q(proposals_enabled=True) | Q(proposals__isnull=False))
        .distinct()
    )


def proposal_processes_open(*, municipality: Municipality) -> list[Process]:
    """The city's processes that take proposals now."""
    candidates = Process.objects.filter(
        municipality=municipality, is_published=True, proposals_enabled=True
    )
    return [process for process in candidates if process.proposals_open()]


def proposal_categories(*, municipality: Municipality) -> list[ProposalCategory]:
    return list(ProposalCategory.objects.filter(municipality=municipality))


def proposal_supported_by(*, proposal: Proposal, user: User | None) -> bool:
    if user is None:
        return False
    return ProposalSupport.objects.filter(proposal=proposal, user=user).exists()


def author_label(user: User | None) -> str:
    """How an author is named on public pages: first name and the initial of the last
    ("Ana P."), never the email; empty when the account has no name."""
    if user is None or not user.full_name.strip():
        return ""
    parts = user.full_name.split()
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} {parts[-1][0]}."


@dataclass
class CommentEntry:
    """A comment as a thread shows it: ``is_reply`` indents it one level; ``reply_to`` names
    the author it answers when it answers a reply (deeper replies are flattened)."""

    comment: ProposalComment
    author: str
    is_reply: bool = False
    reply_to: str = ""


@dataclass
class CommentThread:
    root: CommentEntry
    replies: list[CommentEntry] = field(default_factory=list)


def comment_threads(*, proposal: Proposal, include_hidden: bool = False) -> list[CommentThread]:
    """The proposal's comments as threads in order of time: each top-level comment with
    every reply beneath it, however deep, one level indented. A hidden comment is left out
    publicly, with the replies under it (they answer what nobody can read)."""
    comments = list(
        ProposalComment.objects.filter(proposal=proposal)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    by_id = {comment.pk: comment for comment in comments}

    def root_of(comment: ProposalComment) -> ProposalComment:
        seen = {comment.pk}
        while comment.parent_id is not None and comment.parent_id in by_id:
            comment = by_id[comment.parent_id]
            if comment.pk in seen:  # a loop cannot be written, but never spin on one
                break
            seen.add(comment.pk)
        return comment

    def is_shown(comment: ProposalComment) -> bool:
        if include_hidden:
            return True
        current: ProposalComment | None = comment
        while current is not None:
            if current.is_hidden:
                return False
            current = by_id.get(current.parent_id) if current.parent_id else None
        return True

    threads: dict[int, CommentThread] = {}
    for comment in comments:
        if not is_shown(comment):
            continue
        author = author_label(comment.author)
        root = root_of(comment)
        if root.pk == comment.pk:
            threads[comment.pk] = CommentThread(root=CommentEntry(comment=comment, author=author))
            continue
        thread = threads.get(root.pk)
        if thread is None:
            continue
        parent = by_id.get(comment.parent_id or 0)
        reply_to = ""
        if parent is not None and parent.pk != root.pk:
            reply_to = author_label(parent.author)
        thread.replies.append(
            CommentEntry(comment=comment, author=author, is_reply=True, reply_to=reply_to)
        )
    return list(threads.values())


def comment_public_get(*, proposal: Proposal, pk: int) -> ProposalComment | None:
    """A visible comment of the proposal (not hidden)."""
    return ProposalComment.objects.filter(proposal=proposal, pk=pk, is_hidden=False).first()


def flag_exists(*, target: str, target_id: int, user: User) -> bool:
    return ContentFlag.objects.filter(target=target, target_id=target_id, flagged_by=user).exists()


def moderation_flags(*, municipality: Municipality) -> list[ContentFlag]:
    """The city's open flags, newest first."""
    return list(
        ContentFlag.objects.filter(municipality=municipality, is_resolved=False).order_by(
            "-created_at", "-pk"
        )
    )


def flag_targets(
    *, municipality: Municipality, flags: Sequence[ContentFlag]
) -> dict[tuple[str, int], Any]:
    """The records the flags are about, by (target, id): one query per kind."""
    wanted: dict[str, set[int]] = {}
    for flag in flags:
        wanted.setdefault(flag.target, set()).add(flag.target_id)
    found: dict[tuple[str, int], Any] = {}
    if wanted.get(FlagTarget.PROPOSAL):
        for proposal in Proposal.objects.filter(
            municipality=municipality, pk__in=wanted[FlagTarget.PROPOSAL]
        ):
            found[(FlagTarget.PROPOSAL, proposal.pk)] = proposal
    if wanted.get(FlagTarget.COMMENT):
        for comment in ProposalComment.objects.filter(
            municipality=municipality, pk__in=wanted[FlagTarget.COMMENT]
        ).select_related("proposal"):
            found[(FlagTarget.COMMENT, comment.pk)] = comment
    if wanted.get(FlagTarget.QUESTION):
        for question in ForumQuestion.objects.filter(
            municipality=municipality, pk__in=wanted[FlagTarget.QUESTION]
        ).select_related("meeting"):
            found[(FlagTarget.QUESTION, question.pk)] = question
    return found


def budget_zones_open(*, municipality: Municipality) -> list[BudgetZone]:
    """Zones of the city's budgets that take projects now (a converted proposal goes to
    one of them)."""
    zones = BudgetZone.objects.filter(municipality=municipality).select_related("budget", "zone")
    return [zone for zone in zones if zone.budget.submission_open()]
