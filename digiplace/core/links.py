"""Links between modules' records without imports between modules.

Modules may not import each other (import-linter's independence contract), yet a
participatory process serves a plan project, an accepted proposal becomes one, and an
NGO joins a plan's working group. A module that owns linkable records registers a
``LinkKind`` here (what can be linked, how a reference is shown, optionally how a new
record is made from another module's record); a module that points at them stores the
reference string (``"<kind code>:<key>"``, e.g. ``"plans.project:botosani-sud/P1"``).
The other way round, a module registers a backlink provider, so that the owner's page can
list what points at its record (a project page names its local actors).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext

if TYPE_CHECKING:
    from .models import Municipality, User


@dataclass(frozen=True)
class LinkTarget:
    """A record another module may point at: its reference, title and public path."""

    ref: str
    title: str
    url: str


class LinkCreate(Protocol):
    """Makes a new record of the kind from another module's record; returns its target.

    ``parent`` is a reference to where the new record goes (for "plans.project", a
    "plans.pillar:<plan>/<pillar>" reference from ``target_choices(kind="plans.pillar")``);
    ``source_url`` is the page of the record it comes from, kept in the new record so it
    links back. Bad input (an unknown parent, an empty title, an actor without the owning
    module) raises ``django.core.exceptions.ValidationError`` and writes nothing.
    """

    def __call__(
        self,
        *,
        municipality: Municipality,
        title: str,
        description: str,
        actor: User,
        source_url: str,
        parent: str,
    ) -> LinkTarget: ...


@dataclass(frozen=True)
class LinkKind:
    code: str
    label: str | Promise
    # Every record of the kind in the city that may be linked, for a staff form's choices.
    choices: Callable[[Municipality], Sequence[LinkTarget]]
    # The targets of the given references that still exist in the city (others are left out).
    resolve: Callable[[Municipality, Sequence[str]], Mapping[str, LinkTarget]]
    create: LinkCreate | None = None


@dataclass(frozen=True)
class Backlink:
    """Something of another module that points at a record: "Local actor: Asociația X"."""

    label: str | Promise
    title: str
    url: str


BacklinkProvider = Callable[["Municipality", str], Sequence[Backlink]]

_kinds: dict[str, LinkKind] = {}
_backlink_providers: list[BacklinkProvider] = []


def ref_make(kind: str, key: str) -> str:
    return f"{kind}:{key}"


def ref_kind(ref: str) -> str:
    """The kind code of a reference ("plans.project" for "plans.project:x/y"), or ""."""
    kind, sep, _key = ref.partition(":")
    return kind if sep else ""


def ref_key(ref: str) -> str:
    return ref.partition(":")[2]


def kind_register(kind: LinkKind) -> None:
    _kinds[kind.code] = kind


def kind_get(code: str) -> LinkKind | None:
    """The registered kind, or None when the module that owns it is not installed."""
    return _kinds.get(code)


def target_choices(*, municipality: Municipality, kind: str) -> list[LinkTarget]:
    found = _kinds.get(kind)
    return list(found.choices(municipality)) if found else []


def targets_resolve(*, municipality: Municipality, refs: Sequence[str]) -> dict[str, LinkTarget]:
    """The targets of ``refs`` that exist in the city, by reference; unknown kinds and
    records that are gone are left out (a page then shows no link rather than a 404)."""
    by_kind: dict[str, list[str]] = {}
    for ref in refs:
        if ref:
            by_kind.setdefault(ref_kind(ref), []).append(ref)
    found: dict[str, LinkTarget] = {}
    for code, kind_refs in by_kind.items():
        kind = _kinds.get(code)
        if kind is not None:
            found.update(kind.resolve(municipality, kind_refs))
    return found


def target_resolve(*, municipality: Municipality, ref: str) -> LinkTarget | None:
    return targets_resolve(municipality=municipality, refs=[ref]).get(ref) if ref else None


def target_create(
    *,
    kind: str,
    municipality: Municipality,
    title: str,
    description: str,
    actor: User,
    source_url: str,
    parent: str,
) -> LinkTarget:
    """A new record of ``kind`` made from another module's record (``LinkCreate``).

    Raises ``ValidationError`` when the kind is not installed or cannot make records.
    """
    found = _kinds.get(kind)
    if found is None or found.create is None:
        raise ValidationError(gettext("This kind of record cannot be created here."))
    return found.create(
        municipality=municipality,
        title=title,
        description=description,
        actor=actor,
        source_url=source_url,
        parent=parent,
    )


def backlink_register(provider: BacklinkProvider) -> None:
    if provider not in _backlink_providers:
        _backlink_providers.append(provider)


def backlinks(*, municipality: Municipality, ref: str) -> list[Backlink]:
    found: list[Backlink] = []
    for provider in _backlink_providers:
        found.extend(provider(municipality, ref))
    return found


def kinds_registered() -> list[LinkKind]:
    return list(_kinds.values())
