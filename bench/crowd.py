"""The crowd benchmark's measurements (run by bench/run-crowd against a running gunicorn).

Each row also gives "uncached ms": the median of three single requests the page cache
cannot answer (a query parameter of their own), what a page costs after a write or on a
signed-in person's first visit.

Every URL crowd_discover finds is run under wrk side by side with /healthz, the floor (one
``SELECT 1`` through the whole middleware stack), measured first and again every
``FLOOR_EVERY`` URLs so that each page is compared with a floor taken minutes, not a quarter
of an hour, away. Anonymous pages and data APIs run at 50 connections, signed-in pages at
20. A URL that does not answer 200 (before or during its run) is an error in the table.

Goals (issue #9): anonymous pages at least half the floor's requests per second with p99
under 100 ms; signed-in pages p95 under 100 ms; data APIs at least 0.3 of the floor.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import django

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

import crowd_discover as discover  # noqa: E402
from django.conf import settings  # noqa: E402

from digiplace.core import selectors  # noqa: E402
from digiplace.core.models import Municipality  # noqa: E402

ANONYMOUS, SIGNED_IN, DATA, FLOOR = "anonymous", "signed-in", "data API", "floor"
CONNECTIONS = {ANONYMOUS: 50, SIGNED_IN: 20, DATA: 50, FLOOR: 50}
FLOOR_EVERY = 20
_UNCACHED = itertools.count(1)
# After a run, wrk's last connections leave requests queued in gunicorn: the next run waits
# until /healthz answers this fast again (at most DRAIN_SECONDS).
DRAIN_MS, DRAIN_SECONDS = 50.0, 3.0
GOAL_TEXT = {
    ANONYMOUS: "≥ 0.5 of the floor, p99 < 100 ms",
    SIGNED_IN: "p95 < 100 ms at 20 connections",
    DATA: "≥ 0.3 of the floor",
}


@dataclass
class Target:
    kind: str
    city: str
    host: str
    language: str
    path: str
    cookies: dict[str, str] = field(default_factory=dict)
    who: str = ""


@dataclass
class Result:
    target: Target
    figures: dict[str, float] = field(default_factory=dict)
    floor_rps: float = 0.0
    uncached_ms: float | None = None
    error: str = ""

    @property
    def share(self) -> float:
        return self.figures["rps"] / self.floor_rps if self.figures and self.floor_rps else 0.0

    @property
    def met(self) -> bool:
        if self.error or not self.figures or not self.figures["requests"]:
            return False
        kind = self.target.kind
        if kind == ANONYMOUS:
            return self.share >= 0.5 and self.figures["p99_ms"] < 100
        if kind == SIGNED_IN:
            return self.figures["p95_ms"] < 100
        if kind == DATA:
            return self.share >= 0.3
        return True

    @property
    def verdict(self) -> str:
        if self.target.kind == FLOOR:
            return "floor"
        if self.error:
            return f"ERROR: {self.error}"
        if self.figures and not self.figures["requests"]:
            return "NOT met (no answer within the run)"
        return "met" if self.met else "NOT met"


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in sorted(cookies.items()))


def drain(base: str, host: str) -> None:
    """Waits until the server has answered what earlier runs left queued."""
    client = discover.Client(base, host)
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        started = time.perf_counter()
        client.get("/healthz")
        if (time.perf_counter() - started) * 1000 < DRAIN_MS:
            return


def wrk(base: str, target: Target, seconds: int, warm_up: bool) -> dict[str, float]:
    """One wrk run (after a one-second warm-up that fills caches and connections)."""
    connections = CONNECTIONS[target.kind]
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(connections),
        "--timeout",
        "5s",
        "-H",
        f"Host: {target.host}",
    ]
    if target.cookies:
        command += ["-H", f"Cookie: {cookie_header(target.cookies)}"]
    url = base + target.path
    drain(base, target.host)
    if warm_up:
        subprocess.run([*command, "-d", "1s", url], check=True, capture_output=True, timeout=60)
        drain(base, target.host)
    output = subprocess.run(
        [*command, "-d", f"{seconds}s", "-s", str(BENCH_DIR / "crowd.lua"), url],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return {
        name: float(value)
        for name, value in (pair.split("=", 1) for pair in line.removeprefix("RESULT ").split())
    }


def uncached_ms(base: str, target: Target, count: int = 3) -> float | None:
    """The median time of ``count`` single requests that the page cache cannot answer (a
    query parameter of their own, which the key holds and views ignore): what a visit costs
    after a write, or a signed-in person's first visit. None if they do not answer 200."""
    client = discover.Client(base, target.host, dict(target.cookies))
    separator = "&" if "?" in target.path else "?"
    times = []
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get(f"{target.path}{separator}_uncached={next(_UNCACHED)}")
        if answer.status != 200:
            return None
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def precheck(base: str, target: Target) -> str:
    """Why one request of the target is not a page to measure ('' when it answers 200, in
    the language asked for)."""
    client = discover.Client(base, target.host, dict(target.cookies))
    answer = client.get(target.path)
    if answer.status != 200:
        location = answer.headers.get("Location", "")
        return f"answered {answer.status}" + (f" → {location}" if location else "")
    served = answer.headers.get("Content-Language", "")
    is_page = target.kind != DATA and "html" in answer.headers.get("Content-Type", "")
    if is_page and served != target.language:
        return f"served in {served or 'no language'}, not {target.language}"
    return ""


def discover_targets(base: str, per_kind: int, quick: bool) -> list[Target]:
    language_cookie = settings.LANGUAGE_COOKIE_NAME
    anonymous: list[Target] = []
    signed_in: list[Target] = []
    data: list[Target] = []
    cities = Municipality.objects.prefetch_related("hosts").order_by("slug")
    for index, city in enumerate(cities):
        hosts = [entry.host for entry in city.hosts.all()]
        if not hosts:
            continue
        host = hosts[0]
        languages = list(selectors.languages_available(municipality=city))
        client = discover.Client(base, host)
        pages = discover.public_pages(client, per_kind)
        bodies: dict[str, bytes] = {}

        def fetch(
            path: str, client: discover.Client = client, bodies: dict[str, bytes] = bodies
        ) -> bytes:
            if path not in bodies:
                answer = client.get(path)
                bodies[path] = answer.body if answer.status == 200 else b""
            return bodies[path]

        # A quick run takes one language per city, taking turns.
        own_language = languages[index % len(languages)]
        for language in [own_language] if quick else languages:
            anonymous.extend(
                Target(ANONYMOUS, city.slug, host, language, path, {language_cookie: language})
                for path in pages
            )
        data.extend(
            Target(DATA, city.slug, host, "–", path)
            for path in discover.data_apis(client, pages, per_kind, fetch)
        )
        # Signed-in pages in one language per city, taking turns (the walk is the same): the
        # back office as the demo staff member (every module) and, for the pages only an
        # administrator has (departments, staff, audit log), the demo administrator; then the
        # demo resident's own pages. Each kind of page once per city.
        cap = discover.KindCap(1)
        for who in ("staff", "admin", "resident"):
            person = discover.Client(base, host, {language_cookie: own_language})
            person.log_in(f"{who}@{city.slug}.example", settings.DEMO_PASSWORD)
            paths = (
                discover.personal_pages(person, pages, limit=4 if quick else 30)
                if who == "resident"
                else discover.backoffice_pages(person, limit=8 if quick else 60)
            )
            signed_in.extend(
                Target(SIGNED_IN, city.slug, host, own_language, path, dict(person.cookies), who)
                for path in paths
                if cap.take(path)
            )
    return [*anonymous, *signed_in, *data]


def summarise(results: list[Result], started: float) -> tuple[str, int]:
    """The summary line and the number of errors."""
    measured = [result for result in results if result.target.kind != FLOOR]
    parts = []
    for kind in (ANONYMOUS, SIGNED_IN, DATA):
        of_kind = [result for result in measured if result.target.kind == kind]
        parts.append(f"{kind} {sum(r.met for r in of_kind)}/{len(of_kind)} ({GOAL_TEXT[kind]})")
    errors = sum(bool(result.error) for result in measured)
    floors = [result.figures["rps"] for result in results if result.target.kind == FLOOR]
    summary = (
        f"{sum(r.met for r in measured)} of {len(measured)} URLs met their goal: "
        + "; ".join(parts)
        + f"; {errors} errors. Floor /healthz {min(floors, default=0):.0f}–"
        f"{max(floors, default=0):.0f} req/s; {os.cpu_count()} CPU cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end; {time.monotonic() - started:.0f} s in all."
    )
    return summary, errors


def write_tables(
    results: list[Result], database: str, output: Path, summary: str, *, show: bool = True
) -> None:
    header = [
        "kind",
        "city",
        "language",
        "path",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "share of the floor",
        "uncached ms",
        "goal",
    ]
    rows = []
    for result in results:
        target, figures = result.target, result.figures
        kind = f"{target.kind} ({target.who})" if target.who else target.kind
        numbers = (
            [
                f"{figures['rps']:.0f}",
                f"{figures['p50_ms']:.1f}",
                f"{figures['p95_ms']:.1f}",
                f"{figures['p99_ms']:.1f}",
                f"{result.share:.2f}" if target.kind != FLOOR else "1.00",
            ]
            if figures
            else ["", "", "", "", ""]
        )
        numbers.append(f"{result.uncached_ms:.1f}" if result.uncached_ms is not None else "")
        rows.append([kind, target.city, target.language, target.path, *numbers, result.verdict])
    output.mkdir(parents=True, exist_ok=True)
    with (output / f"crowd-{database}.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    lines = [
        f"Crowd benchmark on {database}: {summary}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    (output / f"crowd-{database}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if not show:
        return
    widths = [18, 10, 4, 46, 7, 7, 7, 7, 5, 8]  # the goal's column last, as wide as it is
    print()
    names = [name[:width].ljust(width) for name, width in zip(header, widths, strict=False)]
    print("  ".join([*names, header[-1]]))
    for row in rows:
        cells = [
            cell if len(cell) <= width else cell[: width - 1] + "…"
            for cell, width in zip(row, widths, strict=False)
        ]
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=False))
            + "  "
            + row[-1]
        )
    print(f"\n{summary}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--database", required=True, help="its database's name, for the tables")
    parser.add_argument("--output", type=Path, default=Path("var/bench"))
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 1 page per kind, one language per city, 1 s, no warm-up",
    )
    parser.add_argument("--per-kind", type=int, default=None, help="pages per kind (default 3)")
    parser.add_argument("--duration", type=int, default=None, help="seconds per URL (default 3)")
    parser.add_argument("--list", action="store_true", help="print the URLs found and stop")
    arguments = parser.parse_args()
    per_kind = arguments.per_kind or (1 if arguments.quick else 3)
    seconds = arguments.duration or (1 if arguments.quick else 3)

    started = time.monotonic()
    targets = discover_targets(arguments.base, per_kind, arguments.quick)
    counts = {kind: sum(target.kind == kind for target in targets) for kind in CONNECTIONS}
    print(
        f"{len(targets)} URLs found in {time.monotonic() - started:.0f} s "
        f"({counts[ANONYMOUS]} anonymous, {counts[SIGNED_IN]} signed-in, {counts[DATA]} data "
        f"API; {per_kind} per kind); {seconds} s of wrk each, after a 1 s warm-up",
        flush=True,
    )
    if arguments.list:
        for target in targets:
            print(
                f"{target.kind:<10} {target.who:<9} {target.city:<10} {target.language:<3} "
                f"{target.path}"
            )
        return
    floor_host = targets[0].host if targets else "127.0.0.1"
    results: list[Result] = []
    floor_rps = 0.0
    for number, target in enumerate(targets):
        if number % FLOOR_EVERY == 0:
            floor = Result(Target(FLOOR, "", floor_host, "–", "/healthz"))
            floor.figures = wrk(arguments.base, floor.target, seconds, warm_up=False)
            # A floor run that got nothing (the machine stalled) keeps the last floor.
            floor_rps = floor.figures["rps"] or floor_rps
            results.append(floor)
            print(
                f"floor: {floor_rps:.0f} req/s (load average {os.getloadavg()[0]:.1f})", flush=True
            )
        result = Result(target, floor_rps=floor_rps)
        result.error = precheck(arguments.base, target)
        if not result.error:
            result.figures = wrk(arguments.base, target, seconds, not arguments.quick)
            not_ok = int(result.figures["not_ok"])
            errors = sum(
                int(result.figures[name])
                for name in ("errors_connect", "errors_read", "errors_write", "errors_timeout")
            )
            if not_ok:
                result.error = (
                    f"{not_ok} answers not 200 (last {int(result.figures['not_ok_status'])})"
                )
            elif errors:
                result.error = f"{errors} socket errors or timeouts"
            else:
                drain(arguments.base, target.host)
                result.uncached_ms = uncached_ms(arguments.base, target)
        results.append(result)
        print(
            f"[{number + 1}/{len(targets)}] {target.kind} {target.city} {target.language} "
            f"{target.path}: "
            + (
                f"{result.figures['rps']:.0f} req/s, p99 {result.figures['p99_ms']:.0f} ms, "
                if result.figures
                else ""
            )
            + result.verdict,
            flush=True,
        )
        # The files so far, so that an interrupted run leaves its figures.
        partial, _errors = summarise(results, started)
        write_tables(
            results,
            arguments.database,
            arguments.output,
            f"(interrupted after {number + 1} of {len(targets)} URLs) {partial}",
            show=False,
        )
    summary, errors = summarise(results, started)
    write_tables(results, arguments.database, arguments.output, summary)
    # Pages that do not answer 200 are broken, not slow: the run fails.
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
