"""Which department a report goes to."""

from __future__ import annotations

from django.db.models import Q

from digiplace.core.models import (
    Department,
)

from ..models import (
    Category,
    Neighbourhood,
    RoutingRule,
)


def department_for(*, category: Category, neighbourhood: Neighbourhood | None) -> Department | None:
    """The department of the most specific routing rule (category and neighbourhood, then
    category alone, then neighbourhood alone), else the category's own department."""
    condition = Q(category=category, neighbourhood__isnull=True)
    if neighbourhood is not None:
        condition |= Q(category=category, neighbourhood=neighbourhood)
        condition |= Q(category__isnull=True, neighbourhood=neighbourhood)
    rules = list(
        RoutingRule.objects.filter(
            condition, municipality_id=category.municipality_id
        ).select_related("department")
    )

    def specificity(rule: RoutingRule) -> int:
        if rule.category_id is not None and rule.neighbourhood_id is not None:
            return 0
        return 1 if rule.category_id is not None else 2

    if rules:
        return min(rules, key=specificity).department
    return category.department
