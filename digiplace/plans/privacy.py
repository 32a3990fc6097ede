"""What the plans module holds about a person, for the data export and erasure."""

from __future__ import annotations

from typing import Any

from digiplace.core.personal_data import PersonalDataProvider

from .models import ChangeRecord, ExpressionOfInterest, Measurement


def _export(user: Any) -> dict[str, Any]:
    interests = ExpressionOfInterest.objects.filter(
        user=user
    ) | ExpressionOfInterest.objects.filter(email__iexact=user.email)
    return {
        "expressions_of_interest": list(
            interests.values(
                "plan__key",
                "project__key",
                "pillar__key",
                "name",
                "organisation",
                "email",
                "motivation",
                "status",
                "created_at",
            )
        ),
        "measurements_entered": Measurement.objects.filter(entered_by=user).count(),
    }


def _erase(user: Any) -> None:
    # Expressions of interest are the person's own words: removed. Staff entries keep the
    # value and lose the name of who entered it.
    ExpressionOfInterest.objects.filter(user=user).delete()
    ExpressionOfInterest.objects.filter(email__iexact=user.email).delete()
    ExpressionOfInterest.objects.filter(decided_by=user).update(decided_by=None)
    Measurement.objects.filter(entered_by=user).update(entered_by=None)
    ChangeRecord.objects.filter(changed_by=user).update(changed_by=None)


provider = PersonalDataProvider("plans", _export, _erase)
