"""The report rate limit serialises on every name its count depends on, in one call."""

from __future__ import annotations

import pytest
from django.db import transaction

from digiplace.core import ratelimit
from digiplace.core.models import User
from digiplace.reports.services import rate_limits


@pytest.fixture
def lock_requests(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Record each call of serialise_on, and still take the real locks."""
    calls: list[tuple[str, ...]] = []

    def recording(*names: str) -> None:
        calls.append(names)
        ratelimit.serialise_on(*names)

    monkeypatch.setattr(rate_limits, "serialise_on", recording)
    return calls


@pytest.mark.django_db
def test_a_signed_in_person_locks_their_account_their_email_and_the_address(
    resident: User, lock_requests: list[tuple[str, ...]]
) -> None:
    with transaction.atomic():
        rate_limits._rate_limits_check(
            reporter=resident, email="Resident@Example.org", source_address="203.0.113.9"
        )

    assert lock_requests == [
        (
            "reports:person:email:resident@example.org",
            f"reports:person:user:{resident.pk}",
            "reports:address:203.0.113.9",
        )
    ]


@pytest.mark.django_db
def test_an_anonymous_person_locks_the_email_and_the_address(
    lock_requests: list[tuple[str, ...]],
) -> None:
    with transaction.atomic():
        rate_limits._rate_limits_check(
            reporter=None, email="maria@example.org", source_address="203.0.113.9"
        )
    with transaction.atomic():
        rate_limits._rate_limits_check(
            reporter=None, email="maria@example.org", source_address=None
        )

    assert lock_requests == [
        ("reports:person:email:maria@example.org", "reports:address:203.0.113.9"),
        ("reports:person:email:maria@example.org",),
    ]


@pytest.mark.django_db
def test_the_early_check_takes_no_lock(
    resident: User, lock_requests: list[tuple[str, ...]]
) -> None:
    rate_limits._rate_limits_check(
        reporter=resident, email=resident.email, source_address="203.0.113.9", serialise=False
    )

    assert lock_requests == []
