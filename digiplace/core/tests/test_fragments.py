"""Fragments rendered once per content (core.fragments)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from digiplace.core.fragments import fragment_render, fragments

TEMPLATE = "reports/backoffice/_queue_row.html"


def row(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "pk": 7,
        "url": "/backoffice/reports/7/",
        "category": "Groapă",
        "is_hidden": False,
        "description": "Groapă <mare> pe strada Pietății",
        "status": "Nou",
        "created_iso": "2026-11-30T10:00:00+02:00",
        "created": "30.11.2026",
        "expected_iso": "",
        "expected": "",
        "is_overdue": False,
        "department": "",
        "neighbourhood": "",
        "assignee": "",
        "checked": False,
    }
    values.update(changes)
    return values


def test_the_same_values_render_once_and_other_values_anew() -> None:
    fragments.clear()
    with translation.override("ro"):
        first = fragment_render(TEMPLATE, row())
        assert len(fragments) == 1
        assert fragment_render(TEMPLATE, row()) == first
        assert len(fragments) == 1, "the second is the first's HTML"
        assert "Groapă &lt;mare&gt;" in first, "values are escaped by the template"
        moved = fragment_render(TEMPLATE, row(is_overdue=True))
        assert len(fragments) == 2
        assert "badge--overdue" in moved and "badge--overdue" not in first
    with translation.override("en"):
        english = fragment_render(TEMPLATE, row())
    assert len(fragments) == 3
    assert 'data-label="Status"' in english
    assert 'data-label="Stare"' in first, "the Romanian labels in the Romanian fragment"


def test_only_plain_values_are_accepted() -> None:
    with pytest.raises(TypeError):
        fragment_render(TEMPLATE, row(created=datetime.date(2026, 11, 30)))
