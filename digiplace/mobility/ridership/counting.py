"""The day's counts from its taps: the keyed hash of a card id, and boardings, distinct
riders and transfers per cell (pure: taps in, counts out)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

TRANSFER_WINDOW = datetime.timedelta(minutes=60)


def rider_hash(secret: bytes, card: str) -> str:
    """HMAC-SHA256 of the card or ticket id under the day's secret (64 hex digits): the same
    card gives the same hash within a day, and nothing links it to another day's hash or,
    without the secret, to the card."""
    return hmac.new(secret, card.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class TapFacts:
    """What counting needs of a tap."""

    rider: str
    tapped_at: datetime.datetime
    stop_id: int | None
    route_id: int | None
    trip_id: int | None
    # The local hour of the day (0–23).
    hour: int


@dataclass
class Tally:
    boardings: int = 0
    transfers: int = 0
    riders: set[str] = field(default_factory=set)

    def add(self, fact: TapFacts, *, transfer: bool) -> None:
        self.boardings += 1
        self.transfers += int(transfer)
        self.riders.add(fact.rider)


def transfers_mark(taps: Iterable[TapFacts]) -> list[tuple[TapFacts, bool]]:
    """Each tap in time order, with whether it is a transfer: the same rider's previous
    boarding was at most 60 minutes earlier."""
    ordered = sorted(taps, key=lambda fact: (fact.tapped_at, fact.rider))
    previous: dict[str, datetime.datetime] = {}
    marked: list[tuple[TapFacts, bool]] = []
    for fact in ordered:
        last = previous.get(fact.rider)
        marked.append((fact, last is not None and fact.tapped_at - last <= TRANSFER_WINDOW))
        previous[fact.rider] = fact.tapped_at
    return marked


def tally(
    marked: Iterable[tuple[TapFacts, bool]],
    key: Callable[[TapFacts], Hashable | None],
) -> dict[Hashable, Tally]:
    """Counts per ``key`` (taps whose key is None are left out)."""
    tallies: dict[Hashable, Tally] = defaultdict(Tally)
    for fact, transfer in marked:
        cell = key(fact)
        if cell is not None:
            tallies[cell].add(fact, transfer=transfer)
    return dict(tallies)
