"""Secrets never reach a log: ``api_key`` values in URLs and query strings are replaced."""

from __future__ import annotations

import logging
import re

# Query names whose values are secrets; also matched percent-encoded (api%5Fkey).
SECRET_PARAMETER = re.compile(r"((?:^|[?&;\s\"'])api(?:_|%5[fF])key=)[^&;\s\"']*", re.IGNORECASE)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with the value of every ``api_key=`` parameter replaced."""
    return SECRET_PARAMETER.sub(r"\1" + REDACTED, text) if "key=" in text.lower() else text


class RedactSecretsFilter(logging.Filter):
    """A logging filter that redacts secrets from the formatted message (for example the
    development server's request lines) before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
