"""Report rate limits through the web form and Open311, behind the documented reverse
proxy: residents on one network share a limit, residents on others do not."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.reports.models import ApiKey, Category, Report
from digiplace.reports.tests.factories import ApiKeyFactory, CategoryFactory, ReportFactory

BOTOSANI = "botosani.localhost"
PROXY = "127.0.0.1"


@pytest.fixture
def category(botosani: Municipality) -> Category:
    return CategoryFactory.create(municipality=botosani, service_code="pothole")


@pytest.fixture
def api_key(botosani: Municipality) -> ApiKey:
    return ApiKeyFactory.create(municipality=botosani, key="botosani-demo-key")


@pytest.fixture
def client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def behind_one_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1


def _web_form(client: Client, category: Category, *, email: str, forwarded: str) -> Any:
    return client.post(
        "/reports/new/",
        {
            "category": str(category.pk),
            "latitude": "47.7486",
            "longitude": "26.6694",
            "description": "A deep pothole by the bus stop.",
            "reporter_name": "Maria Ionescu",
            "reporter_email": email,
        },
        HTTP_HOST=BOTOSANI,
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def _open311(client: Client, *, email: str, forwarded: str) -> Any:
    return client.post(
        "/open311/v2/requests.json",
        {
            "api_key": "botosani-demo-key",
            "service_code": "pothole",
            "lat": "47.7480",
            "long": "26.6690",
            "description": "A deep pothole by the bus stop.",
            "email": email,
            "first_name": "Ion",
            "last_name": "Pop",
        },
        HTTP_HOST=BOTOSANI,
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.usefixtures("behind_one_proxy")
def test_the_web_form_limits_each_resident_address_behind_the_proxy(
    client: Client, category: Category
) -> None:
    ReportFactory.create_batch(
        20, municipality=category.municipality, category=category, source_address="203.0.113.9"
    )

    refused = _web_form(client, category, email="a@example.org", forwarded="203.0.113.9")
    allowed = _web_form(client, category, email="b@example.org", forwarded="198.51.100.4")

    assert refused.status_code == 429
    assert "Too many reports were sent from your network" in refused.content.decode()
    assert allowed.status_code == 302
    created = Report.objects.get(reporter_email="b@example.org")
    assert created.source_address == "198.51.100.4"
    assert Report.objects.count() == 21


@pytest.mark.usefixtures("behind_one_proxy", "api_key")
def test_open311_limits_each_resident_address_behind_the_proxy(
    client: Client, category: Category
) -> None:
    ReportFactory.create_batch(
        20, municipality=category.municipality, category=category, source_address="203.0.113.9"
    )

    refused = _open311(client, email="a@example.org", forwarded="10.0.0.1, 203.0.113.9")
    allowed = _open311(client, email="b@example.org", forwarded="198.51.100.4")

    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "Too many reports were sent from your network" in refused.content.decode()
    assert allowed.status_code == 200
    assert Report.objects.get(reporter_email="b@example.org").source_address == "198.51.100.4"
    assert Report.objects.count() == 21


@pytest.mark.usefixtures("api_key")
def test_without_a_trusted_proxy_everyone_behind_it_shares_the_proxy_address(
    client: Client, category: Category
) -> None:
    response = _open311(client, email="a@example.org", forwarded="198.51.100.4")

    assert response.status_code == 200
    assert Report.objects.get().source_address == PROXY
