"""Forms flag every missing field on the first submit, with a summary linking to each field.

The new-report form used to check the place, the description and the contact only once a
category was chosen: an empty form flagged the category, and the place only on the second
try. The other public forms (register, neighbourhood subscriptions) are checked the same way.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from digiplace.core.models import Municipality, User
from digiplace.reports.models import Category, Report

BOTOSANI = "botosani.localhost"


def _post_new(client: Client, data: dict[str, str], *, language: str = "en") -> tuple[int, str]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post("/reports/new/", data, HTTP_HOST=BOTOSANI)
    return response.status_code, response.content.decode()


def _summary_links(page: str) -> list[tuple[str, str]]:
    """(target id, text) of each link in the error summary."""
    match = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert match is not None, "no error summary"
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', match.group(0))


def _field_errors(page: str, element: str) -> list[str]:
    match = re.search(rf'<ul class="errorlist" id="{element}_error">(.*?)</ul>', page, re.S)
    return re.findall(r"<li>([^<]+)</li>", match.group(1)) if match else []


def test_the_empty_form_flags_every_missing_field_at_once(
    client: Client, pothole: Category
) -> None:
    status, page = _post_new(client, {"is_anonymous": "on"})

    assert status == 400
    assert _summary_links(page) == [
        ("id_category", "Choose a category."),
        (
            "id_latitude",
            "Show where the problem is: pick the place on the map, use your location, "
            "or write an address or a landmark.",
        ),
        ("id_description", "Describe the problem."),
        ("id_reporter_name", "Give your name."),
        ("id_reporter_email", "Give your email address, so we can tell you."),
    ]
    assert _field_errors(page, "id_category") == ["Choose a category."]
    assert _field_errors(page, "id_latitude") == [
        "Show where the problem is: pick the place on the map, use your location, "
        "or write an address or a landmark."
    ]
    assert Report.objects.count() == 0


def test_the_summary_is_in_romanian_on_the_romanian_site(client: Client, pothole: Category) -> None:
    status, page = _post_new(client, {"is_anonymous": "on"}, language="ro")

    assert status == 400
    assert "Vă rugăm să corectați erorile de mai jos. Nu a fost trimis nimic." in page
    messages = [text for _element, text in _summary_links(page)]
    assert messages[0] == "Alegeți o categorie."
    assert messages[1].startswith("Arătați unde este problema")
    assert "Descrieți problema." in messages


def test_a_signed_in_resident_is_not_asked_for_a_name(
    client: Client, pothole: Category, resident: User
) -> None:
    client.force_login(resident)

    status, page = _post_new(client, {"is_anonymous": "on"})

    assert status == 400
    assert [element for element, _text in _summary_links(page)] == [
        "id_category",
        "id_latitude",
        "id_description",
    ]


def test_a_bad_place_is_flagged_with_the_missing_category(
    client: Client, pothole: Category
) -> None:
    status, page = _post_new(
        client,
        {
            "latitude": "north",
            "longitude": "26.6690",
            "description": "A deep pothole.",
            "reporter_name": "Ana",
            "reporter_email": "ana@example.org",
        },
    )

    assert status == 400
    assert _summary_links(page) == [
        ("id_category", "Choose a category."),
        ("id_latitude", "Give the place as a latitude and a longitude."),
    ]


def test_only_the_category_is_flagged_when_the_rest_is_right(
    client: Client, pothole: Category
) -> None:
    status, page = _post_new(
        client,
        {
            "latitude": "47.7480",
            "longitude": "26.6690",
            "description": "A deep pothole.",
            "reporter_name": "Ana",
            "reporter_email": "ana@example.org",
        },
    )

    assert status == 400
    assert _summary_links(page) == [("id_category", "Choose a category.")]
    assert Report.objects.count() == 0


def test_a_chosen_category_flags_the_rest_on_the_first_try(
    client: Client, pothole: Category
) -> None:
    status, page = _post_new(client, {"category": str(pothole.pk)})

    assert status == 400
    elements = [element for element, _text in _summary_links(page)]
    assert elements[:2] == ["id_latitude", "id_description"]
    assert {"id_reporter_name", "id_reporter_email", "id_attribute_depth"} <= set(elements)
    assert Report.objects.count() == 0


def test_a_form_that_sends_is_unchanged(client: Client, pothole: Category) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/reports/new/",
        {
            "category": pothole.pk,
            "latitude": "47.7480",
            "longitude": "26.6690",
            "description": "A deep pothole.",
            "reporter_name": "Ana",
            "reporter_email": "ana@example.org",
            "attribute_depth": "12",
            "is_anonymous": "on",
        },
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 302
    assert Report.objects.count() == 1


def test_the_empty_form_page_has_a_hidden_summary_for_the_browser_check(
    client: Client, pothole: Category
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/reports/new/", HTTP_HOST=BOTOSANI).content.decode()

    assert re.search(r'<div class="error-summary"[^>]*data-error-summary hidden>', page)
    # The browser check shows the server's own messages.
    assert 'data-message-required="Describe the problem."' in page
    assert 'data-message-required="Choose a category."' in page


@pytest.mark.django_db
def test_registration_flags_every_missing_field_with_links(
    client: Client, botosani: Municipality
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post("/accounts/register/", {}, HTTP_HOST=BOTOSANI)
    page = response.content.decode()

    assert response.status_code in (200, 400)
    elements = [element for element, _text in _summary_links(page)]
    assert elements == [
        "id_email",
        "id_full_name",
        "id_password1",
        "id_password2",
        "id_preferred_language",
    ]
    assert User.objects.count() == 0
