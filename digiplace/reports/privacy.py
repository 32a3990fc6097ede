"""What the reports module holds about a person, for the data export and erasure."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from digiplace.core.personal_data import PersonalDataProvider

from .models import AbuseFlag, NeighbourhoodSubscription, Report, Supporter


def _own_reports(user: Any) -> Any:
    return Report.objects.filter(Q(reporter=user) | Q(reporter_email__iexact=user.email))


def _export(user: Any) -> dict[str, Any]:
    return {
        "reports": list(
            _own_reports(user)
            .order_by("created_at", "id")
            .values(
                "id",
                "municipality__slug",
                "category__service_code",
                "status",
                "description",
                "latitude",
                "longitude",
                "address",
                "attributes",
                "reporter_name",
                "reporter_email",
                "reporter_phone",
                "is_anonymous",
                "locale",
                "created_at",
                "updated_at",
                "closed_at",
            )
        ),
        "supports": list(
            Supporter.objects.filter(Q(user=user) | Q(email__iexact=user.email))
            .order_by("created_at", "id")
            .values("report_id", "email", "created_at")
        ),
        "neighbourhood_subscriptions": list(
            NeighbourhoodSubscription.objects.filter(user=user)
            .order_by("created_at", "id")
            .values("neighbourhood__municipality__slug", "neighbourhood__slug", "created_at")
        ),
        "abuse_flags": list(
            AbuseFlag.objects.filter(flagged_by=user)
            .order_by("created_at", "id")
            .values("report_id", "reason", "created_at")
        ),
    }


def _erase(user: Any) -> None:
    # The problem stays public for the city to fix; who reported it is forgotten, and the
    # address they reported from (personal data too) with it.
    _own_reports(user).update(
        reporter=None,
        reporter_name="",
        reporter_email="",
        reporter_phone="",
        is_anonymous=True,
        source_address=None,
        device_id="",
    )
    Supporter.objects.filter(Q(user=user) | Q(email__iexact=user.email)).delete()
    NeighbourhoodSubscription.objects.filter(user=user).delete()
    AbuseFlag.objects.filter(flagged_by=user).update(flagged_by=None)


provider = PersonalDataProvider("reports", _export, _erase)
