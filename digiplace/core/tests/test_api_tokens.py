"""API tokens: issued and revoked through the services, refused with 401 and a
``WWW-Authenticate`` challenge when unknown or expired, rotated when the password changes."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from pytest_django import Settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from digiplace.core import services
from digiplace.core.models import Municipality, User
from digiplace.core.tests.factories import PASSWORD

BOTOSANI = "botosani.localhost"
NEW_PASSWORD = "A-much-longer-passphrase-2026"


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    yield
    translation.deactivate()


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.cookies["digiplace_language"] = "en"
    return client


def _me(api: APIClient, key: str) -> tuple[int, str, dict[str, object]]:
    response = api.get("/api/v1/me/", HTTP_HOST=BOTOSANI, HTTP_AUTHORIZATION=f"Token {key}")
    return response.status_code, response.get("WWW-Authenticate", ""), response.json()


def _token_for(api: APIClient, email: str, password: str) -> str:
    response = api.post(
        "/api/v1/auth/token/",
        {"email": email, "password": password},
        format="json",
        HTTP_HOST=BOTOSANI,
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def _age(token: Token, days: int) -> None:
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(days=days))


# Issuing and revoking


@pytest.mark.django_db
def test_token_endpoint_gives_the_same_token_while_it_is_valid(
    botosani: Municipality, resident: User, api: APIClient
) -> None:
    first = _token_for(api, resident.email, PASSWORD)
    second = _token_for(api, resident.email, PASSWORD)

    assert first == second
    assert list(Token.objects.filter(user=resident).values_list("key", flat=True)) == [first]
    assert _me(api, first)[0] == 200


@pytest.mark.django_db
def test_an_expired_token_is_replaced_when_asked_again(
    botosani: Municipality, resident: User, api: APIClient, settings: Settings
) -> None:
    settings.API_TOKEN_TTL_DAYS = 90
    old = services.api_token_create(user=resident)
    _age(old, days=91)

    new = _token_for(api, resident.email, PASSWORD)

    assert new != old.key
    assert list(Token.objects.filter(user=resident).values_list("key", flat=True)) == [new]


@pytest.mark.django_db
def test_revoking_deletes_the_token(botosani: Municipality, resident: User, api: APIClient) -> None:
    key = services.api_token_create(user=resident).key

    response = api.delete(
        "/api/v1/auth/token/revoke/", HTTP_HOST=BOTOSANI, HTTP_AUTHORIZATION=f"Token {key}"
    )

    assert response.status_code == 204
    assert not Token.objects.filter(user=resident).exists()
    assert _me(api, key)[:2] == (401, "Token")


@pytest.mark.django_db
def test_repeated_wrong_passwords_get_429_in_the_api_format(
    botosani: Municipality, resident: User, api: APIClient, settings: Settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    answers = [
        api.post(
            "/api/v1/auth/token/",
            {"email": resident.email, "password": "wrong"},
            format="json",
            HTTP_HOST=BOTOSANI,
        )
        for _attempt in range(4)
    ]

    assert [answer.status_code for answer in answers] == [400, 400, 429, 429]
    assert {answer["Content-Type"] for answer in answers} == {"application/json"}
    assert answers[3]["Retry-After"] == "900"
    assert answers[3].json()["detail"].startswith("Too many failed attempts with this email.")
    assert not Token.objects.filter(user=resident).exists()


# Refusals: 401 with the challenge


@pytest.mark.django_db
def test_an_unknown_token_gets_401_with_the_token_challenge(
    botosani: Municipality, api: APIClient
) -> None:
    status, challenge, body = _me(api, "0" * 40)

    assert (status, challenge) == (401, "Token")
    assert body == {"detail": "Invalid token."}


@pytest.mark.django_db
def test_no_credentials_get_401_with_the_token_challenge(
    botosani: Municipality, api: APIClient
) -> None:
    response = api.get("/api/v1/me/", HTTP_HOST=BOTOSANI)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_a_token_older_than_the_setting_gets_401(
    botosani: Municipality, resident: User, api: APIClient, settings: Settings
) -> None:
    settings.API_TOKEN_TTL_DAYS = 30
    token = services.api_token_create(user=resident)
    _age(token, days=29)
    assert _me(api, token.key)[0] == 200

    _age(token, days=31)
    status, challenge, body = _me(api, token.key)

    assert (status, challenge) == (401, "Token")
    assert body == {"detail": "This token has expired. Ask /api/v1/auth/token/ for a new one."}


@pytest.mark.django_db
def test_a_time_to_live_of_zero_keeps_tokens(
    botosani: Municipality, resident: User, api: APIClient, settings: Settings
) -> None:
    settings.API_TOKEN_TTL_DAYS = 0
    token = services.api_token_create(user=resident)
    _age(token, days=3650)

    assert _me(api, token.key)[0] == 200


# Rotation with the password


@pytest.mark.django_db
def test_changing_the_password_stops_the_old_token(
    botosani: Municipality, resident: User, api: APIClient
) -> None:
    old = services.api_token_create(user=resident).key
    browser = Client(HTTP_HOST=BOTOSANI)
    browser.force_login(resident)

    response = browser.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert _me(api, old)[:2] == (401, "Token")
    new = _token_for(api, resident.email, NEW_PASSWORD)
    assert new != old
    assert _me(api, new)[0] == 200


@pytest.mark.django_db
def test_a_refused_password_change_keeps_the_token(
    botosani: Municipality, resident: User, api: APIClient
) -> None:
    key = services.api_token_create(user=resident).key
    browser = Client(HTTP_HOST=BOTOSANI)
    browser.force_login(resident)

    response = browser.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert _me(api, key)[0] == 200


@pytest.mark.django_db
def test_resetting_the_password_stops_the_old_token(
    botosani: Municipality, resident: User, api: APIClient
) -> None:
    old = services.api_token_create(user=resident).key
    browser = Client(HTTP_HOST=BOTOSANI)
    uid = urlsafe_base64_encode(force_bytes(resident.pk))
    link = f"/accounts/password-reset/{uid}/{default_token_generator.make_token(resident)}/"
    form_page = browser.get(link, follow=True)
    assert form_page.context["validlink"] is True

    done = browser.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done["Location"] == "/accounts/password-reset/complete/"
    assert _me(api, old)[:2] == (401, "Token")
    assert _token_for(api, resident.email, NEW_PASSWORD) != old


@pytest.mark.django_db
def test_a_password_set_anywhere_else_stops_the_old_token(
    botosani: Municipality, resident: User, api: APIClient
) -> None:
    # The admin's password form and manage.py changepassword both end in set_password + save.
    old = services.api_token_create(user=resident).key
    resident.set_password(NEW_PASSWORD)
    resident.save()

    assert _me(api, old)[:2] == (401, "Token")
    assert not Token.objects.filter(user=resident).exists()


@pytest.mark.django_db
def test_saving_a_person_without_a_new_password_keeps_the_token(
    botosani: Municipality, resident: User, api: APIClient
) -> None:
    key = services.api_token_create(user=resident).key
    resident.full_name = "Ana Maria Popescu"
    resident.save()

    assert _me(api, key)[0] == 200
