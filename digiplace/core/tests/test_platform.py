"""Municipality resolution, languages, branding and the landing page."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from digiplace.core import modules
from digiplace.core.branding import contrast_ratio, readable_text_colour
from digiplace.core.models import Municipality, User
from digiplace.core.tests.factories import MunicipalityFactory

BOTOSANI = "botosani.localhost:8000"


@pytest.mark.django_db
def test_landing_page_lists_hosted_municipalities(
    botosani: Municipality, timisoara: Municipality, client: Client
) -> None:
    MunicipalityFactory.create(slug="closed", name="Closed town", is_active=False)

    response = client.get("/", HTTP_HOST="127.0.0.1:8000")

    page = response.content.decode()
    assert response.status_code == 200
    assert "http://botosani.localhost:8000/" in page
    assert "http://timisoara.localhost:8000/" in page
    assert "Closed town" not in page


@pytest.mark.django_db
def test_unknown_host_gets_a_helpful_404(botosani: Municipality, client: Client) -> None:
    response = client.get("/", HTTP_HOST="nowhere.localhost:8000")

    page = response.content.decode()
    assert response.status_code == 404
    assert "nowhere.localhost" in page
    assert "http://botosani.localhost:8000/" in page


@pytest.mark.django_db
def test_inactive_municipality_host_is_unknown(client: Client) -> None:
    MunicipalityFactory.create(slug="dormant", is_active=False, hosts=["dormant.localhost"])

    response = client.get("/", HTTP_HOST="dormant.localhost")

    assert response.status_code == 404


@pytest.mark.django_db
def test_city_home_speaks_the_city_default_language(botosani: Municipality, client: Client) -> None:
    response = client.get("/", HTTP_HOST=BOTOSANI, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    page = response.content.decode()
    assert response.headers["Content-Language"] == "ro"
    assert '<html lang="ro">' in page
    assert "<h1>Municipiul Botoșani</h1>" in page


@pytest.mark.django_db
def test_language_switch_sets_cookie_and_translates_content(
    botosani: Municipality, client: Client
) -> None:
    response = client.post("/language/", {"language": "en", "next": "/"}, HTTP_HOST=BOTOSANI)

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/", HTTP_HOST=BOTOSANI).content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Botoșani Municipality</h1>" in page


@pytest.mark.django_db
def test_language_switch_remembers_choice_for_signed_in_person(
    botosani: Municipality, resident: User, client: Client
) -> None:
    client.force_login(resident)

    client.post("/language/", {"language": "en", "next": "/"}, HTTP_HOST=BOTOSANI)

    resident.refresh_from_db()
    assert resident.preferred_language == "en"


@pytest.mark.django_db
def test_preferred_language_applies_without_cookie(
    botosani: Municipality, resident: User, client: Client
) -> None:
    resident.preferred_language = "en"
    resident.save()
    client.force_login(resident)

    response = client.get("/", HTTP_HOST=BOTOSANI)

    assert response.headers["Content-Language"] == "en"


@pytest.mark.django_db
def test_language_switch_refuses_unknown_language_and_foreign_redirect(
    botosani: Municipality, client: Client
) -> None:
    response = client.post(
        "/language/", {"language": "xx", "next": "https://evil.example/"}, HTTP_HOST=BOTOSANI
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_language_offered_only_if_the_city_offers_it(client: Client) -> None:
    MunicipalityFactory.create(slug="monolingual", languages=["ro"], hosts=["mono.localhost"])

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/", HTTP_HOST="mono.localhost")

    assert response.headers["Content-Language"] == "ro"
    assert 'value="en"' not in response.content.decode()


@pytest.mark.django_db
def test_landing_page_follows_the_browser_language(botosani: Municipality, client: Client) -> None:
    response = client.get("/", HTTP_HOST="127.0.0.1:8000", HTTP_ACCEPT_LANGUAGE="ro")

    assert response.headers["Content-Language"] == "ro"


@pytest.mark.django_db
def test_branding_css_uses_city_colours_with_readable_text(
    timisoara: Municipality, client: Client
) -> None:
    response = client.get("/branding.css", HTTP_HOST="timisoara.localhost")

    css = response.content.decode()
    assert response["Content-Type"] == "text/css"
    assert "--brand: #6d1f3b;" in css
    assert "--brand-text: #ffffff;" in css


def test_readable_text_colour_meets_wcag_contrast() -> None:
    for background in ("#6d1f3b", "#1d4f7a", "#f2c94c", "#ffffff", "#777777"):
        text = readable_text_colour(background)
        assert contrast_ratio(background, text) >= 4.5, background
    assert readable_text_colour("#f2c94c") == "#000000"


@pytest.mark.django_db
def test_navigation_shows_only_modules_that_exist(botosani: Municipality, client: Client) -> None:
    page = client.get("/", HTTP_HOST=BOTOSANI).content.decode()

    navigation = page.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    module_links = [spec.public_url_name for spec in modules.all_modules() if spec.public_url_name]
    # home, one link per installed module, log in, register: no placeholder sections
    assert navigation.count("<a href=") == 3 + len(module_links)
    for url_name in module_links:
        assert f'<a href="{reverse(url_name)}">' in navigation


@pytest.mark.django_db
def test_page_has_skip_link_and_map_component(botosani: Municipality, client: Client) -> None:
    page = client.get("/", HTTP_HOST=BOTOSANI).content.decode()

    assert '<a class="skip-link" href="#main">' in page
    assert '<main id="main"' in page
    assert "data-map" in page
    assert 'data-bounds="47.700000,26.590000,47.790000,26.740000"' in page


@pytest.mark.django_db
def test_health_check(client: Client) -> None:
    response = client.get("/healthz", HTTP_HOST="127.0.0.1")

    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_municipality_rejects_inverted_bounds() -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MunicipalityFactory.create(slug="inverted", bounds_south=48.0, bounds_north=47.0)
    assert not Municipality.objects.filter(slug="inverted").exists()


@pytest.mark.django_db
def test_an_anonymous_page_switches_language_with_a_get_form_and_no_token(
    botosani: Municipality, client: Client
) -> None:
    page = client.get("/plans/", HTTP_HOST=BOTOSANI).content.decode()
    assert 'class="language-switch" method="get"' in page
    assert "csrfmiddlewaretoken" not in page

    response = client.get(
        "/language/", {"language": "en", "next": "/plans/?page=1"}, HTTP_HOST=BOTOSANI
    )

    assert response.status_code == 302
    assert response["Location"] == "/plans/?page=1"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "no-store" in response["Cache-Control"], "a switch is never cached"
    assert client.get("/plans/", HTTP_HOST=BOTOSANI)["Content-Language"] == "en"
    refused = client.get(
        "/language/", {"language": "en", "next": "https://evil.example/"}, HTTP_HOST=BOTOSANI
    )
    assert refused["Location"] == "/"


@pytest.mark.django_db
def test_a_get_switch_never_writes_the_profile_only_a_signed_in_post_does(
    botosani: Municipality, resident: User, client: Client
) -> None:
    client.force_login(resident)
    page = client.get("/", HTTP_HOST=BOTOSANI).content.decode()
    assert 'class="language-switch" method="post"' in page
    assert "csrfmiddlewaretoken" in page

    response = client.get("/language/", {"language": "en", "next": "/"}, HTTP_HOST=BOTOSANI)

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    resident.refresh_from_db()
    assert resident.preferred_language != "en", "a forged link cannot change the profile"
