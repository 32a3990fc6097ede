"""Uploaded files are served by Django in development mode only."""

import importlib
from pathlib import Path

import pytest
from django.test import Client
from django.urls import clear_url_caches
from pytest_django import Settings

import config.urls


def _get_with_debug(settings: Settings, *, debug: bool) -> int:
    settings.DEBUG = debug
    importlib.reload(config.urls)  # the media route is added when the URLs are read
    clear_url_caches()
    return Client().get("/media/photo.txt", HTTP_HOST="127.0.0.1").status_code


# The 404 page reads its fragment cache, which is in the database.
@pytest.mark.django_db
def test_media_served_in_development_only(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "photo.txt").write_text("hello")
    settings.MEDIA_ROOT = tmp_path
    try:
        assert _get_with_debug(settings, debug=True) == 200
        assert _get_with_debug(settings, debug=False) == 404
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()


@pytest.mark.django_db
def test_media_served_in_the_demo_with_debug_off(settings: Settings, tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    (media / "photo.txt").write_text("hello")
    (tmp_path / "secret.txt").write_text("outside the media folder")
    settings.MEDIA_ROOT = media
    settings.SERVE_MEDIA = True
    try:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()
        client = Client()
        served = client.get("/media/photo.txt", HTTP_HOST="127.0.0.1")
        outside = client.get("/media/../secret.txt", HTTP_HOST="127.0.0.1")
        encoded = client.get("/media/%2e%2e/secret.txt", HTTP_HOST="127.0.0.1")
        assert served.status_code == 200
        assert b"".join(served.streaming_content) == b"hello"  # type: ignore[attr-defined]
        assert served["X-Content-Type-Options"] == "nosniff"
        # serve() refuses a path out of MEDIA_ROOT as suspicious: 400, nothing read.
        assert (outside.status_code, encoded.status_code) == (400, 400)
        assert b"outside" not in outside.content + encoded.content
    finally:
        settings.SERVE_MEDIA = False
        importlib.reload(config.urls)
        clear_url_caches()
