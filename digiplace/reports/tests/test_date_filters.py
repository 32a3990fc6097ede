"""The public list's date filters use core's strict date parser: YYYY-MM-DD in ASCII
digits, within the years the platform handles; other writings are refused, never read."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from digiplace.core.models import Municipality
from digiplace.reports.forms import DateInRangeField

BOTOSANI = "botosani.localhost"


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2026-03-01", datetime.date(2026, 3, 1)),
        (" 2026-03-01 ", datetime.date(2026, 3, 1)),
        ("1900-01-01", datetime.date(1900, 1, 1)),
        ("2999-12-31", datetime.date(2999, 12, 31)),
        (datetime.date(2026, 3, 1), datetime.date(2026, 3, 1)),
        ("", None),
    ],
)
def test_iso_dates_in_range_are_read(value: object, day: datetime.date | None) -> None:
    assert DateInRangeField(required=False).clean(value) == day


@pytest.mark.parametrize(
    "value",
    ["2026-3-1", "03/01/2026", "10/25/06", "٢٠٢٦-03-01", "２０２６-03-01", "2026-02-30", "²"],
)
def test_other_writings_are_refused_as_invalid(value: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        DateInRangeField(required=False).clean(value)

    assert refused.value.messages == ["Enter a valid date."]


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
def test_dates_out_of_range_are_refused_with_the_range(value: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        DateInRangeField(required=False).clean(value)

    assert refused.value.messages == ["Enter a date from 1900-01-01 to 2999-12-31."]


@pytest.mark.django_db
def test_the_public_list_answers_400_for_a_date_in_other_digits(
    botosani: Municipality, client: Client
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/reports/?date_from=٢٠٢٦-03-01", HTTP_HOST=BOTOSANI)

    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()
