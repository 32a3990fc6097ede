"""Database connections a test opens under an alias of its own (a fresh database to restore or
copy into), outside ``settings.DATABASES``: Django's test case allows such connections, made
by the test itself, to reconnect after a restore closed them."""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.utils import load_backend


def alias_register(alias: str, settings_dict: dict[str, Any]) -> None:
    # The handler fills in a settings dictionary's defaults only beside a default one.
    configured = connections.configure_settings(
        {"default": dict(connections.settings["default"]), alias: settings_dict}
    )[alias]
    connections[alias] = load_backend(configured["ENGINE"]).DatabaseWrapper(configured, alias)


def alias_forget(alias: str) -> None:
    connections[alias].close()
    # The handler keeps each thread's connections in ``_connections`` (asgiref Local).
    delattr(connections._connections, alias)  # type: ignore[attr-defined]
