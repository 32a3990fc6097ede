"""The Permissions-Policy header on every response, and help texts rendered escaped."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import Client

from digiplace.core.models import Municipality


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("host", "path", "status"),
    [
        ("botosani.localhost", "/", 200),
        ("botosani.localhost", "/reports/new/", 200),
        ("botosani.localhost", "/no-such-page/", 404),
        ("unknown.localhost", "/", 404),
        # Refused before any other middleware runs (a host outside ALLOWED_HOSTS).
        ("elsewhere.example.org", "/open311/v2/services.json", 404),
    ],
)
def test_every_response_carries_the_permissions_policy(
    botosani: Municipality, client: Client, host: str, path: str, status: int, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = [".localhost"]
    response = client.get(path, HTTP_HOST=host)

    assert response.status_code == status
    features = dict(
        item.strip().split("=", 1) for item in response.headers["Permissions-Policy"].split(",")
    )
    assert features["geolocation"] == "(self)"
    for denied in ("camera", "microphone", "payment", "usb", "serial", "display-capture"):
        assert features[denied] == "()"


class _HelpTextForm(forms.Form):
    name = forms.CharField(help_text="<script>alert('help')</script> & more")


def test_a_help_text_with_markup_is_rendered_escaped() -> None:
    html = render_to_string("core/components/form.html", {"form": _HelpTextForm()})

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;help&#x27;)&lt;/script&gt; &amp; more" in html


@pytest.mark.django_db
def test_password_rules_written_by_the_code_keep_their_list(
    botosani: Municipality, client: Client
) -> None:
    # Django marks the password validators' help as safe HTML; escaping must not break it.
    page = client.get("/accounts/register/", HTTP_HOST="botosani.localhost").content.decode()

    assert "&lt;ul&gt;" not in page
    assert '<div class="help" id="id_password1_helptext"><ul><li>' in page
