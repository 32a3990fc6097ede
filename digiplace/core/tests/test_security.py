"""Security headers and the Content-Security-Policy's premise: no inline script or style."""

import re
from pathlib import Path

import pytest
from django.test import Client

from digiplace.core.models import Municipality

TEMPLATE_ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"|\son[a-z]+=\"", re.IGNORECASE)


def _templates() -> list[Path]:
    # Documents (reports rendered to PDF and downloaded as files) are not served as pages.
    return sorted(
        path
        for path in TEMPLATE_ROOT.glob("*/templates/**/*.html")
        if "documents" not in path.relative_to(TEMPLATE_ROOT).parts
    )


def test_templates_have_no_inline_script_or_style() -> None:
    offenders = [
        str(path.relative_to(TEMPLATE_ROOT))
        for path in _templates()
        if INLINE_SCRIPT.search(path.read_text()) or INLINE_STYLE.search(path.read_text())
    ]

    assert _templates(), "no templates found"
    assert offenders == []


@pytest.mark.django_db
def test_pages_carry_security_headers(botosani: Municipality, client: Client) -> None:
    response = client.get("/", HTTP_HOST="botosani.localhost")

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_forms_require_csrf(botosani: Municipality) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/language/", {"language": "en"}, HTTP_HOST="botosani.localhost")

    assert response.status_code == 403


def test_passwords_are_hashed_with_argon2() -> None:
    from django.contrib.auth.hashers import get_hasher

    assert get_hasher().algorithm == "argon2"
