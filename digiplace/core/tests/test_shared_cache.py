"""The cache (host → municipality and the rest) is shared by every process: the database
cache by default, created by core's migration so that `migrate` alone prepares it."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from digiplace.core.models import Municipality
from digiplace.core.selectors import municipality_for_host


def _database_url() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    assert connection.vendor == "postgresql"
    credentials = quote(database["USER"], safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    return (
        f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/"
        f"{quote(database['NAME'], safe='')}"
    )


def _in_another_process(code: str) -> str:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DIGIPLACE_REDIS_URL"}
    }
    environment.update(DIGIPLACE_MODE="test", DATABASE_URL=_database_url())
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


def test_redis_is_used_when_configured() -> None:
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    environment = {**os.environ, "DIGIPLACE_REDIS_URL": "redis://127.0.0.1:6379/0"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"
