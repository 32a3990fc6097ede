"""The cache (host → municipality and the rest) is shared by every process: the database
cache by default, created by core's migration so that `migrate` alone prepares it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from digiplace.core.models import Municipality, MunicipalityHost
from digiplace.core.selectors import municipality_cache_clear, municipality_for_host
from digiplace.core.tests.databases import database_url
from digiplace.core.tests.factories import UserFactory


def _in_another_process(code: str) -> str:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DIGIPLACE_REDIS_URL"}
    }
    environment.update(DIGIPLACE_MODE="test", DATABASE_URL=database_url())
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_default_cache_is_the_database_cache() -> None:
    assert settings.CACHES["default"] == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "digiplace_cache",
        # Room for the cities' pages (core.page_cache): Django's default keeps 300 entries.
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }


@pytest.mark.django_db(transaction=True)
def test_another_process_sees_what_this_one_cached_and_the_other_way_round() -> None:
    cache.set("digiplace:test:from-tests", "set by the test process", 60)

    seen = _in_another_process(
        "from django.core.cache import cache; "
        "print(cache.get('digiplace:test:from-tests')); "
        "cache.set('digiplace:test:from-shell', 'set by the shell', 60)"
    )

    assert seen == "set by the test process"
    assert cache.get("digiplace:test:from-shell") == "set by the shell"


@pytest.mark.django_db
def test_a_cached_host_costs_one_read_and_an_unknown_host_is_cached_too(
    botosani: Municipality, django_assert_num_queries: Any
) -> None:
    assert municipality_for_host(host="botosani.localhost") == botosani
    assert municipality_for_host(host="nowhere.example") is None

    with django_assert_num_queries(2):  # one cache read each
        assert municipality_for_host(host="botosani.localhost") == botosani
        assert municipality_for_host(host="nowhere.example") is None


@pytest.mark.django_db(transaction=True)
def test_a_host_removed_in_another_process_stops_being_served_here(
    botosani: Municipality,
) -> None:
    assert municipality_for_host(host="botosani.localhost") == botosani  # now cached

    _in_another_process(
        "from digiplace.core.models import Municipality, MunicipalityHost; "
        "from digiplace.core.selectors import municipality_cache_clear; "
        "municipality = Municipality.objects.get(slug='botosani'); "
        "municipality_cache_clear(municipality=municipality); "
        "MunicipalityHost.objects.filter(host='botosani.localhost').delete()"
    )

    assert municipality_for_host(host="botosani.localhost") is None


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis server of this test's own (Debian's redis-server), on a free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("redis-server did not start (scripts/test installs it)")
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_with_digiplace_redis_url_processes_share_the_cache_through_redis(
    redis_url: str,
) -> None:
    environment = {
        **{key: value for key, value in os.environ.items() if key != "DATABASE_URL"},
        "DIGIPLACE_MODE": "test",
        "DIGIPLACE_REDIS_URL": redis_url,
    }

    def shell(code: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    shell("from django.core.cache import cache; cache.set('digiplace:test:shared', 'one', 60)")
    seen = shell(
        "from django.core.cache import caches; "
        "print(type(caches['default']).__name__, caches['default'].get('digiplace:test:shared'))"
    )

    assert seen == "RedisCache one"


@pytest.mark.django_db
def test_a_former_host_is_forgotten_when_the_cache_is_cleared(botosani: Municipality) -> None:
    old_host = MunicipalityHost.objects.create(municipality=botosani, host="old.botosani.example")
    assert municipality_for_host(host="old.botosani.example") == botosani  # now cached

    old_host.delete()
    municipality_cache_clear(municipality=botosani, former_hosts=["old.botosani.example"])

    assert municipality_for_host(host="old.botosani.example") is None
    assert municipality_for_host(host="botosani.localhost") == botosani


class _FormFields(HTMLParser):
    """The values a browser would send for the first form with method POST on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in attributes:
                    self.fields[name] = attributes.get("value") or "on"
            elif kind not in {"submit", "button", "file"}:
                self.fields[name] = attributes.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attributes:
            self.fields[self._select] = attributes.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


@pytest.mark.django_db
def test_a_host_removed_in_the_admin_stops_being_served_at_once(
    botosani: Municipality, client: Client
) -> None:
    MunicipalityHost.objects.create(municipality=botosani, host="old.botosani.example")
    assert municipality_for_host(host="old.botosani.example") == botosani  # now cached
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    url = reverse("admin:core_municipality_change", args=[botosani.pk])
    page = client.get(url, HTTP_HOST="127.0.0.1")
    assert page.status_code == 200
    parser = _FormFields()
    parser.feed(page.content.decode())
    data = parser.fields
    old_row = next(
        key.removesuffix("-host")
        for key, value in data.items()
        if key.endswith("-host") and value == "old.botosani.example"
    )

    data[f"{old_row}-DELETE"] = "on"
    response = client.post(url, data, HTTP_HOST="127.0.0.1")

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not MunicipalityHost.objects.filter(host="old.botosani.example").exists()
    assert municipality_for_host(host="old.botosani.example") is None
