"""The production recipes in deploy/: the Compose file is valid (the Compose Specification's
schema, and ``docker compose config`` where Docker Compose is installed), its health checks
and the image's call real views, every command is a real manage.py command or gunicorn with
the real configuration, the systemd units parse and name programs that exist, and the
upgrade script restarts one web unit at a time, gated on readiness."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.test import Client
from django.urls import resolve

from digiplace.urbandata.mqtt.files import ACL_FILE, PASSWORD_FILE

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
APP_SERVICES = ("web", "worker", "scheduler", "mqtt-ingest")
UNITS = (
    "digiplace-web@.service",
    "digiplace-worker.service",
    "digiplace-scheduler.service",
    "digiplace-mqtt-ingest.service",
)


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def _healthcheck_urls() -> list[str]:
    urls = []
    for service in _compose()["services"].values():
        test = service.get("healthcheck", {}).get("test", [])
        urls += re.findall(r"https?://[^\s\"']+", " ".join(test))
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK") :].split("\n\n")[0]
    urls += re.findall(r"https?://[^\s\"']+", healthcheck)
    return urls


def _check_command(command: list[str]) -> str:
    """What the command runs, after checking it is real: a manage.py command of this
    project, or gunicorn with config/gunicorn.py and the WSGI application."""
    if command[0].endswith("gunicorn"):
        assert command[1:4] == ["-c", "config/gunicorn.py", "config.wsgi"], command
        assert (ROOT / "config" / "gunicorn.py").is_file()
        assert (ROOT / "config" / "wsgi.py").is_file()
        return "gunicorn"
    assert command[0].endswith("python") and command[1] == "manage.py", command
    assert command[2] in get_commands(), f"no manage.py command {command[2]}"
    return command[2]


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    schema = json.loads((DEPLOY / "schema" / "compose-spec.json").read_text())
    errors = [
        f"{'/'.join(map(str, error.path))}: {error.message}"
        for error in jsonschema.Draft201909Validator(schema).iter_errors(_compose())
    ]
    assert errors == []
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        # Docker Compose itself, with every required variable filled in.
        environment = {**os.environ, **{k: v or "x" for k, v in _env_example().items()}}
        result = subprocess.run(
            [docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
        )
        assert result.returncode == 0, result.stderr


def test_the_compose_file_runs_the_real_services_with_health_checks_and_restarts() -> None:
    services = _compose()["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "mosquitto",
        "web",
        "worker",
        "scheduler",
        "mqtt-ingest",
        "caddy",
    }
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
    ran = {name: _check_command(services[name]["command"]) for name in APP_SERVICES}
    assert ran == {
        "web": "gunicorn",
        "worker": "db_worker",
        "scheduler": "scheduler",
        "mqtt-ingest": "urbandata_mqtt",
    }
    # The entrypoint migrates before gunicorn, and the others wait for those migrations.
    entrypoint = (DEPLOY / "entrypoint.sh").read_text()
    assert "python manage.py upgrade --no-collectstatic" in entrypoint
    for command in ("db_worker", "scheduler", "urbandata_mqtt"):
        assert command in entrypoint
    # The database and the cache are healthy before any application process starts.
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
    assert services["caddy"]["depends_on"]["web"]["condition"] == "service_healthy"
    for name in ("postgres", "redis", "mosquitto", "web"):
        assert services[name]["healthcheck"]["test"], name
    assert "allkeys-lru" in services["redis"]["command"]
    environment = services["web"]["environment"]
    assert environment["DIGIPLACE_TRUSTED_PROXIES"] == "1"
    assert environment["DIGIPLACE_REDIS_URL"] == "redis://redis:6379/0"
    # Caddy proxies to the port gunicorn binds.
    bind = services["web"]["command"][services["web"]["command"].index("--bind") + 1]
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert f"port {bind.rsplit(':', 1)[1]}" in caddyfile
    assert "name web" in caddyfile


def test_every_variable_the_recipes_read_is_documented_in_the_env_example() -> None:
    documented = set(_env_example())
    compose = (DEPLOY / "compose.yaml").read_text()
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", compose)) | set(
        re.findall(r"\{\$([A-Z0-9_]+)", caddyfile)
    )
    # The image's own tag is chosen on the command line (DIGIPLACE_IMAGE_TAG=1.2 docker ...).
    assert used - documented == {"DIGIPLACE_IMAGE_TAG"}
    for required in ("DIGIPLACE_SECRET_KEY", "DIGIPLACE_ALLOWED_HOSTS", "POSTGRES_PASSWORD"):
        assert required in documented


def test_the_broker_reads_the_files_the_platform_writes() -> None:
    services = _compose()["services"]
    mounts = services["mosquitto"]["volumes"]
    assert "mosquitto-files:/mosquitto/files:ro" in mounts
    for name in ("web", "worker", "mqtt-ingest"):
        assert "mosquitto-files:/var/lib/digiplace/mosquitto" in services[name]["volumes"]
    assert "10001" in services["mosquitto"]["group_add"]
    assert "--gid 10001" in (DEPLOY / "Dockerfile").read_text()
    for conf, folder in (
        (DEPLOY / "mosquitto" / "mosquitto.conf", "/mosquitto/files"),
        (SYSTEMD / "mosquitto-digiplace.conf", "/var/lib/digiplace/mosquitto"),
    ):
        lines = conf.read_text().splitlines()
        assert f"password_file {folder}/{PASSWORD_FILE}" in lines
        assert f"acl_file {folder}/{ACL_FILE}" in lines
        assert "allow_anonymous false" in lines
    for script in (DEPLOY / "entrypoint.sh", DEPLOY / "mosquitto" / "run.sh"):
        assert subprocess.run(["sh", "-n", str(script)], check=False).returncode == 0
    for script in (SYSTEMD / "digiplace-upgrade", SYSTEMD / "digiplace-manage"):
        assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0


@pytest.mark.django_db
def test_every_health_check_calls_a_real_view(botosani) -> None:
    urls = _healthcheck_urls()
    assert "http://127.0.0.1:8000/readyz" in urls
    client = Client()
    for url in urls:
        path = "/" + url.split("/", 3)[3]
        resolve(path)  # a view of this project, or Resolver404
        response = client.get(path, HTTP_HOST="botosani.localhost")
        # /readyz answers 503 here (no worker has run): a real answer all the same, in JSON.
        assert response.status_code in {200, 503}, (path, response.status_code)
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["status"] in {"ok", "fail"}


def _unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((SYSTEMD / name).read_text())
    return parser


def test_the_systemd_units_run_real_commands_hardened_and_restarted() -> None:
    ran = {}
    for name in UNITS:
        service = _unit(name)["Service"]
        assert service["Restart"] == "always", name
        assert service["User"] == "digiplace", name
        assert service["EnvironmentFile"] == "/etc/digiplace/digiplace.env", name
        assert service["ProtectSystem"] == "strict", name
        assert service["NoNewPrivileges"] == "yes", name
        assert service["ReadWritePaths"] == "/var/lib/digiplace", name
        start_pre = shlex.split(service["ExecStartPre"])
        assert _check_command(start_pre[:3]) == "upgrade", name
        command = [part.replace("%i", "8001") for part in shlex.split(service["ExecStart"])]
        assert command[0].startswith("/opt/digiplace/.venv/bin/"), name
        ran[name] = _check_command(command)
    assert ran == {
        "digiplace-web@.service": "gunicorn",
        "digiplace-worker.service": "db_worker",
        "digiplace-scheduler.service": "scheduler",
        "digiplace-mqtt-ingest.service": "urbandata_mqtt",
    }


def test_systemd_verifies_the_units_with_their_programs(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze (Debian's systemd package) checks the units"
    # The units as installed, with this checkout standing for /opt/digiplace (its .venv
    # holds the programs they run).
    names = []
    for unit in sorted(SYSTEMD.glob("*.service")) + sorted(SYSTEMD.glob("*.path")):
        name = unit.name.replace("@.service", "@8001.service")
        (tmp_path / name).write_text(unit.read_text().replace("/opt/digiplace", str(ROOT)))
        names.append(f"./{name}")
    result = subprocess.run(
        [analyze, "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def _fake_systemctl(tmp_path: Path) -> Path:
    log = tmp_path / "systemctl.log"
    script = tmp_path / "systemctl"
    script.write_text(f'#!/bin/sh\necho "$@" >> {shlex.quote(str(log))}\n')
    script.chmod(0o755)
    return log


def _upgrade_script(live_server, tmp_path: Path, ready_path: str) -> subprocess.CompletedProcess:
    port = live_server.url.rsplit(":", 1)[1]
    environment = {
        **os.environ,
        "SYSTEMCTL": str(tmp_path / "systemctl"),
        "PYTHON": sys.executable,
        "DIGIPLACE_ALLOWED_HOSTS": "localhost",
        # The same server stands for both web units (a second port that answers too).
        "DIGIPLACE_UPGRADE_PORTS": f"{port} {port}",
        "DIGIPLACE_UPGRADE_READY_PATH": ready_path,
        "DIGIPLACE_UPGRADE_TRIES": "3",
        "DIGIPLACE_UPGRADE_INTERVAL": "0",
    }
    return subprocess.run(
        ["bash", str(SYSTEMD / "digiplace-upgrade")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_script_restarts_one_web_unit_at_a_time_gated_on_its_answer(
    live_server, tmp_path: Path
) -> None:
    log = _fake_systemctl(tmp_path)
    port = live_server.url.rsplit(":", 1)[1]
    result = _upgrade_script(live_server, tmp_path, "/healthz")
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [
        f"restart digiplace-web@{port}.service",
        "restart digiplace-worker.service",
        "restart digiplace-scheduler.service",
        "restart digiplace-mqtt-ingest.service",
        f"restart digiplace-web@{port}.service",
    ]
    log.unlink()
    # A unit that never answers 200 (here: a path with no view) stops the upgrade after it;
    # the background units and the other web unit are left as they were.
    result = _upgrade_script(live_server, tmp_path, "/no-such-readiness-check")
    assert result.returncode == 1
    assert "did not become ready" in result.stderr
    assert "404" in result.stderr
    assert log.read_text().splitlines() == [f"restart digiplace-web@{port}.service"]


@pytest.mark.django_db(transaction=True)
def test_the_health_check_script_passes_on_200_only(live_server) -> None:
    environment = {**os.environ, "DIGIPLACE_ALLOWED_HOSTS": ".localhost,localhost"}
    script = str(DEPLOY / "healthcheck.py")
    ok = subprocess.run(
        [sys.executable, script, f"{live_server.url}/healthz"], env=environment, check=False
    )
    assert ok.returncode == 0
    missing = subprocess.run(
        [sys.executable, script, f"{live_server.url}/no-such-page"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1
    assert "404" in missing.stdout
