"""SQL queries per page, on the database bench/run prepared (run by bench/run).

For each page: the queries of a first request (empty per-process caches) and of a
second one (the steady state every later request sees).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PAGES = [
    ("botosani.localhost", "/", "Botoșani home page"),
    ("timisoara.localhost", "/", "Timișoara home page"),
    ("botosani.localhost", "/accounts/login/", "Botoșani login page"),
    ("127.0.0.1", "/", "platform landing page"),
    ("127.0.0.1", "/api/v1/municipalities/", "API: municipalities list"),
    ("botosani.localhost", "/api/v1/municipalities/", "API: municipalities list (city host)"),
]


def queries_for(client: Client, host: str, path: str) -> list[str]:
    """The SQL of one GET of ``path`` on ``host``, which must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, headers={"host": host})
    if response.status_code != 200:
        raise SystemExit(f"http://{host}{path} answered {response.status_code}")
    return [query["sql"] for query in captured.captured_queries]


def main() -> None:
    client = Client()
    verbose = "--verbose" in sys.argv
    print(f"{'page':<38} {'URL':<48} {'first':>5} {'then':>5}")
    for host, path, name in PAGES:
        first = queries_for(client, host, path)
        then = queries_for(client, host, path)
        print(f"{name:<38} {'http://' + host + path:<48} {len(first):>5} {len(then):>5}")
        if verbose:
            for sql in then:
                print(f"    {sql[:160]}")


if __name__ == "__main__":
    main()
