"""The forum's live list for a hundred viewers: each polls the questions fragment (as htmx
does every 3 seconds) while the moderator approves and answers questions; the page cache is
on, as in production. Prints the server time of the polls (hits and misses apart), how many
polls had to render the fragment, and the database queries of a poll served from the cache.

Requests go through Django's full stack in this process (server time, no network), on the
database DATABASE_URL names (SQLite without it); the benchmark's city is removed at the end.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python bench/participation_meetings.py
    (BENCH_VIEWERS, BENCH_ROUNDS, BENCH_QUESTIONS)
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from digiplace.core.models import Municipality, MunicipalityHost, User  # noqa: E402
from digiplace.participation.models import (  # noqa: E402
    ForumQuestion,
    ForumQuestionStatus,
    Meeting,
)
from digiplace.participation.services.meetings_forum import question_moderate  # noqa: E402

VIEWERS = int(os.environ.get("BENCH_VIEWERS", "100"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "60"))
# The moderator acts once every this many rounds (every 6 seconds at a 3-second poll).
MODERATE_EVERY = 2
HOST = "bench-forum.localhost"
SLUG = "bench-forum"


def build() -> tuple[Municipality, Meeting, User]:
    if Municipality.objects.filter(slug=SLUG).exists():
        raise SystemExit(f"The database already has the benchmark's city ({SLUG}).")
    city = Municipality.objects.create(
        slug=SLUG,
        name="Bench Forum",
        name_ro="Municipiul Bench",
        name_en="Bench Municipality",
        centre_latitude=47.7486,
        centre_longitude=26.6694,
        bounds_south=47.70,
        bounds_west=26.59,
        bounds_north=47.79,
        bounds_east=26.74,
    )
    MunicipalityHost.objects.create(municipality=city, host=HOST)
    now = timezone.now()
    meeting = Meeting.objects.create(
        municipality=city,
        slug="forum",
        title="Forum",
        title_ro="Forum",
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=2),
        questions_enabled=True,
        questions_open=True,
        is_published=True,
    )
    ForumQuestion.objects.bulk_create(
        ForumQuestion(
            municipality=city,
            meeting=meeting,
            body=f"Întrebarea {number}: " + "despre transportul public și stațiile noi " * 4,
            status=ForumQuestionStatus.APPROVED if number % 2 else ForumQuestionStatus.PENDING,
            vote_count=number % 17,
        )
        for number in range(QUESTIONS)
    )
    moderator, _ = User.objects.get_or_create(
        email="bench-moderator@example.org", defaults={"full_name": "Moderator"}
    )
    return city, meeting, moderator


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    city, meeting, moderator = build()
    try:
        url = reverse("participation:meeting_questions_fragment", kwargs={"slug": meeting.slug})
        viewers = [Client(HTTP_HOST=HOST, HTTP_HX_REQUEST="true") for _ in range(VIEWERS)]
        hits: list[float] = []
        misses: list[float] = []
        moderations = 0
        for round_number in range(ROUNDS):
            if round_number % MODERATE_EVERY == 1:
                pending = (
                    ForumQuestion.objects.filter(meeting=meeting, status="pending")
                    .order_by("pk")
                    .first()
                )
                if pending is not None:
                    question_moderate(question=pending, actor=moderator, status="approved")
                    moderations += 1
            for viewer in viewers:
                started = time.perf_counter()
                response = viewer.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200
                (hits if response["X-Cache"] == "hit" else misses).append(elapsed)
        with CaptureQueriesContext(connection) as queries:
            response = viewers[0].get(url)
        assert response["X-Cache"] == "hit"
        polls = len(hits) + len(misses)
        print(f"Forum live list: {VIEWERS} viewers x {ROUNDS} polls, {QUESTIONS} questions,")
        print(f"  the moderator approving one every {MODERATE_EVERY} polls ({moderations} in all)")
        print(f"  polls rendered (cache misses): {len(misses)} of {polls}")
        print(
            f"  from the cache: median {statistics.median(hits):.2f} ms, "
            f"p95 {percentile(hits, 0.95):.2f} ms, queries per poll {len(queries)}"
        )
        if misses:
            print(
                f"  rendered: median {statistics.median(misses):.2f} ms, "
                f"p95 {percentile(misses, 0.95):.2f} ms"
            )
        print(
            f"  server time per viewer per 3-second poll: "
            f"{statistics.mean(hits + misses):.2f} ms on average "
            f"({VIEWERS} viewers: {statistics.mean(hits + misses) * VIEWERS / 3000:.1%} "
            "of one core)"
        )
    finally:
        city.delete()
        User.objects.filter(email="bench-moderator@example.org").delete()


if __name__ == "__main__":
    main()
