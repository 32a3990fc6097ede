"""A health check for containers and the systemd upgrade: ``python healthcheck.py URL``
exits 0 when URL answers 200, 1 otherwise (printing the answer's first lines).

It asks as Caddy would: with the first host name of ``DIGIPLACE_ALLOWED_HOSTS`` (Django
refuses a host it does not know) and ``X-Forwarded-Proto: https`` (production redirects plain
HTTP to HTTPS). Python's standard library only: it runs in the image and on a bare server.
"""

from __future__ import annotations

import http.client
import os
import sys
from urllib.parse import urlsplit


def probe_host() -> str:
    for name in os.environ.get("DIGIPLACE_ALLOWED_HOSTS", "").split(","):
        # ".example.org" allows every subdomain: the domain itself is one of them.
        name = name.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def main(arguments: list[str]) -> int:
    if len(arguments) != 1:
        print("usage: healthcheck.py http://127.0.0.1:8000/readyz", file=sys.stderr)
        return 2
    url = urlsplit(arguments[0])
    path = url.path or "/"
    if url.query:
        path += "?" + url.query
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=8)
    try:
        connection.request(
            "GET", path, headers={"Host": probe_host(), "X-Forwarded-Proto": "https"}
        )
        response = connection.getresponse()
        body = response.read(4000).decode("utf-8", "replace")
    except OSError as error:
        print(f"{arguments[0]}: {error}")
        return 1
    finally:
        connection.close()
    if response.status != 200:
        print(f"{arguments[0]}: {response.status} {response.reason}\n{body}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
