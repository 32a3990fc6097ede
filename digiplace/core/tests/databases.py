"""The URL (as ``DATABASE_URL`` reads it) of the database a test runs on, for the processes
a test starts itself (a worker, a management command, a second web process)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from django.db import connection


def database_url(settings_dict: Mapping[str, Any] | None = None, *, name: str = "") -> str:
    """The URL of ``settings_dict``'s database (by default the test database this test runs
    on); ``name``: another database on the same server."""
    settings_dict = settings_dict if settings_dict is not None else connection.settings_dict
    name = name or str(settings_dict["NAME"])
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{name}"
    credentials = quote(settings_dict["USER"] or "", safe="")
    if settings_dict["PASSWORD"]:
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict["HOST"] or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(name, safe='')}"
