"""Reads of the staff desk: the reply templates that fit a report."""

from __future__ import annotations

from django.db.models import F, Q

from .models import ReplyTemplate, Report


def reply_template_list(*, report: Report) -> list[ReplyTemplate]:
    """The city's active reply templates for the report's category, then those for any
    category, each group in its own order."""
    return list(
        ReplyTemplate.objects.for_municipality(report.municipality)
        .filter(is_active=True)
        .filter(Q(category_id=report.category_id) | Q(category__isnull=True))
        .order_by(F("category_id").asc(nulls_last=True), "position", "title", "id")
    )
