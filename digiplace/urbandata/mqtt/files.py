"""The broker's password and ACL files, written by the platform from the active device keys.

``passwords`` holds ``user:hash`` lines in mosquitto 2's own format (``$7$``: PBKDF2-SHA512,
the hash ``DeviceKey.mqtt_password_hash`` keeps); ``acl`` lets each device user write only
its city's topic and the ingest worker's user read every city's. Both are written to a
temporary file and renamed over the old one (the broker never reads half a file), under a
lock (two processes writing at once cannot leave the older state last), and the broker is
asked to reload them (SIGHUP to the process in ``mosquitto.pid``) when they changed.

Call ``broker_files_write_on_commit()`` after a key is issued or revoked; the ingest worker
also rewrites them when it starts and every minute, in case a key changed elsewhere.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import hmac
import logging
import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from . import DEVICE_SUBSCRIPTION, INGEST_SUBSCRIPTION, city_topic, device_topic
from .connection import BrokerAddress, broker_address, username_is_safe

logger = logging.getLogger(__name__)

PASSWORD_FILE = "passwords"  # noqa: S105 (a file name)
ACL_FILE = "acl"
PID_FILE = "mosquitto.pid"
CONFIG_FILE = "mosquitto.conf"
PERSISTENCE_DIR = "data"
LOCK_FILE = ".lock"
# The largest MQTT packet the broker accepts (a batch of a few hundred readings fits).
MAX_PACKET_BYTES = 256 * 1024


@dataclass(frozen=True)
class BrokerFiles:
    directory: Path
    changed: bool
    reloaded: bool
    device_users: int


def files_directory(files_dir: str | Path | None = None) -> Path:
    return Path(files_dir if files_dir is not None else settings.URBANDATA_MQTT_FILES_DIR)


def _worker_password_hash(address: BrokerAddress) -> str:
    from ..services.keys import MOSQUITTO_SALT_BYTES, mosquitto_password_hash

    # A salt derived from the secret key: the same URL gives the same line, so an unchanged
    # file is not rewritten and the broker is not reloaded for nothing.
    salt = hmac.new(
        settings.SECRET_KEY.encode(),
        f"mqtt-ingest\0{address.username}\0{address.password}".encode(),
        hashlib.sha256,
    ).digest()[:MOSQUITTO_SALT_BYTES]
    return mosquitto_password_hash(address.password, salt=salt)


def broker_files_text(*, ingest_url: str) -> tuple[str, str, int]:
    """The password file's and the ACL file's text, and how many device users they list."""
    from ..models import DeviceKey

    password_lines: list[str] = []
    acl_lines = ["# Written by DigiPlace from the active device keys; do not edit.", ""]
    if ingest_url:
        address = broker_address(ingest_url)
        password_lines.append(f"{address.username}:{_worker_password_hash(address)}")
        acl_lines += [
            f"user {address.username}",
            f"topic read {INGEST_SUBSCRIPTION}",
            f"topic read {DEVICE_SUBSCRIPTION}",
            "",
        ]
    keys = (
        DeviceKey._base_manager.filter(revoked_at__isnull=True)
        .exclude(mqtt_password_hash="")
        .select_related("municipality")
        .order_by("username")
    )
    devices = 0
    for key in keys:
        if not username_is_safe(key.username) or "\n" in key.mqtt_password_hash:
            logger.warning("Device key %s left out of the broker files: unusable name", key.pk)
            continue
        devices += 1
        password_lines.append(f"{key.username}:{key.mqtt_password_hash}")
        # A key bound to a device writes only its own topic, a city-wide key its city's.
        topic = (
            city_topic(key.municipality.slug)
            if key.entity_id is None
            else device_topic(key.municipality.slug, key.username)
        )
        acl_lines += [f"user {key.username}", f"topic write {topic}", ""]
    return "\n".join(password_lines) + "\n", "\n".join(acl_lines), devices


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with open(directory / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _replace(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically; False when it already held exactly that."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except FileNotFoundError:
        pass
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o640)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def broker_reload(*, files_dir: str | Path | None = None) -> bool:
    """Ask the broker whose pid file is in the files folder to reload its files (SIGHUP);
    False when no broker of ours runs there."""
    pid_path = files_directory(files_dir) / PID_FILE
    try:
        pid = int(pid_path.read_text().strip())
        # A stale pid file could name another process, which SIGHUP would end.
        command = Path(f"/proc/{pid}/comm").read_text().strip()
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False
    if command != "mosquitto":
        return False
    try:
        os.kill(pid, signal.SIGHUP)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def broker_files_write(
    *, files_dir: str | Path | None = None, ingest_url: str | None = None, reload: bool = True
) -> BrokerFiles | None:
    """Write the password and ACL files from the active keys and reload the broker when
    they changed. Does nothing (None) when MQTT is off: no ``URBANDATA_MQTT_URL`` and no
    folder given."""
    url = settings.URBANDATA_MQTT_URL if ingest_url is None else ingest_url
    if not url and files_dir is None:
        return None
    directory = files_directory(files_dir)
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory):
        passwords, acl, devices = broker_files_text(ingest_url=url)
        changed = _replace(directory / PASSWORD_FILE, passwords)
        changed = _replace(directory / ACL_FILE, acl) or changed
    reloaded = broker_reload(files_dir=directory) if changed and reload else False
    return BrokerFiles(
        directory=directory, changed=changed, reloaded=reloaded, device_users=devices
    )


def broker_files_write_on_commit() -> None:
    """Rewrite the broker files once the current transaction commits (after a key is
    issued or revoked); a failure is logged, never raised into the caller's request."""

    def write() -> None:
        try:
            broker_files_write()
        except Exception:
            logger.exception("Could not write the MQTT broker files")

    transaction.on_commit(write)


def broker_config_write(
    *, port: int, host: str = "127.0.0.1", files_dir: str | Path | None = None
) -> Path:
    """A mosquitto configuration for a broker of the platform's own (the run command's, the
    tests'): password and ACL files from the folder, persistence, queues large enough that
    the ingest worker's session loses nothing while the worker is stopped."""
    directory = files_directory(files_dir).resolve()
    (directory / PERSISTENCE_DIR).mkdir(parents=True, exist_ok=True)
    lines = [
        "# Written by DigiPlace (manage.py mqtt_broker); rewritten on each start.",
        "per_listener_settings false",
        "allow_anonymous false",
        f"password_file {directory / PASSWORD_FILE}",
        f"acl_file {directory / ACL_FILE}",
        f"pid_file {directory / PID_FILE}",
        # Run as the user who starts it (as root mosquitto would switch to "mosquitto",
        # who cannot read the platform's files).
        f"user {getpass.getuser()}",
        "persistence true",
        f"persistence_location {directory / PERSISTENCE_DIR}/",
        # Saved every 30 s and on a clean stop: a killed broker may lose the last seconds.
        "autosave_interval 30",
        # The defaults (1000 queued, 20 in flight) would drop readings while the worker is
        # away, and hold a batching worker to 20 messages at a time.
        "max_queued_messages 1000000",
        "max_inflight_messages 1000",
        f"max_packet_size {MAX_PACKET_BYTES}",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "connection_messages false",
        f"listener {port} {host}",
        "",
    ]
    path = directory / CONFIG_FILE
    _replace(path, "\n".join(lines))
    return path
