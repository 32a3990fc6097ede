"""Gunicorn settings for production: ``gunicorn -c config/gunicorn.py config.wsgi``.

The access log is written to standard output like the application's log. It holds no
personal data: no client address, Referer or user agent; the request line with secrets
(Open311 ``api_key`` values), tokens in links and email addresses redacted; and the request
id (``X-Request-ID``) that the application's own log lines and background tasks carry.

With ``PROMETHEUS_MULTIPROC_DIR`` set, a worker that exits has its live gauges removed from
the figures ``/metrics`` adds up."""

from __future__ import annotations

import datetime
import os
from typing import Any

from gunicorn.glogging import Logger

from digiplace.core.logs import redact_personal

accesslog = "-"
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'


class RedactingLogger(Logger):  # type: ignore[misc]
    """Gunicorn's logger with secrets redacted from every access-log field (request line,
    query string, Referer and the other headers)."""

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            name: redact_personal(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


logger_class = RedactingLogger


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
