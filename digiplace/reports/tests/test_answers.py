"""A report's answers read the same on the public page and the staff page: the question and
the chosen names, never the stored keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from digiplace.core.models import Municipality
from digiplace.core.tests.factories import StaffMembershipFactory
from digiplace.reports.answers import report_answers
from digiplace.reports.models import AttributeDatatype, Category, Report
from digiplace.reports.tests.factories import (
    CategoryAttributeFactory,
    CategoryFactory,
    ReportFactory,
)

BOTOSANI = "botosani.localhost"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def bins(botosani: Municipality) -> Category:
    category = CategoryFactory.create(municipality=botosani, name="Bins", name_en="Bins")
    CategoryAttributeFactory.create(
        municipality=botosani,
        category=category,
        code="waste",
        order=2,
        datatype=AttributeDatatype.MULTI,
        description="Ce fel de deșeuri?",
        description_en="What kind of waste?",
        values=[
            {"key": "plastic", "name": "Plastic and metal"},
            {"key": "glass", "name": "Glass"},
            {"key": "paper"},
        ],
    )
    CategoryAttributeFactory.create(
        municipality=botosani,
        category=category,
        code="count",
        order=1,
        datatype=AttributeDatatype.NUMBER,
        description="Câte containere?",
        description_en="How many bins?",
    )
    return category


@pytest.fixture
def answered(botosani: Municipality, bins: Category) -> Report:
    return ReportFactory.create(
        municipality=botosani,
        category=bins,
        # Stored in the order the client sent them, with a question since removed.
        attributes={"waste": ["glass", "paper", "unknown"], "retired": "yes", "count": 3},
    )


@pytest.mark.django_db
def test_answers_show_question_and_choice_names_in_the_questions_order(answered: Report) -> None:
    with translation.override("en"):
        rows = report_answers(report=answered)

    assert rows == [
        ("How many bins?", "3"),
        ("What kind of waste?", "Glass, paper, unknown"),
        ("retired", "yes"),
    ]


@pytest.mark.django_db
def test_a_report_without_answers_has_no_rows(botosani: Municipality, bins: Category) -> None:
    assert report_answers(report=ReportFactory.create(municipality=botosani, category=bins)) == []


@pytest.mark.django_db
def test_staff_and_public_pages_show_the_same_labels(
    client: Client, botosani: Municipality, answered: Report
) -> None:
    staff = StaffMembershipFactory.create(municipality=botosani, modules=["reports"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    public = client.get(f"/reports/{answered.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    client.force_login(staff.user)
    staff_page = client.get(
        f"/backoffice/reports/{answered.pk}/", HTTP_HOST=BOTOSANI
    ).content.decode()

    for page in (public, staff_page):
        assert "<dt>What kind of waste?</dt><dd>Glass, paper, unknown</dd>" in page
        assert "<dt>How many bins?</dt><dd>3</dd>" in page
        assert "<dd>glass" not in page
