import pytest

from digiplace.core.models import Municipality


@pytest.mark.django_db
def test_city_home_is_in_the_city_default_language(botosani: Municipality, client) -> None:
    response = client.get("/", HTTP_HOST="botosani.localhost:8000")

    assert response.status_code == 200
    assert response.headers["Content-Language"] == "ro"
    assert "Municipiul Botoșani" in response.content.decode()
