"""The restore drill's city and the answers of its pages (issue #15).

Run as ``python -m digiplace.ops.tests.drill_data build|answers FILE`` in a process of its
own, pointed at a database by ``DATABASE_URL`` and at a media folder by
``DIGIPLACE_MEDIA_ROOT``: the drill builds a small city in one database, records every page's
answer, backs it up, restores it into a fresh database and empty media folder, and records the
answers there again. Both recordings are made by the same code in the same kind of process,
so that a difference can only come from the data.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import html
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[3]
SLUG = "drill"
HOST = "drill.localhost"
STAFF_EMAIL = "drill-admin@drill.example"
SITEMAP_LOCATION = re.compile(r"<loc>([^<]+)</loc>")
# The pages and APIs asked for by name: each module's public pages, the standard APIs, a
# staff page; the report, its photo, the datasets' files and the sitemap's pages are added
# from what these answer.
SEEDS = [
    "/",
    "/plans/",
    "/reports/",
    "/reports/statistics/",
    "/reports/map-data.json",
    "/participation/",
    "/urbandata/",
    "/urbandata/air/",
    "/waste/",
    "/mobility/",
    "/opendata/",
    "/open311/v2/services.json",
    "/open311/v2/requests.json",
    "/open311/v2/requests.xml",
    "/ngsi-ld/v1/entities?type=AirQualityObserved",
    "/api/v1/municipalities/",
    "/api/v1/plans/",
    "/sitemap.xml",
]
STAFF_PAGES = [
    "/backoffice/",
    "/backoffice/plans/",
    "/backoffice/reports/",
    "/backoffice/urbandata/",
    "/backoffice/waste/",
    "/backoffice/opendata/",
]
# Links followed from the pages above: files (the photo, the datasets' downloads) and data.
FILE_LINK = re.compile(r"^/(media/|opendata/)|\.(json|csv|geojson|xml|zip|ics)$")
NOT_FOLLOWED = re.compile(r"^/(static|admin|accounts)/|/logout/")
HREF = re.compile(r"""(?:href|src|data-[a-z-]+)="(/[^"#]*)\"""")
MAX_URLS = 400
# The moment of the answer itself ("updated" on a live map, "exported_at" of a download):
# a date and time within the recording's own minutes, as an ISO value or a <time> element.
NOW_TIME = re.compile(
    r'(?P<element><time[^>]*datetime=")?(?P<moment>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.\d]*'
    r'(?:Z|[+-]\d\d:\d\d))(?(element)"[^>]*>[^<]*</time>)'
)
# The catalogue's graph: its serialisers write the same triples in any order (and name blank
# nodes anew each time); compared as canonical, sorted N-Triples.
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}

# What legitimately differs between two renderings of the same data: the CSRF token (a new
# one per session and request, masked differently each time) and the CSP nonce (new per
# response). Dates, counts and every other byte must be the same.
VOLATILE = [
    (re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"'), b'name="csrfmiddlewaretoken"'),
    (re.compile(rb'nonce="[^"]*"'), b'nonce=""'),
    (re.compile(rb'("csrf[-_]?token"[^>]*content=)"[^"]*"', re.I), rb'\1""'),
    (re.compile(rb'(hx-headers=\'\{"X-CSRFToken": ")[^"]*"'), rb'\1"'),
    # The live waste map's "updated" moment, formatted for people (its ISO twin: NOW_TIME).
    (re.compile(rb'"updated_text": "[^"]*"'), b'"updated_text": "[now]"'),
    # The journey planner's form starts at today's date and the current minute.
    (
        re.compile(rb'(<input type="(?:date|time)" name="(?:date|time)" value=")[^"]*"'),
        rb'\1[now]"',
    ),
]


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def city_build() -> None:
    """A small city touching every module: hosts, staff, a plan with projects and KPI
    readings, reports (one with a real photo in MEDIA_ROOT), a survey, air-quality readings,
    waste containers, a bus stop, and every open dataset generated (their files in media)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from PIL import Image

    from digiplace.core.models import StaffRole
    from digiplace.core.tests.factories import (
        MunicipalityFactory,
        StaffMembershipFactory,
        UserFactory,
    )
    from digiplace.mobility.tests.factories_net import StopFactory
    from digiplace.opendata.services.generate import city_generate
    from digiplace.participation.tests.factories_surveys import QuestionFactory, SurveyFactory
    from digiplace.plans.tests.factories import (
        KpiFactory,
        MeasurementFactory,
        PillarFactory,
        PlanFactory,
        ProjectFactory,
    )
    from digiplace.reports.services import report_create
    from digiplace.reports.tests.factories import CategoryFactory
    from digiplace.urbandata.services.ingest import WriteMode, entities_write
    from digiplace.waste.tests.factories import ContainerFactory

    city = MunicipalityFactory.create(
        slug=SLUG, name_ro="Municipiul Drill", name_en="Drill Municipality", hosts=[HOST]
    )
    StaffMembershipFactory.create(
        municipality=city, user=UserFactory.create(email=STAFF_EMAIL), role=StaffRole.ADMIN
    )

    plan = PlanFactory.create(municipality=city, key="smart-drill", title_en="Smart Drill 2030")
    pillar = PillarFactory.create(municipality=city, plan=plan, key="A1")
    for number in range(3):
        ProjectFactory.create(municipality=city, pillar=pillar, key=f"P{number + 1}")
    kpi = KpiFactory.create(municipality=city, plan=plan, key="K1", name_en="Digital services")
    for year, value in ((2023, "20"), (2024, "31.5")):
        MeasurementFactory.create(
            municipality=city, kpi=kpi, date=datetime.date(year, 6, 30), value=value
        )

    category = CategoryFactory.create(
        municipality=city, service_code="pothole", name="Pothole", name_en="Pothole"
    )
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo, format="JPEG")
    for number in range(4):
        report_create(
            municipality=city,
            category=category,
            latitude=47.74 + number / 1000,
            longitude=26.66,
            description=f"A pothole on Strada Primăverii, number {number + 1}.",
            reporter_name="Ana Popescu",
            reporter_email=f"drill-reporter{number}@example.org",
            photos=(
                [SimpleUploadedFile("pothole.jpg", photo.getvalue(), "image/jpeg")]
                if number == 0
                else []
            ),
        )

    survey = SurveyFactory.create(municipality=city, title_en="Digital services survey")
    QuestionFactory.create(survey=survey)

    now = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    station = {
        "id": "urn:ngsi-ld:AirQualityObserved:drill-01",
        "type": "AirQualityObserved",
        "name": "Piața Revoluției",
        "location": {"type": "Point", "coordinates": [26.67, 47.75]},
    }
    for hours in (3, 2, 1):
        moment = (now - datetime.timedelta(hours=hours)).isoformat()
        document = {
            **station,
            "no2": {"type": "Property", "value": 20.0 + hours, "observedAt": moment},
            "pm25": {"type": "Property", "value": 8.0 + hours, "observedAt": moment},
        }
        [result] = entities_write(
            municipality=city, documents=[document], mode=WriteMode.UPSERT_MERGE, key=None
        )
        if result.error is not None:
            raise RuntimeError(f"the drill's station was refused: {result.error}")

    for number in range(2):
        ContainerFactory.create(municipality=city, code=f"drill-{number}")
    StopFactory.create(municipality=city, gtfs_id="drill-stop", name="Piața Mare")

    failed = [generated.error for generated in city_generate(city) if generated.error]
    if failed:
        raise RuntimeError(f"open data generation failed: {failed}")


def _rdf_canonical(text: str, rdf_format: str) -> str:
    from rdflib import Graph
    from rdflib.compare import to_canonical_graph

    graph = Graph().parse(data=text, format=rdf_format)
    return "\n".join(sorted(to_canonical_graph(graph).serialize(format="nt").splitlines()))


def _now_replaced(found: re.Match[str], window: tuple[datetime.datetime, datetime.datetime]) -> str:
    try:
        moment = datetime.datetime.fromisoformat(found["moment"])
    except ValueError:
        return found[0]
    if moment.tzinfo is None or not window[0] <= moment <= window[1]:
        return found[0]
    # A <time> element's text is the same moment, formatted for people.
    return "[now]" if found["element"] else found[0].replace(found["moment"], "[now]")


def _normalised(body: bytes, content_type: str, started: datetime.datetime) -> str:
    if not re.search(r"^text/|json|xml", content_type):
        return "sha256:" + hashlib.sha256(body).hexdigest()
    for pattern, replacement in VOLATILE:
        body = pattern.sub(replacement, body)
    text = body.decode("utf-8", errors="replace")
    if RDF_FORMATS.get(content_type.split(";")[0]):
        text = _rdf_canonical(text, RDF_FORMATS[content_type.split(";")[0]])
    window = (started, datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1))
    text = NOW_TIME.sub(lambda found: _now_replaced(found, window), text)
    if "json" in content_type and not RDF_FORMATS.get(content_type.split(";")[0]):
        # An object's keys have no order: PostgreSQL's jsonb keeps them sorted its own way,
        # SQLite as written (a city moved from one to the other writes them anew).
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False, indent=1)
    return text


def _links(body: str) -> list[str]:
    found = []
    for link in HREF.findall(body):
        link = link.replace("&amp;", "&")
        if FILE_LINK.search(urlsplit(link).path) and not NOT_FOLLOWED.search(link):
            found.append(link)
    return found


def _sitemap_paths(body: str) -> list[str]:
    paths = []
    for location in SITEMAP_LOCATION.findall(body):
        parts = urlsplit(html.unescape(location).strip())
        paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def answers_collect() -> dict[str, dict[str, Any]]:
    """Every page and API of the drill's city, anonymous and as staff: status, content type
    and body (normalised) by address."""
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from digiplace.core.models import User

    # Pages kept in the shared cache travel in the archive (the cache is a table): cleared,
    # so that each answer is rendered from the restored rows, not read back from the cache.
    cache.clear()
    anonymous = Client()
    staff = Client()
    staff.force_login(User.objects.get(email=STAFF_EMAIL))
    for client in (anonymous, staff):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    started = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    answers: dict[str, dict[str, Any]] = {}
    queue: list[tuple[str, Client, str]] = [("", anonymous, url) for url in SEEDS]
    queue += [("staff ", staff, url) for url in STAFF_PAGES]
    while queue and len(answers) < MAX_URLS:
        label, client, url = queue.pop(0)
        key = label + url
        if key in answers:
            continue
        response = client.get(url, HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="en")
        content_type = response.get("Content-Type", "")
        body = b"".join(response) if response.streaming else response.content
        text = _normalised(body, content_type, started)
        answers[key] = {"status": response.status_code, "type": content_type, "body": text}
        # The staff pages are asked for by name only: the links they share with the public
        # pages are answered once, anonymously.
        if client is staff or response.status_code != 200 or text.startswith("sha256:"):
            continue
        follow = _sitemap_paths(text) if "xml" in content_type and "sitemap" in url else []
        follow += _links(text)
        queue += [(label, client, link) for link in follow if label + link not in answers]
    return answers


def drill_env(*, database_url: str, media_root: Path) -> dict[str, str]:
    """The environment of a drill process: the test mode, this database and media folder,
    uploaded files served by the application (the photo is one of the answers)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DIGIPLACE_MODE": "test",
        "DATABASE_URL": database_url,
        "DIGIPLACE_MEDIA_ROOT": str(media_root),
        "DIGIPLACE_SERVE_MEDIA": "1",
        "DIGIPLACE_LOG_LEVEL": "WARNING",
        # Mail stays in the process (the console backend would print the reports' receipts).
        "DIGIPLACE_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


def drill_run(arguments: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """``manage.py`` or this module in a process of its own; its output in the error."""
    completed = subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, env=dict(env), capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise AssertionError(
            f"{' '.join(arguments)} failed ({completed.returncode}):\n"
            f"{completed.stdout}\n{completed.stderr}"
        )
    return completed


def city_build_in(env: Mapping[str, str]) -> None:
    drill_run(["-m", "digiplace.ops.tests.drill_data", "build"], env)


def answers_in(env: Mapping[str, str], output: Path) -> dict[str, dict[str, Any]]:
    drill_run(["-m", "digiplace.ops.tests.drill_data", "answers", str(output)], env)
    answers: dict[str, dict[str, Any]] = json.loads(output.read_text())
    return answers


if __name__ == "__main__":
    if not os.environ.get("DATABASE_URL") or not os.environ.get("DIGIPLACE_MEDIA_ROOT"):
        # Never the developer's own database and media by mistake.
        sys.exit("drill_data: set DATABASE_URL and DIGIPLACE_MEDIA_ROOT")
    _setup()
    if sys.argv[1:2] == ["build"]:
        city_build()
    elif sys.argv[1:2] == ["answers"] and len(sys.argv) == 3:
        Path(sys.argv[2]).write_text(json.dumps(answers_collect(), ensure_ascii=False, indent=1))
    else:
        sys.exit("usage: python -m digiplace.ops.tests.drill_data build | answers FILE")
