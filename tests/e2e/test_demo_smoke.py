"""The demo a newcomer starts with scripts/run, driven end to end in Chromium.

The same setup as the run command (``manage.py demo_setup``: migrate and the demo loaders),
the run command's ``demo`` settings (DEBUG off) and SQLite in a temporary folder, the
development server and the task worker as their own processes. On a phone a demo resident
files a report with a photo that carries GPS; the stored photo has no EXIF; demo staff find
the report in the back office's queue and answer it publicly; the resident sees the answer
on the report's page. An unknown address gets the site's own 404 page.

A demo app files a report through Open311 with the key the demo printed. Every
participation page the cities' sitemaps list opens in both languages, and a visitor votes
in Botoșani's participatory budget with a voting code the demo printed.

As scripts/run does, the MQTT broker of its own, the ingest worker, the periodic-job
scheduler and the simulator run too: every urban-data page of the sitemaps opens in both
languages, the simulator's waste readings arrive over MQTT, and a client with a key from
``manage.py ngsi_key`` writes and reads an entity over NGSI-LD. Every mobility page of the
sitemaps opens in both languages with a stop's display and a planned journey, and the
simulator's buses, tracked by the task worker, are in the city's GTFS-realtime feed.

It makes its own database, so the test command runs it in its SQLite pass only.
"""

from __future__ import annotations

import dataclasses
import datetime
import html
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
from django.conf import settings
from PIL import Image
from playwright.sync_api import Page, expect

from .conftest import NewSession, choose_language, free_port
from .test_reports_journey import GPS_IFD, photo_with_gps

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "demo-password-2026"  # printed by the run command for every demo account
RESIDENT = "resident@botosani.example"
STAFF = "staff@botosani.example"
SETUP_TIMEOUT_S = 600
START_TIMEOUT_S = 60


@dataclass
class DemoSite:
    port: int
    var_dir: Path
    server_log: Path
    worker_log: Path
    setup_output: str
    environment: dict[str, str] = dataclasses.field(default_factory=dict)
    logs: Path | None = None

    @property
    def botosani(self) -> str:
        return f"http://botosani.localhost:{self.port}"


def _demo_environment(var_dir: Path) -> dict[str, str]:
    """The environment of the run command: demo mode, SQLite under ``var_dir``."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DIGIPLACE_")
        and key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(DIGIPLACE_MODE="demo", DIGIPLACE_VAR_DIR=str(var_dir))
    return environment


def _manage(*arguments: str) -> list[str]:
    return [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *arguments]


def _wait_until_served(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"The development server stopped:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"The development server did not answer within {START_TIMEOUT_S} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    tmp_path = tmp_path_factory.mktemp("demo")
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    environment = _demo_environment(var_dir)
    setup = subprocess.run(
        _manage("demo_setup"),
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT_S,
        check=False,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert (var_dir / "digiplace.sqlite3").exists(), "the demo database is not in the var folder"

    site = DemoSite(
        port=free_port(),
        var_dir=var_dir,
        server_log=tmp_path / "server.log",
        worker_log=tmp_path / "worker.log",
        setup_output=setup.stdout,
    )
    # The run command's processes: the MQTT broker of its own and everything that uses it
    # (the broker's URL in every process's environment, as scripts/run exports it).
    mqtt_port = free_port()
    environment["DIGIPLACE_MQTT_URL"] = (
        f"mqtt://digiplace-ingest:{uuid.uuid4().hex}@127.0.0.1:{mqtt_port}"
    )
    commands = [
        ("broker", ["mqtt_broker", "--host", "127.0.0.1", "--port", str(mqtt_port)]),
        ("worker", ["db_worker", "--no-reload"]),
        ("scheduler", ["scheduler"]),
        ("server", ["runserver", "--noreload", f"127.0.0.1:{site.port}"]),
    ]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, command in commands:
            log = site.server_log if name == "server" else tmp_path / f"{name}.log"
            if name == "worker":
                log = site.worker_log
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        _manage(*command),
                        cwd=settings.BASE_DIR,
                        env=environment,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            if name == "broker":
                _wait_until_listening(mqtt_port, processes[-1], log)
                with (tmp_path / "mqtt.log").open("wb") as out:
                    processes.append(
                        subprocess.Popen(
                            _manage("urbandata_mqtt"),
                            cwd=settings.BASE_DIR,
                            env=environment,
                            stdout=out,
                            stderr=subprocess.STDOUT,
                        )
                    )
        server = processes[-1]
        _wait_until_served(f"http://127.0.0.1:{site.port}/", server, site.server_log)
        with (tmp_path / "simulator.log").open("wb") as out:
            processes.append(
                subprocess.Popen(
                    _manage(
                        "urbandata_simulate",
                        "--http",
                        f"http://127.0.0.1:{site.port}",
                        "--interval",
                        "2",
                    ),
                    cwd=settings.BASE_DIR,
                    env=environment,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        site.environment = environment
        site.logs = tmp_path
        yield site
    finally:
        for process in reversed(processes):
            _stop(process)


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The MQTT broker stopped:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"The MQTT broker did not listen within {START_TIMEOUT_S} s")


def _log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    choose_language(page, "en")
    main = page.get_by_role("main")
    main.get_by_label("Email:", exact=True).fill(email)
    main.get_by_label("Password:", exact=True).fill(DEMO_PASSWORD)
    main.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/")


def _photos(var_dir: Path) -> set[Path]:
    return {path for path in (var_dir / "media").rglob("*") if path.is_file()}


def test_a_resident_reports_on_the_demo_and_staff_answer(
    demo_site: DemoSite, new_session: NewSession, tmp_path: Path
) -> None:
    description = f"Graffiti on the bus shelter by the park ({uuid.uuid4().hex[:8]})."
    answer = "Our crew will paint over it this week."
    photo = photo_with_gps(tmp_path / "shelter.jpg")
    photos_before = _photos(demo_site.var_dir)

    # A demo resident files a report with a photo, on a phone.
    resident_session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    resident = resident_session.new_page()
    _log_in(resident, demo_site.botosani, RESIDENT)
    resident.goto(demo_site.botosani + "/reports/new/")
    form = resident.get_by_role("main").locator(
        "form", has=resident.get_by_role("button", name="Send the report")
    )
    form.get_by_label("What is the problem?").select_option(label="Graffiti")
    form.get_by_label("Latitude").fill("47.7480")
    form.get_by_label("Longitude").fill("26.6680")
    form.get_by_label("Describe the problem").fill(description)
    form.get_by_label("Photos (optional, up to 3)").set_input_files(str(photo))
    form.get_by_role("button", name="Send the report").click()
    expect(resident).to_have_url(re.compile(rf"^{re.escape(demo_site.botosani)}/reports/\d+/$"))
    match = re.search(r"/reports/(\d+)/$", resident.url)
    assert match is not None
    number = match.group(1)
    expect(resident.get_by_role("main")).to_contain_text(description)
    resident.wait_for_load_state("load")  # measured once the stylesheet has applied
    assert resident.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The stored photo, under the demo's media folder, has no EXIF at all (GPS included).
    new_photos = _photos(demo_site.var_dir) - photos_before
    assert len(new_photos) == 1, new_photos
    with Image.open(new_photos.pop()) as stored:
        assert not stored.getexif()
        assert not stored.getexif().get_ifd(GPS_IFD)

    # Demo staff find it in the back office's queue and answer it publicly.
    staff_session = new_session()
    staff = staff_session.new_page()
    _log_in(staff, demo_site.botosani, STAFF)
    staff.goto(demo_site.botosani + "/backoffice/reports/")
    staff.locator(".desk-filters > summary").click()  # the filters are folded at first
    filters = staff.get_by_role("form", name="Filter the reports")
    filters.get_by_label("Search").fill(description)
    filters.get_by_label("Department").select_option(label="All departments")
    filters.get_by_role("button", name="Filter").click()
    expect(staff.get_by_role("status")).to_have_text("1 report")
    staff.get_by_role("link", name=re.compile(rf"^#{number} ")).click()
    expect(staff).to_have_url(f"{demo_site.botosani}/backoffice/reports/{number}/")
    status_form = staff.locator("form#status")
    status_form.get_by_label("New status").select_option(label="Acknowledged")
    status_form.get_by_label("Public response (optional)").fill(answer)
    status_form.get_by_role("button", name="Change the status").click()
    expect(staff.locator("section[aria-labelledby=timeline-heading]")).to_contain_text(answer)

    # The resident sees the answer on the report's page.
    resident.reload()
    main = resident.get_by_role("main")
    expect(main).to_contain_text(answer)
    expect(main).not_to_contain_text(STAFF)

    assert resident_session.page_errors == []
    assert staff_session.page_errors == []
    server_output = demo_site.server_log.read_text()
    assert "Traceback" not in server_output, server_output
    assert "Traceback" not in demo_site.worker_log.read_text()


def test_the_demo_app_files_a_report_through_open311(demo_site: DemoSite) -> None:
    match = re.search(
        r"Reports demo for botosani: Open311 API key for the demo app: (\S+)",
        demo_site.setup_output,
    )
    assert match is not None, demo_site.setup_output
    base = f"http://127.0.0.1:{demo_site.port}/open311/v2"
    host = {"Host": f"botosani.localhost:{demo_site.port}"}
    body = urllib.parse.urlencode(
        {
            "api_key": match.group(1),
            "service_code": "street-light",
            "lat": "47.7475",
            "long": "26.6650",
            "description": "The street light by the school is out.",
            "email": "app-user@example.org",
            "first_name": "Ion",
            "last_name": "Ionescu",
        }
    ).encode()

    request = urllib.request.Request(f"{base}/requests.json", data=body, headers=host)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            created = json.load(response)
    except urllib.error.HTTPError as error:
        pytest.fail(f"Open311 answered {error.code}: {error.read().decode()}")
    number = created[0]["service_request_id"]
    lookup = urllib.request.Request(f"{base}/requests/{number}.json", headers=host)
    with urllib.request.urlopen(lookup, timeout=30) as response:
        [found] = json.load(response)

    assert found["service_code"] == "street-light"
    assert found["description"] == "The street light by the school is out."
    assert found["status"] == "open"
    assert "Traceback" not in demo_site.server_log.read_text()


def test_the_demo_shows_the_sites_own_pages_for_errors_and_serves_files(
    demo_site: DemoSite,
) -> None:
    """DEBUG is off in the run command's mode: an unknown address gets the city's translated
    404, never Django's technical page; static files are still served."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{demo_site.port}/no-such-page/",
        headers={
            "Host": f"botosani.localhost:{demo_site.port}",
            "Cookie": "digiplace_language=en",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    page = refused.value.read().decode()
    assert refused.value.code == 404
    assert "<h1>Page not found</h1>" in page
    assert "Botoșani" in page
    assert "URLconf" not in page and "Traceback" not in page

    with urllib.request.urlopen(
        f"http://127.0.0.1:{demo_site.port}/static/core/digiplace.css", timeout=30
    ) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/css")
    uploaded = demo_site.var_dir / "media" / "smoke-test.txt"
    uploaded.parent.mkdir(exist_ok=True)
    uploaded.write_text("an uploaded file")
    with urllib.request.urlopen(
        f"http://127.0.0.1:{demo_site.port}/media/smoke-test.txt", timeout=30
    ) as response:
        assert response.read() == b"an uploaded file"


def _get(demo_site: DemoSite, host: str, path: str, language: str) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{demo_site.port}{path}",
        headers={"Host": f"{host}:{demo_site.port}", "Cookie": f"digiplace_language={language}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_every_participation_page_of_the_demo_opens(demo_site: DemoSite) -> None:
    """Every participation page the cities' sitemaps list, and the published results the
    budget pages link to, answer 200 in both languages on the run command's own data."""
    failures: list[str] = []
    seen = 0
    for city in ("botosani", "timisoara"):
        host = f"{city}.localhost"
        status, index = _get(demo_site, host, "/sitemap.xml", "en")
        assert status == 200
        sections = [
            url
            for url in re.findall(r"<loc>([^<]+)</loc>", index)
            if "/sitemap-participation" in url
        ]
        assert len(sections) == 7, sections
        paths: list[str] = []
        for section in sections:
            status, body = _get(demo_site, host, urllib.parse.urlsplit(section).path, "en")
            assert status == 200, section
            paths += [
                urllib.parse.urlsplit(url).path for url in re.findall(r"<loc>([^<]+)</loc>", body)
            ]
        for path in list(paths):
            if re.fullmatch(r"/participation/(budgets/\d+|surveys/[\w-]+)/", path):
                _status, page = _get(demo_site, host, path, "en")
                paths += sorted(set(re.findall(r'href="(/participation/[^"]*results/)"', page)))
        for path in paths:
            for language in ("ro", "en"):
                status, page = _get(demo_site, host, path, language)
                seen += 1
                if status != 200 or "Traceback" in page:
                    failures.append(f"{status} {language} {host}{path}")
    assert failures == []
    assert seen > 100
    assert "Traceback" not in demo_site.server_log.read_text()


def test_a_visitor_votes_with_a_code_the_demo_printed(
    demo_site: DemoSite, new_session: NewSession
) -> None:
    """The run command prints demo voting codes for Botoșani's open vote; one casts a
    ballot without an account and gets a receipt that the receipt check finds."""
    match = re.search(
        r"Botoșani: demo voting codes \(one vote each\): (.+)", demo_site.setup_output
    )
    assert match is not None, demo_site.setup_output
    codes = [code.strip() for code in match.group(1).split(",")]
    status, budgets = _get(demo_site, "botosani.localhost", "/participation/budgets/", "en")
    assert status == 200
    budget = re.search(r'href="/participation/budgets/(\d+)/"', budgets)
    assert budget is not None

    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.new_page()
    page.goto(f"{demo_site.botosani}/participation/budgets/{budget.group(1)}/vote/")
    choose_language(page, "en")
    # The last printed code: a rerun of this test on the same demo would find the first used.
    page.get_by_role("textbox", name="Voting code").fill(codes[-1])
    page.get_by_role("button", name="Use this code").click()
    page.get_by_role("link", name="Grivița").click()
    expect(page.get_by_role("heading", name="Ballot: Grivița")).to_be_visible()
    page.locator("input[type=checkbox][name=projects]").first.check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("heading", name="Your vote was counted")).to_be_visible()
    receipt = page.locator("#receipt-id").inner_text()

    page.get_by_role("link", name="Check a receipt").first.click()
    page.get_by_role("textbox", name="Receipt").fill(receipt)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#receipt-result")).to_contain_text("A ballot in Grivița")
    assert session.page_errors == []
    assert "Traceback" not in demo_site.server_log.read_text()


def test_every_urbandata_page_of_the_demo_opens(demo_site: DemoSite) -> None:
    """Every urban-data page the cities' sitemaps list (the index, the air-quality map,
    Timișoara's 55 stations) answers 200 in both languages on the run command's data."""
    failures: list[str] = []
    seen = 0
    for city in ("botosani", "timisoara"):
        host = f"{city}.localhost"
        status, index = _get(demo_site, host, "/sitemap.xml", "en")
        assert status == 200
        sections = [
            url for url in re.findall(r"<loc>([^<]+)</loc>", index) if "/sitemap-urbandata" in url
        ]
        assert sections, index
        paths: list[str] = []
        for section in sections:
            status, body = _get(demo_site, host, urllib.parse.urlsplit(section).path, "en")
            assert status == 200, section
            paths += [
                urllib.parse.urlsplit(url).path for url in re.findall(r"<loc>([^<]+)</loc>", body)
            ]
        assert "/urbandata/air/" in paths
        for path in paths:
            for language in ("ro", "en"):
                seen += 1
                status, _body = _get(demo_site, host, path, language)
                if status != 200:
                    failures.append(f"{host}{path} ({language}): {status}")
    assert seen > 100  # Timișoara's 55 station pages among them
    assert not failures, failures


def _bytes(demo_site: DemoSite, host: str, path: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{demo_site.port}{path}", headers={"Host": f"{host}:{demo_site.port}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_every_mobility_page_of_the_demo_opens(demo_site: DemoSite) -> None:
    """Every mobility page the cities' sitemaps list (the sections and each stop's page),
    a stop's display, a planned journey between two demo stops and the static GTFS feed
    answer on the run command's data, in both languages."""
    failures: list[str] = []
    seen = 0
    for city in ("botosani", "timisoara"):
        host = f"{city}.localhost"
        status, index = _get(demo_site, host, "/sitemap.xml", "en")
        assert status == 200
        sections = [
            url for url in re.findall(r"<loc>([^<]+)</loc>", index) if "/sitemap-mobility" in url
        ]
        assert len(sections) == 2, sections
        paths: list[str] = []
        for section in sections:
            status, body = _get(demo_site, host, urllib.parse.urlsplit(section).path, "en")
            assert status == 200, section
            paths += [
                urllib.parse.urlsplit(url).path for url in re.findall(r"<loc>([^<]+)</loc>", body)
            ]
        stops = [path for path in paths if re.fullmatch(r"/mobility/stops/[^/]+/", path)]
        assert len(stops) >= 16, paths
        paths += [f"{stops[0]}display/"]
        _status, planner = _get(demo_site, host, "/mobility/planner/", "en")
        options = [html.unescape(name) for name in re.findall(r'<option value="([^"]+)">', planner)]
        assert len(options) >= 16, planner
        query = urllib.parse.urlencode(
            {
                "origin": options[0],
                "destination": options[-1],
                "date": datetime.datetime.now(tz=datetime.UTC).date().isoformat(),
                "time": "08:00",
                "when": "depart",
            }
        )
        paths.append(f"/mobility/planner/?{query}")
        for path in paths:
            for language in ("ro", "en"):
                seen += 1
                status, page = _get(demo_site, host, path, language)
                if status != 200 or "Traceback" in page:
                    failures.append(f"{status} {language} {host}{path}")
        status, feed = _bytes(demo_site, host, "/mobility/gtfs.zip")
        assert status == 200 and feed.startswith(b"PK"), status
    assert failures == []
    assert seen > 80
    assert "Traceback" not in demo_site.server_log.read_text()


def test_every_open_data_page_of_the_demo_opens(demo_site: DemoSite) -> None:
    """The run command's setup publishes every module's datasets: each dataset page and
    plain-language page the sitemaps list answers in both languages, each dataset's first file
    downloads, the DCAT-AP catalogue parses as Turtle with every dataset, and CKAN's
    package_list names the same datasets."""
    failures: list[str] = []
    for city in ("botosani", "timisoara"):
        host = f"{city}.localhost"
        status, index = _get(demo_site, host, "/sitemap.xml", "en")
        assert status == 200
        sections = [
            url for url in re.findall(r"<loc>([^<]+)</loc>", index) if "/sitemap-opendata" in url
        ]
        assert len(sections) == 2, sections
        paths: list[str] = []
        for section in sections:
            status, body = _get(demo_site, host, urllib.parse.urlsplit(section).path, "en")
            assert status == 200, section
            paths += [
                urllib.parse.urlsplit(url).path for url in re.findall(r"<loc>([^<]+)</loc>", body)
            ]
        slugs = sorted(
            {m for path in paths for m in re.findall(r"/opendata/datasets/([^/]+)/$", path)}
        )
        # Plans, reports, participation, urban data, waste and mobility all publish.
        modules = {slug.split("-")[0] for slug in slugs}
        assert {"plans", "reports", "participation", "mobility"} <= modules, slugs
        for path in paths:
            for language in ("ro", "en"):
                status, page = _get(demo_site, host, path, language)
                if status != 200 or "Traceback" in page:
                    failures.append(f"{status} {language} {host}{path}")
        for slug in slugs:
            _status, page = _get(demo_site, host, f"/opendata/datasets/{slug}/", "en")
            downloads = re.findall(rf'href="(/opendata/datasets/{slug}/download/[^"]+)"', page)
            assert downloads, slug
            status, content = _bytes(demo_site, host, html.unescape(downloads[0]))
            if status != 200 or not content:
                failures.append(f"{status} download {host}{downloads[0]}")
        status, turtle = _get(demo_site, host, "/opendata/catalog.ttl", "en")
        assert status == 200
        graph = rdflib.Graph().parse(data=turtle, format="turtle")
        dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
        assert len(set(graph.subjects(rdflib.RDF.type, dcat.Dataset))) == len(slugs)
        status, answer = _get(demo_site, host, "/api/3/action/package_list", "en")
        assert status == 200
        assert sorted(json.loads(answer)["result"]) == slugs
    assert failures == []
    assert "Traceback" not in demo_site.server_log.read_text()


def test_the_demo_buses_are_in_the_gtfs_realtime_feed(demo_site: DemoSite) -> None:
    """The simulator drives Botoșani's 11 buses over HTTP; the task worker tracks them and
    the city's VehiclePositions feed lists them, parsed with MobilityData's bindings."""
    from google.transit import gtfs_realtime_pb2

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        status, body = _bytes(demo_site, "botosani.localhost", "/gtfs-rt/vehicle-positions.pb")
        assert status == 200
        feed = gtfs_realtime_pb2.FeedMessage()
        feed.ParseFromString(body)
        labels = {entity.vehicle.vehicle.label for entity in feed.entity}
        if len(labels) == 11:
            break
        if time.monotonic() > deadline:
            pytest.fail(
                f"The feed lists {sorted(labels)}:\n{demo_site.worker_log.read_text()[-2000:]}"
            )
        time.sleep(1)
    assert feed.header.incrementality == gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    assert time.time() - feed.header.timestamp < 60
    for path in ("/gtfs-rt/trip-updates.pb", "/gtfs-rt/alerts.pb"):
        status, body = _bytes(demo_site, "botosani.localhost", path)
        assert status == 200, path
        gtfs_realtime_pb2.FeedMessage().ParseFromString(body)


def _ngsi(
    demo_site: DemoSite, method: str, path: str, *, key: str = "", body: object = None
) -> tuple[int, str]:
    headers = {"Host": f"botosani.localhost:{demo_site.port}", "Accept": "application/json"}
    data = None
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{demo_site.port}/ngsi-ld/v1/{path}",
        data=data,
        method=method,
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_demo_is_alive_over_mqtt_and_ngsi_ld(demo_site: DemoSite) -> None:
    """The simulator's waste readings come in over the run command's MQTT broker and ingest
    worker; a key printed by ``manage.py ngsi_key`` writes an entity that reads back."""
    started = time.time()

    def latest_fill() -> float:
        status, body = _ngsi(demo_site, "GET", "entities?type=WasteContainer&limit=100")
        assert status == 200, body
        moments = [
            entity["fillingLevel"]["observedAt"]
            for entity in json.loads(body)
            if "observedAt" in entity.get("fillingLevel", {})
        ]
        return max(
            (
                datetime.datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp()
                for moment in moments
            ),
            default=0.0,
        )

    deadline = time.monotonic() + START_TIMEOUT_S
    while latest_fill() < started - 5:
        if time.monotonic() > deadline:
            logs = demo_site.logs
            detail = "" if logs is None else (logs / "mqtt.log").read_text()[-2000:]
            pytest.fail(f"No fresh waste reading arrived over MQTT:\n{detail}")
        time.sleep(1)

    key = subprocess.run(
        _manage("ngsi_key", "botosani", "--name", "Smoke test"),
        cwd=settings.BASE_DIR,
        env=demo_site.environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    assert key and "\n" not in key
    entity_id = f"urn:ngsi-ld:AirQualityObserved:smoke-{uuid.uuid4().hex[:8]}"
    status, body = _ngsi(
        demo_site,
        "POST",
        "entities",
        key=key,
        body={
            "id": entity_id,
            "type": "AirQualityObserved",
            "pm25": {"type": "Property", "value": 17.5},
            "location": {
                "type": "GeoProperty",
                "value": {"type": "Point", "coordinates": [26.67, 47.75]},
            },
        },
    )
    assert status == 201, body
    status, body = _ngsi(demo_site, "GET", f"entities/{urllib.parse.quote(entity_id)}")
    assert status == 200, body
    assert json.loads(body)["pm25"]["value"] == 17.5
    # Without the key, a write is refused in NGSI-LD's error format.
    status, body = _ngsi(demo_site, "DELETE", f"entities/{urllib.parse.quote(entity_id)}")
    assert status == 401
    assert json.loads(body)["status"] == 401
