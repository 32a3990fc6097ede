"""The new-report form's uploads: a photo over the limit is stopped while it streams in, the
form keeps its CSRF protection, and a person over the rate limit is refused before any
photo is decoded."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from digiplace.core.models import Municipality
from digiplace.core.photos import MAX_PHOTO_BYTES
from digiplace.reports import services
from digiplace.reports.models import Category, Report
from digiplace.reports.tests.factories import CategoryFactory, ReportFactory
from digiplace.reports.tests.test_photos import jpeg_with_gps

BOTOSANI = "botosani.localhost"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def category(botosani: Municipality) -> Category:
    return CategoryFactory.create(municipality=botosani, service_code="pothole")


def _form(category: Category, **changes: Any) -> dict[str, Any]:
    return {
        "category": str(category.pk),
        "latitude": "47.7486",
        "longitude": "26.6694",
        "description": "A deep pothole by the bus stop.",
        "reporter_name": "Maria Ionescu",
        "reporter_email": "maria@example.org",
        **changes,
    }


def _client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_photo_over_the_limit_is_refused_and_the_form_kept(category: Category) -> None:
    too_large = SimpleUploadedFile("huge.jpg", b"\xff" * (MAX_PHOTO_BYTES + 1))
    fine = SimpleUploadedFile("fine.jpg", jpeg_with_gps())

    response = _client().post(
        "/reports/new/", _form(category, photos=[too_large, fine]), HTTP_HOST=BOTOSANI
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "The photo “huge.jpg” is too large; the limit is 8.0\xa0MB." in page
    assert "A deep pothole by the bus stop." in page
    assert Report.objects.count() == 0


def test_the_new_report_form_still_requires_its_csrf_token(category: Category) -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    refused = client.post("/reports/new/", _form(category), HTTP_HOST=BOTOSANI)
    client.get("/reports/new/", HTTP_HOST=BOTOSANI)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = client.post(
        "/reports/new/", _form(category, csrfmiddlewaretoken=token), HTTP_HOST=BOTOSANI
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert Report.objects.count() == 1


def test_a_person_over_the_rate_limit_is_refused_before_the_photos_are_decoded(
    botosani: Municipality, category: Category
) -> None:
    ReportFactory.create_batch(
        services.MAX_REPORTS_PER_PERSON,
        municipality=botosani,
        category=category,
        reporter_email="maria@example.org",
    )
    # Decoding this one would refuse it for its pixels; the rate limit answers first.
    buffer = io.BytesIO()
    Image.new("L", (6300, 6300)).save(buffer, format="PNG")
    bomb = SimpleUploadedFile("bomb.png", buffer.getvalue())

    with pytest.raises(ValidationError) as refused:
        services.report_create(
            municipality=botosani,
            category=category,
            latitude=47.7486,
            longitude=26.6694,
            description="Another pothole.",
            reporter_name="Maria Ionescu",
            reporter_email="maria@example.org",
            photos=[bomb],
            source_address="192.0.2.50",
        )

    assert refused.value.messages == [
        "You have sent 10 reports in the last hour; please wait a while before sending another."
    ]
    assert Report.objects.count() == services.MAX_REPORTS_PER_PERSON
