"""Rate limits of new reports per person and per address."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core.models import (
    User,
)
from digiplace.core.ratelimit import serialise_on

from ..models import (
    Report,
)
from .constants import MAX_REPORTS_PER_ADDRESS, MAX_REPORTS_PER_PERSON, RATE_LIMIT_WINDOW


def _rate_limits_check(
    *, reporter: User | None, email: str, source_address: str | None, serialise: bool = True
) -> None:
    """Raise ValidationError (code ``rate_limited``) once the person or the address sent
    their hour's reports. With ``serialise`` (inside the transaction that then inserts the
    report) concurrent checks of the same person or address run one at a time; without it
    the check writes nothing, to refuse early, before the photos are decoded."""
    since = timezone.now() - RATE_LIMIT_WINDOW
    recent = Report.objects.filter(created_at__gte=since)
    person = Q(reporter_email__iexact=email) if email else Q(pk__in=[])
    if reporter is not None:
        person |= Q(reporter=reporter)
    if serialise:
        # Lock every name the count below depends on (the email and the account), in one
        # call, so that a signed-in person and the same email sent anonymously wait for
        # each other.
        names: list[str] = []
        if email:
            names.append(f"reports:person:email:{email.lower()}")
        if reporter is not None:
            names.append(f"reports:person:user:{reporter.pk}")
        if source_address:
            names.append(f"reports:address:{source_address}")
        serialise_on(*names)
    if recent.filter(person).count() >= MAX_REPORTS_PER_PERSON:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    ValidationError(
                        _(
                            "You have sent %(count)d reports in the last hour; please wait a "
                            "while before sending another."
                        )
                        % {"count": MAX_REPORTS_PER_PERSON},
                        code="rate_limited",
                    )
                ]
            }
        )
    if (
        source_address
        and recent.filter(source_address=source_address).count() >= MAX_REPORTS_PER_ADDRESS
    ):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    ValidationError(
                        _(
                            "Too many reports were sent from your network in the last "
                            "hour; please try again later."
                        ),
                        code="rate_limited",
                    )
                ]
            }
        )
