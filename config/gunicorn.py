"""Gunicorn settings for production: ``gunicorn -c config/gunicorn.py config.wsgi``.

The access log is written to standard output like the application's log, with the value
of any ``api_key`` parameter (Open311 clients may put it in the URL) redacted."""

from __future__ import annotations

import datetime
from typing import Any

from gunicorn.glogging import Logger

from digiplace.core.redaction import redact

accesslog = "-"


class RedactingLogger(Logger):  # type: ignore[misc]
    """Gunicorn's logger with secrets redacted from every access-log field (request line,
    query string, Referer and the other headers)."""

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            name: redact(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


logger_class = RedactingLogger
