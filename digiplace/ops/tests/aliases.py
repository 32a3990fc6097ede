"""Database connections a test opens under an alias of its own (a fresh database to restore or
copy into), outside ``settings.DATABASES``: Django's test case allows such connections, made
by the test itself, to reconnect after a restore closed them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend

from digiplace.ops.transfer import models_ordered


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


def sqlite_make(alias: str, path: Path) -> None:
    """A temporary SQLite database with every model's table, marked migrated as the test
    database is, and empty."""
    alias_register(alias, {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)})
    with connections[alias].schema_editor() as editor:
        for model in models_ordered(alias):
            # Auto-created many-to-many tables come with their model's.
            if not model._meta.auto_created:
                editor.create_model(model)
    recorder = MigrationRecorder(connections[alias])
    recorder.ensure_schema()
    recorder.migration_qs.bulk_create(
        recorder.Migration(app=app, name=name)
        for app, name in MigrationRecorder(connection).applied_migrations()
    )
