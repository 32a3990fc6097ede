"""Reads of NGSI-LD subscriptions: one by its id, a city's in pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import Subscription

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


def subscription_get(*, municipality: Municipality, subscription_id: str) -> Subscription | None:
    return Subscription.objects.filter(
        municipality=municipality, subscription_id=subscription_id
    ).first()


def subscriptions_page(
    *, municipality: Municipality, offset: int, limit: int, with_count: bool = False
) -> tuple[list[Subscription], int | None]:
    """The city's subscriptions in creation order, ``limit`` from ``offset``; with their
    total count when asked."""
    rows = Subscription.objects.filter(municipality=municipality).order_by("created_at", "pk")
    page = list(rows[offset : offset + limit]) if limit else []
    return page, (rows.count() if with_count else None)
