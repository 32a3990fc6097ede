"""The catalogue's addresses: three serialisations of one graph, content negotiation, Hydra
paging that reaches every dataset, refusals, the cache following the data, and one city's
catalogue never showing another's datasets."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from digiplace.core.datasets import (
    Column,
    DatasetSpec,
    Privacy,
    dataset_register,
    dataset_unregister,
)
from digiplace.core.models import Municipality
from digiplace.opendata.catalog import PAGE_SIZE
from digiplace.opendata.catalog.vocabulary import DCAT3 as DCAT
from digiplace.opendata.catalog.vocabulary import HYDRA
from digiplace.opendata.models import Dataset
from digiplace.opendata.tests.factories import DatasetVersionFactory
from digiplace.opendata.tests.test_catalog_shacl import (
    FILE,
    GEO,
    LINKS,
    TABLE,
    publish,
    shacl_violations,
)

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
TYPES = {
    "/opendata/catalog.ttl": ("text/turtle", "turtle"),
    "/opendata/catalog.jsonld": ("application/ld+json", "json-ld"),
    "/opendata/catalog.rdf": ("application/rdf+xml", "xml"),
}


def _client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _get(
    path: str, host: str = BOTOSANI, **headers: str
) -> tuple[int, Graph | None, dict[str, str]]:
    response = _client().get(path, HTTP_HOST=host, headers=headers)
    media = response.get("Content-Type", "").split(";")[0]
    formats = dict(TYPES.values())
    graph = None
    if response.status_code == 200 and media in formats:
        graph = Graph().parse(data=response.content.decode(), format=formats[media])
    return response.status_code, graph, dict(response.items())


def _datasets(graph: Graph) -> set[str]:
    return {str(node) for node in graph.subjects(RDF.type, DCAT.Dataset)}


@pytest.fixture
def four(botosani: Municipality, settings: object, tmp_path: Path) -> Iterator[Municipality]:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    for spec in (TABLE, GEO, FILE, LINKS):
        dataset_register(spec)
    publish(botosani, TABLE, ("csv", "json", "xlsx"))
    publish(botosani, GEO, ("csv", "geojson", "json", "xlsx"))
    publish(botosani, FILE, ("gtfs.zip",))
    publish(botosani, LINKS, ())
    yield botosani
    for spec in (TABLE, GEO, FILE, LINKS):
        dataset_unregister(spec.slug)


@pytest.mark.django_db
def test_the_three_serialisations_are_one_graph(four: Municipality) -> None:
    graphs = []
    for path, (media_type, _rdflib_format) in TYPES.items():
        status, graph, headers = _get(path)
        assert status == 200
        assert headers["Content-Type"] == f"{media_type}; charset=utf-8"
        assert graph is not None
        graphs.append(graph)

    turtle, json_ld, rdf_xml = graphs
    assert len(_datasets(turtle)) == 4
    assert isomorphic(turtle, json_ld)
    assert isomorphic(turtle, rdf_xml)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/rdf+xml;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
        ("text/turtle;q=0, */*;q=0.1", "application/ld+json"),
        ("application/*", "application/ld+json"),
        ("application/rdf+xml, text/turtle", "application/rdf+xml"),
        # A browser: HTML is not offered, its */* takes Turtle.
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/turtle"),
        ("TEXT/Turtle; q=bad", "text/turtle"),
    ],
)
def test_the_catalog_address_negotiates_by_accept(
    four: Municipality, accept: str | None, expected: str
) -> None:
    headers = {"Accept": accept} if accept is not None else {}

    status, graph, answer = _get("/opendata/catalog", **headers)

    assert status == 200
    assert answer["Content-Type"] == f"{expected}; charset=utf-8"
    assert "Accept" in answer["Vary"]
    assert graph is not None
    assert len(_datasets(graph)) == 4


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["text/html", "application/json", "text/turtle;q=0"])
def test_an_unsupported_accept_gets_406_with_the_types_offered(
    four: Municipality, accept: str
) -> None:
    response = _client().get("/opendata/catalog", HTTP_HOST=BOTOSANI, headers={"Accept": accept})

    assert response.status_code == 406
    assert "Accept" in response["Vary"]
    assert response.content.decode() == (
        "The catalogue is available as text/turtle, application/ld+json, application/rdf+xml.\n"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["0", "-1", "abc", "", "2", "1.5", "１"])
def test_a_bad_page_is_404(four: Municipality, page: str) -> None:
    for path in ("/opendata/catalog.ttl", "/opendata/catalog"):
        response = _client().get(path, {"page": page}, HTTP_HOST=BOTOSANI)
        assert response.status_code == 404


@pytest.mark.django_db
def test_a_small_catalog_is_one_page_without_hydra(four: Municipality) -> None:
    status, graph, _headers = _get("/opendata/catalog.ttl?page=1")

    assert status == 200
    assert graph is not None
    assert len(_datasets(graph)) == 4
    assert not list(graph.subjects(RDF.type, HYDRA.PartialCollectionView))


def _rows(municipality: Municipality) -> Iterator[dict[str, object]]:
    yield {"value": 1}


@pytest.fixture
def many(botosani: Municipality) -> Iterator[list[DatasetSpec]]:
    specs = [
        DatasetSpec(
            module="opendata",
            slug=f"catalog-page-{number:03d}",
            title=f"Series {number}",
            description="A series.",
            themes=("ECON",),
            keywords=("series",),
            frequency="DAILY",
            refresh=datetime.timedelta(days=1),
            privacy=Privacy(statement="No personal data.", personal=False),
            columns=(Column("value", "integer", "Value."),),
            rows=_rows,
        )
        for number in range(2 * PAGE_SIZE + 5)
    ]
    for spec in specs:
        dataset_register(spec)
        publish(botosani, spec, ())
    yield specs
    for spec in specs:
        dataset_unregister(spec.slug)


@pytest.mark.django_db
def test_paging_reaches_every_dataset_through_the_next_links(many: list[DatasetSpec]) -> None:
    seen: list[str] = []
    address: str | None = "http://botosani.localhost/opendata/catalog.ttl"
    pages = 0
    while address is not None:
        status, graph, _headers = _get(address.removeprefix("http://botosani.localhost"))
        assert status == 200
        assert graph is not None
        pages += 1
        catalog = URIRef("http://botosani.localhost/opendata/catalog")
        assert graph.value(catalog, HYDRA.totalItems) == Literal(len(many))
        view = graph.value(catalog, HYDRA.view)
        assert (view, RDF.type, HYDRA.PartialCollectionView) in graph
        # The older vocabulary data.europa.eu's harvester reads first: strings.
        assert (view, RDF.type, HYDRA.PagedCollection) in graph
        assert graph.value(view, HYDRA.totalItems) == Literal(len(many))
        assert graph.value(view, HYDRA.itemsPerPage) == Literal(PAGE_SIZE)
        assert str(graph.value(view, HYDRA.first)).endswith("/opendata/catalog.ttl?page=1")
        assert str(graph.value(view, HYDRA.last)).endswith("/opendata/catalog.ttl?page=3")
        page = _datasets(graph)
        assert set(map(str, graph.objects(catalog, DCAT.dataset))) == page
        seen += sorted(page)
        following = graph.value(view, HYDRA.next)
        assert str(graph.value(view, HYDRA.nextPage) or "") == str(following or "")
        if pages > 1:
            assert graph.value(view, HYDRA.previous) is not None
        address = str(following) if following is not None else None

    assert pages == 3
    assert len(seen) == len(set(seen)) == len(many)
    expected = {
        f"http://botosani.localhost/opendata/datasets/{spec.slug}/#dataset" for spec in many
    }
    assert set(seen) == expected
    status, _graph, _headers = _get("/opendata/catalog.ttl?page=4")
    assert status == 404


@pytest.mark.django_db
def test_a_page_conforms_on_its_own(many: list[DatasetSpec]) -> None:
    status, graph, _headers = _get("/opendata/catalog.jsonld?page=3")
    assert status == 200
    assert graph is not None
    assert len(_datasets(graph)) == 5

    conforms, violations = shacl_violations(graph)

    assert violations == [], "\n".join(violations)
    assert conforms


@pytest.mark.django_db
def test_another_citys_datasets_never_appear(four: Municipality, timisoara: Municipality) -> None:
    # Timișoara publishes one of the same datasets, and one Botoșani does not.
    publish(timisoara, TABLE, ("csv",), number=7)
    publish(timisoara, GEO, ("csv",), number=3)

    _status, botosani_graph, _headers = _get("/opendata/catalog.ttl")
    _status, timisoara_graph, _headers = _get("/opendata/catalog.ttl", host=TIMISOARA)

    assert botosani_graph is not None and timisoara_graph is not None
    assert len(_datasets(botosani_graph)) == 4
    assert _datasets(timisoara_graph) == {
        f"http://timisoara.localhost/opendata/datasets/{spec.slug}/#dataset"
        for spec in (TABLE, GEO)
    }
    botosani_text = botosani_graph.serialize(format="nt")
    assert "timisoara" not in botosani_text.lower()
    versions = {str(value) for value in timisoara_graph.objects(None, DCAT.version)}
    assert versions == {"7", "3"}


@pytest.mark.django_db
def test_a_new_version_and_a_renamed_city_show_at_once(four: Municipality) -> None:
    dataset = URIRef("http://botosani.localhost/opendata/datasets/catalog-test-table/#dataset")
    _status, before, _headers = _get("/opendata/catalog.ttl")
    assert before is not None
    assert before.value(dataset, DCAT.version) == Literal("1")

    table = Dataset.objects.get(municipality=four, slug="catalog-test-table")
    DatasetVersionFactory.create(dataset=table, number=2)
    _status, after, _headers = _get("/opendata/catalog.ttl")
    assert after is not None
    assert after.value(dataset, DCAT.version) == Literal("2")

    four.name_en = "Botoșani City"  # type: ignore[attr-defined]
    four.save()
    _status, renamed, _headers = _get("/opendata/catalog.ttl")
    assert renamed is not None
    assert Literal("Botoșani City: open data", lang="en") in set(renamed.objects())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/opendata/catalog", "/opendata/catalog.ttl", "/opendata/catalog.jsonld"]
)
def test_the_catalog_is_read_only(four: Municipality, path: str) -> None:
    client = _client()

    assert client.post(path, HTTP_HOST=BOTOSANI).status_code == 405
    assert client.head(path, HTTP_HOST=BOTOSANI).status_code == 200


@pytest.mark.django_db
def test_the_platform_host_has_no_catalog(four: Municipality) -> None:
    response = _client().get("/opendata/catalog.ttl", HTTP_HOST="localhost")

    assert response.status_code == 404
