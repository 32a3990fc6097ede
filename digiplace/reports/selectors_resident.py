"""Reads of a resident's own reports and supports ("My reports", "My supports", "me too")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Max, Q, QuerySet

from .models import Report, Supporter

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User


def report_list_mine(*, user: User, municipality: Municipality) -> QuerySet[Report]:
    """The person's reports in this city, the last changed first, with the time of their
    last public update; hidden ones too (their reporter sees them, marked hidden)."""
    return (
        Report.objects.filter(municipality=municipality, reporter=user)
        .select_related("category", "neighbourhood")
        .annotate(last_public_update=Max("updates__created_at", filter=Q(updates__is_public=True)))
        .order_by("-updated_at", "-id")
    )


def support_list_mine(*, user: User, municipality: Municipality) -> QuerySet[Supporter]:
    """The reports the person supports in this city (confirmed, visible), last changed first."""
    return (
        Supporter.objects.filter(
            Q(user=user) | Q(email=user.email.lower()),
            municipality=municipality,
            confirmed_at__isnull=False,
            report__is_hidden=False,
        )
        .select_related("report", "report__category", "report__neighbourhood")
        .order_by("-report__updated_at", "-report_id")
    )


def supporter_for(
    *, report: Report, user: User | None, supporter_ids: Iterable[int] = ()
) -> Supporter | None:
    """The confirmed supporter of ``report`` that is this visitor: the signed-in person's
    (by account or address), else one whose id the visitor's signed cookie holds."""
    supporters = Supporter.objects.filter(report=report, confirmed_at__isnull=False)
    if user is not None:
        return supporters.filter(Q(user=user) | Q(email=user.email.lower())).first()
    ids = [value for value in supporter_ids if isinstance(value, int)]
    return supporters.filter(pk__in=ids).first() if ids else None
