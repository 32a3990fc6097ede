"""Writes of participatory budgeting: budgets and their zones (staff), projects residents
submit, staff reviews, closing the vote. Every staff write is audited; every refusal is a
ValidationError in the page's language and writes nothing."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record, audited_change
from digiplace.core.models import AuditAction, Municipality, User
from digiplace.core.ratelimit import serialise_on
from digiplace.participation.models import (
    Budget,
    BudgetProject,
    BudgetProjectStatus,
    BudgetZone,
    Process,
    Zone,
)
from digiplace.participation.selectors.budgeting import currency_label

# A resident may submit this many projects per budget in a day.
MAX_PROJECTS_PER_DAY = 5
PROJECT_RATE_WINDOW = datetime.timedelta(days=1)

BUDGET_FIELDS = (
    "title_ro",
    "title_en",
    "description_ro",
    "description_en",
    "rule",
    "submission_opens_at",
    "submission_closes_at",
    "voting_opens_at",
    "voting_closes_at",
    "census_voting",
    "code_voting",
    "minimum_age",
    "min_projects",
    "max_projects",
)


# Once the results are published only the texts of a budget may change.
FIXED_AFTER_PUBLICATION = (
    "rule",
    "submission_opens_at",
    "submission_closes_at",
    "voting_opens_at",
    "voting_closes_at",
    "census_voting",
    "code_voting",
    "minimum_age",
    "min_projects",
    "max_projects",
)


def _to_the_minute(value: Any) -> Any:
    # The form's date fields hold minutes; "close voting now" stored seconds too.
    if isinstance(value, datetime.datetime):
        return value.replace(second=0, microsecond=0)
    return value


def _budget_values_check(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if values["submission_opens_at"] >= values["submission_closes_at"]:
        errors["submission_closes_at"] = [_("Submission must close after it opens.")]
    if values["voting_opens_at"] >= values["voting_closes_at"]:
        errors["voting_closes_at"] = [_("Voting must close after it opens.")]
    if values["voting_opens_at"] < values["submission_closes_at"]:
        errors["voting_opens_at"] = [_("Voting opens once project submission has closed.")]
    if values["max_projects"] is not None and values["max_projects"] < values["min_projects"]:
        errors["max_projects"] = [
            _("The most projects on a ballot cannot be fewer than the fewest.")
        ]
    if not (values["census_voting"] or values["code_voting"]):
        errors["code_voting"] = [_("Choose at least one way for voters to verify.")]
    if errors:
        raise ValidationError(errors)


def budget_create(
    *, actor: User, municipality: Municipality, process: Process, **values: Any
) -> Budget:
    """A budget for ``process`` (one per process), audited."""
    if process.municipality_id != municipality.pk:
        raise ValidationError({"process": [_("Choose a process of this city.")]})
    if Budget.objects.filter(process=process).exists():
        raise ValidationError({"process": [_("This process already has a budget.")]})
    values = {name: values[name] for name in BUDGET_FIELDS if name in values}
    values.setdefault("max_projects", None)
    _budget_values_check(values)
    budget = Budget(municipality=municipality, process=process)
    for name, value in values.items():
        setattr(budget, name, value)
    with transaction.atomic():
        budget.save()
        audit_record(
            actor=actor, municipality=municipality, action=AuditAction.CREATE, instance=budget
        )
    return budget


def budget_update(*, actor: User, budget: Budget, **values: Any) -> Budget:
    """Change a budget's texts, dates, rule and ballot rules; audited. The rule and the
    ballot rules are fixed once the results are published."""
    with audited_change(budget, actor=actor, audit_if_unchanged=False) as change:
        locked = change.instance
        merged = {name: getattr(locked, name) for name in BUDGET_FIELDS}
        merged.update({name: value for name, value in values.items() if name in BUDGET_FIELDS})
        _budget_values_check(merged)
        if locked.results_published_at is not None:
            changed = [
                name
                for name in FIXED_AFTER_PUBLICATION
                if _to_the_minute(merged[name]) != _to_the_minute(getattr(locked, name))
            ]
            if changed:
                raise ValidationError(
                    {
                        name: [_("The results are published: the rule and the vote are fixed.")]
                        for name in changed
                    }
                )
        for name, value in merged.items():
            setattr(locked, name, value)
        locked.save()
    return change.instance


def budget_voting_close(*, actor: User, budget: Budget) -> Budget:
    """Close the vote now (voting_closes_at = now), if it is still open."""
    with audited_change(budget, actor=actor) as change:
        locked = change.instance
        now = timezone.now()
        if locked.voting_closed(now):
            raise ValidationError(_("Voting is already closed."), code="closed")
        if not locked.voting_open(now):
            raise ValidationError(
                _("Voting has not opened yet; change its dates instead."), code="not_open"
            )
        locked.voting_closes_at = now
        locked.save(update_fields=["voting_closes_at"])
    return change.instance


def budget_zone_add(
    *, actor: User, budget: Budget, zone: Zone, amount: Decimal, currency: str
) -> BudgetZone:
    if zone.municipality_id != budget.municipality_id:
        raise ValidationError({"zone": [_("Choose a zone of this city.")]})
    if budget.results_published_at is not None:
        raise ValidationError(_("The results are published: the zones are fixed."))
    if BudgetZone.objects.filter(budget=budget, zone=zone).exists():
        raise ValidationError({"zone": [_("This zone is already in the budget.")]})
    if amount <= 0:
        raise ValidationError({"amount": [_("The amount must be more than zero.")]})
    with transaction.atomic():
        budget_zone = BudgetZone.objects.create(
            municipality=budget.municipality,
            budget=budget,
            zone=zone,
            amount=amount,
            currency=currency.upper(),
        )
        audit_record(
            actor=actor,
            municipality=budget.municipality,
            action=AuditAction.CREATE,
            instance=budget_zone,
        )
    return budget_zone


def budget_zone_update(
    *, actor: User, budget_zone: BudgetZone, amount: Decimal, currency: str
) -> BudgetZone:
    if amount <= 0:
        raise ValidationError({"amount": [_("The amount must be more than zero.")]})
    with audited_change(budget_zone, actor=actor, audit_if_unchanged=False) as change:
        locked = change.instance
        if Budget.objects.filter(pk=locked.budget_id, results_published_at__isnull=False).exists():
            raise ValidationError(_("The results are published: the zones are fixed."))
        locked.amount = amount
        locked.currency = currency.upper()
        locked.save()
    return change.instance


# --- Projects --------------------------------------------------------------------------------


def _next_code(budget: Budget) -> str:
    numbers = [
        int(match.group(1))
        for code in BudgetProject.objects.filter(budget_zone__budget=budget).values_list(
            "code", flat=True
        )
        if (match := re.fullmatch(r"P(\d+)", code))
    ]
    return f"P{max(numbers, default=0) + 1}"


def budget_project_submit(
    *,
    author: User,
    budget_zone: BudgetZone,
    title: str,
    description: str,
    cost: Decimal,
    category: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    now: datetime.datetime | None = None,
) -> BudgetProject:
    """A resident's project in a zone, waiting for review. Refused: outside the submission
    dates, from an account whose email is not confirmed, a cost not above zero or above the
    zone's amount, a place outside the city, or past the day's limit of projects."""
    now = now or timezone.now()
    budget = budget_zone.budget
    municipality = budget.municipality
    if not author.is_authenticated or author.email_confirmed_at is None:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("Confirm your email address before submitting a project.")]},
            code="unconfirmed",
        )
    if not budget.submission_open(now):
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("Project submission is closed for this budget.")]},
            code="closed",
        )
    errors: dict[str, list[str]] = {}
    if cost <= 0:
        errors["cost"] = [_("The cost must be more than zero.")]
    elif cost > budget_zone.amount:
        errors["cost"] = [
            _("The cost cannot be more than the budget of the zone, %(amount)s %(unit)s.")
            % {
                "amount": number_format(int(budget_zone.amount), force_grouping=True),
                "unit": currency_label(budget_zone.currency),
            }
        ]
    if (latitude is None) != (longitude is None):
        errors["latitude"] = [_("Give both the latitude and the longitude, or neither.")]
    elif (
        latitude is not None
        and longitude is not None
        and not municipality.contains_point(latitude, longitude)
    ):
        errors["latitude"] = [_("The place is outside the city.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        serialise_on(f"budget-projects:{budget.pk}", f"budget-projects:user:{author.pk}")
        recent = BudgetProject.objects.filter(
            author=author, budget_zone__budget=budget, created_at__gte=now - PROJECT_RATE_WINDOW
        ).count()
        if recent >= MAX_PROJECTS_PER_DAY:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        _(
                            "You have submitted %(count)d projects today; please wait until "
                            "tomorrow before submitting another."
                        )
                        % {"count": MAX_PROJECTS_PER_DAY}
                    ]
                },
                code="rate_limited",
            )
        try:
            project = BudgetProject.objects.create(
                municipality=municipality,
                budget_zone=budget_zone,
                code=_next_code(budget),
                title=title.strip(),
                description=description.strip(),
                cost=cost,
                category=category.strip(),
                latitude=latitude,
                longitude=longitude,
                author=author,
                status=BudgetProjectStatus.SUBMITTED,
                created_at=now,
            )
        except IntegrityError as error:  # pragma: no cover - serialised above
            raise ValidationError(_("Please send the project again.")) from error
    return project


def budget_project_review(
    *, actor: User, project: BudgetProject, status: str, reason: str
) -> BudgetProject:
    """Staff's review: eligible, or not eligible with a reason (shown publicly). Fixed once
    the results are published."""
    reason = reason.strip()
    if status not in (BudgetProjectStatus.ELIGIBLE, BudgetProjectStatus.INELIGIBLE):
        raise ValidationError({"status": [_("Choose eligible or not eligible.")]})
    if status == BudgetProjectStatus.INELIGIBLE and not reason:
        raise ValidationError(
            {"reason": [_("Say why the project is not eligible; the reason is public.")]}
        )
    with audited_change(project, actor=actor, audit_if_unchanged=False) as change:
        locked = change.instance
        if Budget.objects.filter(
            zones__projects=locked, results_published_at__isnull=False
        ).exists():
            raise ValidationError(_("The results are published: reviews are fixed."))
        locked.status = status
        locked.review_reason = reason
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.save()
    return change.instance
