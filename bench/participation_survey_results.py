"""Server time of a survey's results page with 50,000 sent responses (issue #10: p95 under
200 ms), through Django's full stack in this process (no network).

The survey has every kind of question (single and multiple choice with "Other", short and
long text with themes, scale, ranking, matrix, a conditional question): about 600,000
answer rows. The results are counted by the database once per change and cached; the
first request after a write ("cold") counts them, the others ("warm") read the cache.

Run it on a throwaway PostgreSQL server, as the other benches are::

    source scripts/lib/common.sh && pg_throwaway_start && trap pg_throwaway_stop EXIT
    DIGIPLACE_MODE=test .venv/bin/python manage.py migrate --noinput -v 0
    DIGIPLACE_MODE=test .venv/bin/python bench/participation_survey_results.py

Without ``DATABASE_URL`` it makes (and removes) a SQLite database of its own. Settings
(environment): BENCH_RESPONSES (50000), BENCH_REQUESTS (40), BENCH_EXPORTS=1 to time the
CSV and XLSX downloads once too.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DIGIPLACE_MODE", "test")
_OWN_DATABASE = None
if not os.environ.get("DATABASE_URL"):
    _OWN_DATABASE = Path(tempfile.mkdtemp(prefix="digiplace-bench-survey-")) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{_OWN_DATABASE}"

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from digiplace.core.cache_versions import cache_version_bump  # noqa: E402
from digiplace.core.models import Municipality  # noqa: E402
from digiplace.participation.models import (  # noqa: E402
    Answer,
    Process,
    Question,
    QuestionKind,
    QuestionOption,
    Response,
    ResultsVisibility,
    Survey,
    Theme,
)

RESPONSES = int(os.environ.get("BENCH_RESPONSES", "50000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40"))
GOAL_P95_MS = 200
HOST = "botosani.localhost"
SLUG = "bench-50000"
BATCH = 20_000


def _city() -> Municipality:
    """Botoșani, as the demo loads it (municipalities and accounts only)."""
    call_command("demo_load", verbosity=0)
    return Municipality.objects.get(slug="botosani")


def _options(city: Municipality, question: Question, keys: list[str]) -> list[QuestionOption]:
    return QuestionOption.objects.bulk_create(
        QuestionOption(
            municipality=city,
            question=question,
            key=key,
            label=key.capitalize(),
            label_ro=key.capitalize(),
            label_en=key.capitalize(),
            position=index,
        )
        for index, key in enumerate(keys)
    )


def build() -> Survey:
    """The survey and its responses; answers inserted with plain multi-row statements."""
    city = _city()
    Survey.objects.filter(municipality=city, slug=SLUG).delete()
    process, _created = Process.objects.get_or_create(
        municipality=city, slug="bench", defaults={"title": "Bench", "is_published": True}
    )
    now = timezone.now()
    survey = Survey.objects.create(
        municipality=city,
        process=process,
        slug=SLUG,
        title="Sondaj de test (50.000 de răspunsuri)",
        title_ro="Sondaj de test (50.000 de răspunsuri)",
        title_en="Benchmark survey (50,000 responses)",
        opens_at=now - datetime.timedelta(days=60),
        closes_at=now + datetime.timedelta(days=1),
        results_visibility=ResultsVisibility.LIVE,
        is_published=True,
    )

    def question(kind: str, position: int, **fields: object) -> Question:
        return Question.objects.create(
            municipality=city,
            survey=survey,
            kind=kind,
            position=position,
            text=f"Întrebarea {position}",
            text_ro=f"Întrebarea {position}",
            text_en=f"Question {position}",
            **fields,
        )

    single = question(QuestionKind.SINGLE, 1, required=True, has_other=True)
    single_options = _options(city, single, ["tram", "bus", "both", "none"])
    why = question(QuestionKind.LONG_TEXT, 2, shown_if_question=single)
    why.shown_if_options.set([single_options[0]])
    multiple = question(QuestionKind.MULTIPLE, 3, max_choices=3, has_other=True)
    multiple_options = _options(city, multiple, ["price", "speed", "comfort", "noise", "air"])
    short = question(QuestionKind.SHORT_TEXT, 4)
    scale = question(QuestionKind.SCALE, 5, scale_min=1, scale_max=5)
    ranking = question(QuestionKind.RANKING, 6)
    ranking_options = _options(city, ranking, ["safety", "frequency", "price", "comfort"])
    matrix = question(QuestionKind.MATRIX, 7, scale_min=1, scale_max=5)
    matrix_rows = _options(city, matrix, ["day", "night", "weekend"])
    themes = Theme.objects.bulk_create(
        Theme(municipality=city, question=why, label=f"Tema {n}", terms=["a", "b"], position=n)
        for n in range(5)
    )

    rng = random.Random(50_000)
    responses = Response.objects.bulk_create(
        (
            Response(
                municipality=city,
                survey=survey,
                respondent_key=f"{n:064x}",
                language="ro",
                submitted_at=now - datetime.timedelta(seconds=n),
            )
            for n in range(RESPONSES)
        ),
        batch_size=5000,
    )
    table = Answer._meta.db_table
    columns = (
        "municipality_id, response_id, question_id, option_id, is_other, number, text, theme_id"
    )
    # Names from the model, values as parameters.
    statement = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"  # noqa: S608
    rows: list[tuple[Any, ...]] = []
    total = 0

    def flush() -> None:
        nonlocal total
        with connection.cursor() as cursor:
            cursor.executemany(statement, rows)
        total += len(rows)
        rows.clear()

    for response in responses:
        pk = response.pk
        pick = rng.random()
        if pick < 0.05:
            rows.append((city.pk, pk, single.pk, None, True, None, "Troleibuz", None))
        else:
            option = single_options[min(int(pick * 4), 3)]
            rows.append((city.pk, pk, single.pk, option.pk, False, None, "", None))
            if option is single_options[0]:
                theme = rng.choice([*themes, None])
                text = f"Tramvaiul e istoria orașului, răspunsul {pk}"
                rows.append((city.pk, pk, why.pk, None, False, None, text, theme and theme.pk))
        for option in rng.sample(multiple_options, rng.randint(1, 3)):
            rows.append((city.pk, pk, multiple.pk, option.pk, False, None, "", None))
        if rng.random() < 0.3:
            rows.append((city.pk, pk, short.pk, None, False, None, f"Idee {pk % 97}", None))
        rows.append((city.pk, pk, scale.pk, None, False, rng.randint(1, 5), "", None))
        order = rng.sample(ranking_options, rng.randint(1, 4))
        for rank, option in enumerate(order, start=1):
            rows.append((city.pk, pk, ranking.pk, option.pk, False, rank, "", None))
        for row in matrix_rows:
            rows.append((city.pk, pk, matrix.pk, row.pk, False, rng.randint(1, 5), "", None))
        if len(rows) >= BATCH:
            flush()
    flush()
    cache_version_bump(city.pk, "participation")
    print(f"{RESPONSES:,} responses, {total:,} answers, 8 questions of every kind")
    return survey


def measure(client: Client, path: str) -> tuple[float, list[float], int]:
    """(cold ms, warm ms, queries of a warm request): the cold request counts the results
    (the cache emptied first), the warm ones read them from the cache."""
    cache.clear()
    start = time.perf_counter()
    response = client.get(path, headers={"host": HOST})
    cold = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    executed: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(path, headers={"host": HOST})
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(path, headers={"host": HOST})
        timings.append((time.perf_counter() - start) * 1000)
    return cold, timings, len(executed)


def main() -> None:
    if _OWN_DATABASE is not None:
        print(f"SQLite database of this run: {_OWN_DATABASE}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
    print(f"Database: {connection.vendor}")
    started = time.perf_counter()
    with transaction.atomic():
        survey = build()
    print(f"built in {time.perf_counter() - started:.0f} s")
    path = f"/participation/surveys/{survey.slug}/results/"
    # Anonymous visitors get whole pages from core.page_cache; any other cookie bypasses
    # it, so the second row is the view itself over the cached results.
    bypassing = Client()
    bypassing.cookies["bench"] = "no-page-cache"
    # The process's first request loads templates and hashes the code (code_version):
    # made before any timing.
    bypassing.get(f"/participation/surveys/{survey.slug}/", headers={"host": HOST})
    print(f"\nResults page, server time in ms ({REQUESTS} warm requests; goal p95 < {GOAL_P95_MS})")
    print(f"{'':<34} {'cold':>7} {'p50':>7} {'p95':>7} {'max':>7} {'queries':>8}  goal")
    for name, client in (
        ("anonymous (page cache)", Client()),
        ("view, results cache only", bypassing),
    ):
        cold, timings, queries = measure(client, path)
        p50 = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[18]
        verdict = "met" if p95 < GOAL_P95_MS else "NOT met"
        print(
            f"{name:<34} {cold:>7.0f} {p50:>7.1f} {p95:>7.1f} {max(timings):>7.1f} "
            f"{queries:>8}  {verdict}"
        )
    if os.environ.get("BENCH_EXPORTS") == "1":
        for name, suffix in (("CSV", "results.csv"), ("XLSX", "results.xlsx")):
            start = time.perf_counter()
            response = bypassing.get(
                f"/participation/surveys/{survey.slug}/{suffix}", headers={"host": HOST}
            )
            size = len(response.getvalue())
            print(f"{name} download: {time.perf_counter() - start:.1f} s, {size / 1e6:.1f} MB")
    if _OWN_DATABASE is not None:
        connection.close()
        for path_to_remove in _OWN_DATABASE.parent.iterdir():
            path_to_remove.unlink()
        _OWN_DATABASE.parent.rmdir()


if __name__ == "__main__":
    main()
