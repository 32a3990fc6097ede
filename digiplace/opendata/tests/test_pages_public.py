"""The open-data public pages: the index (search, filters with counts, bad input), a dataset's
page (metadata, files, versions, preview, dictionary, privacy report, API example), the
plain-language page, the downloads (streamed, counted, 404s) and the sitemap; another
city's dataset and one whose spec is unregistered answer 404."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from digiplace.core.datasets import (
    Chart,
    Column,
    DatasetSpec,
    KeyFigure,
    Privacy,
    Suppression,
    dataset_register,
    dataset_unregister,
)
from digiplace.core.models import Municipality, User
from digiplace.core.page_cache import local_pages
from digiplace.opendata.models import Dataset, DatasetVersion, Distribution
from digiplace.opendata.tests.factories import (
    DatasetFactory,
    DatasetVersionFactory,
    DistributionFactory,
)

pytestmark = pytest.mark.django_db

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
AIR = "test-pages-air"
BUDGET = "test-pages-budget"

AIR_CSV = (
    "station,name,latitude,longitude,hour,no2\r\n"
    "s1,Piața Revoluției,47.7475,26.6649,2025-01-01T10:00:00+00:00,21.5\r\n"
    "s2,Gara Botoșani,47.7600,26.6500,2025-01-01T10:00:00+00:00,35\r\n"
    "s1,Piața Revoluției,47.7475,26.6649,2025-01-01T11:00:00+00:00,18\r\n"
).encode()
BUDGET_CSV = b"neighbourhood,month,count\r\nCentru,2025-01,12\r\nTOTAL,2025-01,\r\n"


def _rows(municipality: Municipality) -> Iterator[dict[str, object]]:
    return iter(())


def air_spec() -> DatasetSpec:
    return DatasetSpec(
        module="urbandata",
        slug=AIR,
        title=gettext_lazy("Air quality"),
        description=gettext_lazy("Hourly air quality at the city's stations."),
        themes=("ENVI", "HEAL"),
        keywords=(gettext_lazy("air"), "NO2"),
        frequency="HOURLY",
        refresh=datetime.timedelta(hours=1),
        privacy=Privacy(statement="Fixed public stations: nothing about people.", personal=False),
        columns=(
            Column("station", "string", "Station identifier"),
            Column("name", "string", "Station name"),
            Column("latitude", "number", "Latitude", unit="°"),
            Column("longitude", "number", "Longitude", unit="°"),
            Column("hour", "datetime", "Hour (start)"),
            Column("no2", "number", "Nitrogen dioxide", unit="µg/m³"),
        ),
        rows=_rows,
        formats=("csv", "json", "geojson", "xlsx"),
        geometry=("latitude", "longitude"),
        temporal="hour",
        figures=(
            KeyFigure("Highest hourly NO2", lambda rows: None, unit="µg/m³"),
            KeyFigure("Hours measured", lambda rows: None),
        ),
        chart=Chart(x="hour", y="no2", aggregate="mean"),
    )


def budget_spec() -> DatasetSpec:
    return DatasetSpec(
        module="reports",
        slug=BUDGET,
        title="Reports per neighbourhood",
        description="Monthly counts of reports, small cells hidden.",
        themes=("GOVE",),
        keywords=("sesizări",),
        frequency="MONTHLY",
        refresh=datetime.timedelta(days=1),
        privacy=Privacy(
            statement="Counts of people's reports, small counts hidden.",
            removed=("names", "emails"),
            quasi_identifiers=("neighbourhood", "month"),
            suppression=Suppression(value="count", rows=("neighbourhood",), groups=("month",)),
        ),
        columns=(
            Column("neighbourhood", "string", "Neighbourhood"),
            Column("month", "string", "Month"),
            Column("count", "integer", "Reports"),
        ),
        rows=_rows,
        formats=("csv",),
    )


@pytest.fixture
def specs() -> Iterator[None]:
    dataset_register(air_spec())
    dataset_register(budget_spec())
    yield
    dataset_unregister(AIR)
    dataset_unregister(BUDGET)


def publish(
    municipality: Municipality,
    slug: str,
    module: str,
    content: bytes,
    *,
    modified: datetime.datetime | None = None,
    versions: int = 1,
) -> DatasetVersion:
    dataset = DatasetFactory.create(
        municipality=municipality,
        slug=slug,
        module=module,
        modified=modified or timezone.now(),
        issued=(modified or timezone.now()) - datetime.timedelta(days=30),
    )
    version = None
    for number in range(1, versions + 1):
        version = DatasetVersionFactory.create(
            dataset=dataset,
            number=number,
            created=timezone.now() - datetime.timedelta(days=versions - number),
            row_count=3,
            figures=[1234.5, 3],
            chart={"x": ["2025-01-01T10:00", "2025-01-01T11:00"], "y": [28.25, 18]},
            privacy_report={
                "removed": [],
                "generalised": [],
                "masked": {"email": 0, "phone": 0, "cnp": 0, "plate": 0},
                "quasi_identifiers": ["neighbourhood", "month"] if slug == BUDGET else [],
                "k_anonymity": 12 if slug == BUDGET else None,
                "suppressed": {"primary": 2, "complementary": 3, "k": 10},
                "rows": 3,
            },
        )
        DistributionFactory.create(version=version, key="csv", content=content)
        if slug == AIR:
            DistributionFactory.create(
                version=version,
                key="json",
                media_type="application/json",
                content=b'{"rows": []}',
            )
    assert version is not None
    return version


@pytest.fixture
def air(botosani: Municipality, specs: None) -> DatasetVersion:
    return publish(botosani, AIR, "urbandata", AIR_CSV, versions=2)


@pytest.fixture
def budget(botosani: Municipality, specs: None) -> DatasetVersion:
    return publish(
        botosani,
        BUDGET,
        "reports",
        BUDGET_CSV,
        modified=timezone.now() - datetime.timedelta(days=90),
    )


def client(host: str = BOTOSANI, language: str = "en") -> Client:
    result = Client(HTTP_HOST=host)
    result.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return result


def titles(response: object) -> list[str]:
    page = response.context["page"]  # type: ignore[attr-defined]
    return [entry.title for entry in page.object_list]


# --- The index ----------------------------------------------------------------------------


def test_index_lists_the_published_datasets_with_their_formats(
    air: DatasetVersion, budget: DatasetVersion
) -> None:
    response = client().get("/opendata/")
    assert response.status_code == 200
    assert titles(response) == ["Air quality", "Reports per neighbourhood"]
    html = response.content.decode()
    assert "CSV, JSON" in html
    assert reverse("opendata:dataset", kwargs={"slug": AIR}) in html
    assert "/api/3/action/package_search" in html
    # A dataset declared but never generated is not published.
    assert Dataset.objects.count() == 2


def test_search_reads_both_languages_and_ignores_diacritics(
    air: DatasetVersion, budget: DatasetVersion
) -> None:
    # The Romanian title, from an English page; the keyword without its diacritics.
    assert titles(client().get("/opendata/", {"q": "calitatea aerului"})) == ["Air quality"]
    assert titles(client().get("/opendata/", {"q": "sesizari"})) == ["Reports per neighbourhood"]
    assert titles(client().get("/opendata/", {"q": "hourly stations"})) == ["Air quality"]
    response = client().get("/opendata/", {"q": "bicycles"})
    assert titles(response) == []
    assert "No dataset matches" in response.content.decode()


def test_filters_narrow_the_list_and_count_each_option(
    air: DatasetVersion, budget: DatasetVersion
) -> None:
    assert titles(client().get("/opendata/", {"theme": "ENVI"})) == ["Air quality"]
    assert titles(client().get("/opendata/", {"format": "JSON"})) == ["Air quality"]
    assert titles(client().get("/opendata/", {"module": "reports"})) == [
        "Reports per neighbourhood"
    ]
    assert titles(client().get("/opendata/", {"updated": "month"})) == ["Air quality"]
    assert titles(client().get("/opendata/", {"updated": "year"})) == [
        "Air quality",
        "Reports per neighbourhood",
    ]

    response = client().get("/opendata/", {"theme": "GOVE"})
    form = response.context["form"]
    themes = dict(form.fields["theme"].choices)
    assert themes["ENVI"] == "Environment (1)"
    assert themes["GOVE"] == "Government and public sector (1)"
    assert "AGRI" not in themes  # no dataset there
    formats = dict(form.fields["format"].choices)
    # With the theme kept: only the reports' CSV.
    assert formats == {"": "All (1)", "CSV": "CSV (1)"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"theme": "SPACE"}, "Select a valid choice"),
        ({"updated": "decade"}, "Select a valid choice"),
        ({"q": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_filters_get_a_clear_error(
    air: DatasetVersion, query: dict[str, str], message: str
) -> None:
    response = client().get("/opendata/", query)
    assert response.status_code == 400
    assert message in response.content.decode()
    # The bad filter is ignored: the list still shows.
    assert titles(response) == ["Air quality"]


def test_bad_filters_are_refused_in_romanian(air: DatasetVersion) -> None:
    response = client(language="ro").get("/opendata/", {"theme": "SPACE"})
    assert response.status_code == 400
    assert "Selectați o opțiune validă" in response.content.decode()


def test_the_index_of_a_city_with_nothing_published(timisoara: Municipality) -> None:
    response = client(TIMISOARA).get("/opendata/")
    assert response.status_code == 200
    assert "has not published any dataset yet" in response.content.decode()


# --- A dataset's page ---------------------------------------------------------------------


def test_dataset_page_shows_metadata_files_preview_and_api(
    botosani: Municipality, air: DatasetVersion
) -> None:
    response = client().get(reverse("opendata:dataset", kwargs={"slug": AIR}))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Air quality",
        "Environment, Health",  # themes in words
        "Every hour",
        "CC BY 4.0",
        "contact@botosani.example",
        "Nitrogen dioxide",  # the data dictionary
        "µg/m³",
        "RFC 4180",  # the CSV dialect
        "Fixed public stations: nothing about people.",
        "holds no personal data",
        hashlib.sha256(AIR_CSV).hexdigest(),
        "Gara Botoșani",  # the preview table
        "/api/3/action/package_show?id=test-pages-air",
        f"curl -L -o botosani-{AIR}.csv http://{BOTOSANI}/opendata/datasets/{AIR}/download/csv",
    ):
        assert text in html, text
    # The earlier version and its files.
    assert (
        reverse("opendata:version-download", kwargs={"slug": AIR, "number": 1, "key": "csv"})
        in html
    )

    # The map: the two stations (one place per distinct point, with its rows).
    places = response.context["places"]
    assert sorted(feature["properties"]["title"] for feature in places["features"]) == [
        "Gara Botoșani",
        "Piața Revoluției",
    ]
    assert 'id="opendata-map-features"' in html
    assert [26.6649, 47.7475] in [
        feature["geometry"]["coordinates"] for feature in places["features"]
    ]
    # The chart, with its numbers as a table too.
    chart = response.context["chart"]
    assert chart["datasets"][0]["data"] == [28.25, 18]
    assert chart["datasets"][0]["label"] == "Nitrogen dioxide (µg/m³)"
    assert 'id="opendata-chart-data"' in html


def test_dataset_page_states_the_suppression_rule_and_the_measured_k(
    budget: DatasetVersion,
) -> None:
    response = client().get(reverse("opendata:dataset", kwargs={"slug": BUDGET}))
    html = response.content.decode()
    assert "A count of fewer than 10 people is not published (k = 10)" in html
    assert "2 under the threshold, 3 more to protect them" in html
    assert "at least 12 published rows" in html
    assert "names, emails" in html


def test_story_page_gives_the_figures_in_the_visitors_language(air: DatasetVersion) -> None:
    url = reverse("opendata:story", kwargs={"slug": AIR})
    english = client().get(url)
    assert english.status_code == 200
    html = english.content.decode()
    assert "1,234.5" in html and "Highest hourly NO2" in html and "µg/m³" in html
    assert "Where the data comes from" in html
    assert 'id="opendata-story-chart-data"' in html
    romanian = client(language="ro").get(url).content.decode()
    assert "1.234,5" in romanian


def test_unknown_unpublished_and_other_cities_datasets_are_404(
    botosani: Municipality, timisoara: Municipality, air: DatasetVersion, specs: None
) -> None:
    for url in (
        reverse("opendata:dataset", kwargs={"slug": "no-such-dataset"}),
        # Declared but not generated in Botoșani.
        reverse("opendata:dataset", kwargs={"slug": BUDGET}),
        reverse("opendata:story", kwargs={"slug": BUDGET}),
    ):
        assert client().get(url).status_code == 404, url
    # Botoșani's dataset, asked on Timișoara's host.
    for url in (
        reverse("opendata:dataset", kwargs={"slug": AIR}),
        reverse("opendata:story", kwargs={"slug": AIR}),
        reverse("opendata:download", kwargs={"slug": AIR, "key": "csv"}),
        reverse("opendata:version-download", kwargs={"slug": AIR, "number": 1, "key": "csv"}),
    ):
        assert client(TIMISOARA).get(url).status_code == 404, url
    assert Distribution.objects.filter(downloads__gt=0).count() == 0


def test_an_unregistered_spec_disappears(air: DatasetVersion) -> None:
    assert client().get(reverse("opendata:dataset", kwargs={"slug": AIR})).status_code == 200
    dataset_unregister(AIR)
    # A module leaves with a deploy, whose new code version empties the page cache.
    cache.clear()
    local_pages.clear()
    # Its module is gone: the rows stay in the database, unseen.
    assert client().get(reverse("opendata:dataset", kwargs={"slug": AIR})).status_code == 404
    assert (
        client().get(reverse("opendata:download", kwargs={"slug": AIR, "key": "csv"})).status_code
        == 404
    )
    assert titles(client().get("/opendata/?q=anything-else")) == []
    assert "Air quality" not in client().get("/opendata/").content.decode()


def test_nothing_personal_on_the_pages(
    resident: User, botosani_staff: object, air: DatasetVersion, budget: DatasetVersion
) -> None:
    pages = [
        "/opendata/",
        reverse("opendata:dataset", kwargs={"slug": AIR}),
        reverse("opendata:story", kwargs={"slug": AIR}),
        reverse("opendata:dataset", kwargs={"slug": BUDGET}),
        reverse("opendata:story", kwargs={"slug": BUDGET}),
    ]
    for url in pages:
        html = client().get(url).content.decode()
        for personal in (resident.email, "Ana Popescu", "staff@botosani.example"):
            assert personal not in html, (url, personal)


# --- Downloads ----------------------------------------------------------------------------


def test_download_streams_the_file_and_counts_it(
    botosani: Municipality, air: DatasetVersion
) -> None:
    url = reverse("opendata:download", kwargs={"slug": AIR, "key": "csv"})
    assert url == f"/opendata/datasets/{AIR}/download/csv"
    response = client().get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == AIR_CSV  # type: ignore[attr-defined]
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == f'attachment; filename="botosani-{AIR}.csv"'
    assert response["ETag"] == f'"{hashlib.sha256(AIR_CSV).hexdigest()}"'
    assert "X-Cache" not in response  # never from the page cache

    # A second download counts again (nothing cached); the JSON is counted on its own.
    client().get(url)
    client().get(reverse("opendata:download", kwargs={"slug": AIR, "key": "json"}))
    csv_file = Distribution.objects.get(version=air, key="csv")
    assert csv_file.downloads == 2
    assert Distribution.objects.get(version=air, key="json").downloads == 1
    assert Dataset.objects.get(slug=AIR).downloads == 3

    # A client holding the same file gets a 304, not counted.
    again = client().get(url, HTTP_IF_NONE_MATCH=f'"{csv_file.sha256}"')
    assert again.status_code == 304
    assert Distribution.objects.get(pk=csv_file.pk).downloads == 2

    # The page shows the counts.
    page = client().get(reverse("opendata:dataset", kwargs={"slug": AIR}))
    assert page.context["dataset"].downloads == 3
    assert [item["distribution"].downloads for item in page.context["files"]] == [2, 1]


def test_earlier_versions_download_with_their_number(air: DatasetVersion) -> None:
    url = reverse("opendata:version-download", kwargs={"slug": AIR, "number": 1, "key": "csv"})
    response = client().get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="botosani-{AIR}-v1.csv"'
    first = DatasetVersion.objects.get(dataset__slug=AIR, number=1)
    assert Distribution.objects.get(version=first, key="csv").downloads == 1
    assert Distribution.objects.get(version=air, key="csv").downloads == 0


@pytest.mark.parametrize(
    "url",
    [
        f"/opendata/datasets/{AIR}/download/pdf",
        f"/opendata/datasets/{AIR}/download/geojson",
        f"/opendata/datasets/{AIR}/versions/9/csv",
        f"/opendata/datasets/{AIR}/versions/1/pdf",
        "/opendata/datasets/nothing/download/csv",
    ],
)
def test_unknown_downloads_are_404(air: DatasetVersion, url: str) -> None:
    assert client().get(url).status_code == 404
    assert Dataset.objects.get(slug=AIR).downloads == 0


def test_a_file_gone_from_storage_is_404(air: DatasetVersion) -> None:
    item = Distribution.objects.get(version=air, key="csv")
    item.file.storage.delete(item.file.name)
    response = client().get(reverse("opendata:download", kwargs={"slug": AIR, "key": "csv"}))
    assert response.status_code == 404
    assert Distribution.objects.get(pk=item.pk).downloads == 0


def test_downloads_refuse_other_methods(air: DatasetVersion) -> None:
    response = client().post(reverse("opendata:download", kwargs={"slug": AIR, "key": "csv"}))
    assert response.status_code == 405


# --- Sitemap ------------------------------------------------------------------------------


def test_sitemap_lists_the_index_and_each_datasets_pages(air: DatasetVersion) -> None:
    index = client().get("/sitemap.xml").content.decode()
    assert "sitemap-opendata.xml" in index and "sitemap-opendata-datasets.xml" in index
    xml = client().get("/sitemap-opendata.xml").content.decode()
    xml += client().get("/sitemap-opendata-datasets.xml").content.decode()
    for path in ("/opendata/", f"/opendata/datasets/{AIR}/", f"/opendata/datasets/{AIR}/about/"):
        assert f"http://{BOTOSANI}{path}</loc>" in xml, path
    assert BUDGET not in xml


def test_the_preview_reads_only_the_first_rows(botosani: Municipality, specs: None) -> None:
    rows = "".join(
        f"s{index},Station {index},47.7,26.6,2025-01-01T10:00:00+00:00,{index}\r\n"
        for index in range(500)
    )
    publish(
        botosani, AIR, "urbandata", ("station,name,latitude,longitude,hour,no2\r\n" + rows).encode()
    )
    response = client().get(reverse("opendata:dataset", kwargs={"slug": AIR}))
    table = response.context["table"]
    assert len(table["rows"]) == 10
    assert table["header"][0] == "station"
    # All 500 rows are at one point: one place on the map.
    features = response.context["places"]["features"]
    assert len(features) == 1
    assert json.dumps(features[0]["properties"]["description"]) == '"500 rows here"'


def test_the_privacy_report_is_read_in_the_visitors_language(budget: DatasetVersion) -> None:
    """The engine stores what was removed and generalised in both languages; each page shows
    the reader's, never the stored pair."""
    budget.privacy_report = {
        **budget.privacy_report,
        "removed": [{"ro": "numele celor care au semnalat", "en": "the reporters' names"}],
        "generalised": [{"ro": "locurile, pe o grilă de 50 m", "en": "places, on a 50 m grid"}],
    }
    budget.save(update_fields=["privacy_report"])
    cache.clear()
    local_pages.clear()
    url = reverse("opendata:dataset", kwargs={"slug": BUDGET})

    english = client(language="en").get(url).content.decode()
    romanian = client(language="ro").get(url).content.decode()

    assert "the reporters&#x27; names" in english and "places, on a 50 m grid" in english
    assert "numele celor care au semnalat" in romanian and "pe o grilă de 50 m" in romanian
    for html in (english, romanian):
        assert "{&#x27;ro&#x27;" not in html and "{'ro'" not in html
    assert "numele celor" not in english and "the reporters" not in romanian
