"""Production settings: secrets from the environment, refusal without them, a clean deploy check."""

import os
import subprocess
import sys
from pathlib import Path

from config.settings import database_from_url

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "DIGIPLACE_MODE": "production",
    "DIGIPLACE_SECRET_KEY": "k3#9vT!qZ2w@Lp8xR5sN0bY7mC4dF6hJ1gU-aE_oW^iK*zQ&u8Yt2Pn5Rv",
    "DIGIPLACE_ALLOWED_HOSTS": "botosani.example.org,timisoara.example.org",
    "DATABASE_URL": "postgres://digiplace:secret@127.0.0.1:5432/digiplace",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DIGIPLACE_")}
    for variable in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):  # the browser tests set it
        clean.pop(variable, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_mode_passes_the_deploy_check() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_mode_refuses_to_start_without_secrets() -> None:
    for missing in ("DIGIPLACE_SECRET_KEY", "DIGIPLACE_ALLOWED_HOSTS", "DATABASE_URL"):
        env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}

        result = _manage("check", env=env)

        assert result.returncode != 0, missing
        assert f"The environment variable {missing} is required" in result.stderr


def test_database_url_parsing() -> None:
    postgres = database_from_url("postgres://city:p%40ss@db.example.org:6543/digiplace")
    sqlite = database_from_url("sqlite:////var/lib/digiplace/db.sqlite3")

    assert (postgres["ENGINE"], postgres["USER"], postgres["PASSWORD"]) == (
        "django.db.backends.postgresql",
        "city",
        "p@ss",
    )
    assert (postgres["HOST"], postgres["PORT"], postgres["NAME"]) == (
        "db.example.org",
        "6543",
        "digiplace",
    )
    assert sqlite["NAME"] == "/var/lib/digiplace/db.sqlite3"


def test_production_static_files_collect(tmp_path: Path) -> None:
    # The manifest storage fails on any file a stylesheet or script names but we lack.
    env = {**PRODUCTION_ENV, "DIGIPLACE_STATIC_ROOT": str(tmp_path / "static")}

    result = _manage("collectstatic", "--noinput", "-v", "0", env=env)

    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "vendor/leaflet/leaflet.js" in manifest
    assert "core/digiplace.css" in manifest
