"""Open311 first_name and last_name: each may be as long as "first last" still fits the
150-character name column, and a longer part is refused naming the parameter."""

from __future__ import annotations

import pytest
from django.test import Client

from digiplace.reports.models import ApiKey, Category, Report
from digiplace.reports.tests.test_open311 import (
    BASE,
    FORMATS,
    assert_errors,
    english_client,
    post_data,
)

BOTOSANI = "botosani.localhost"


@pytest.fixture
def client() -> Client:
    return english_client(HTTP_HOST=BOTOSANI)


@pytest.mark.parametrize("format", FORMATS)
def test_the_longest_first_and_last_names_fit_the_name(
    client: Client, pothole: Category, api_key: ApiKey, format: str
) -> None:
    response = client.post(
        f"{BASE}/requests.{format}", post_data(first_name="A" * 74, last_name="B" * 74)
    )

    assert response.status_code == 200, response.content
    assert Report.objects.get().reporter_name == "A" * 74 + " " + "B" * 74


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("part", ["first_name", "last_name"])
def test_a_name_part_one_character_too_long_is_refused_naming_it(
    client: Client, pothole: Category, api_key: ApiKey, format: str, part: str
) -> None:
    data = post_data(first_name="A" * 74, last_name="B" * 74)
    data[part] = "C" * 75

    response = client.post(f"{BASE}/requests.{format}", data)

    assert assert_errors(response, format, 400) == [f"{part} must be at most 74 characters long."]
    assert Report.objects.count() == 0
