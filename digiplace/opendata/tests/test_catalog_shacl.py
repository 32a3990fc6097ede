"""The catalogue against the DCAT-AP 3.0.1 SHACL shapes (and their ranges file): each kind of
dataset (a table, a geographic table, a module's own file, live links) conforms with no
violation, and carries the properties the issue lists."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pyshacl
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rdflib import Graph, Literal, URIRef, namespace
from rdflib.namespace import DCTERMS, FOAF, RDF, SH, SKOS

from digiplace.core.datasets import (
    Column,
    DataFile,
    DataLink,
    DatasetSpec,
    Privacy,
    dataset_register,
    dataset_unregister,
)
from digiplace.core.models import Municipality
from digiplace.opendata.catalog import TURTLE, catalog_graph
from digiplace.opendata.catalog.vocabulary import DCAT3 as DCAT
from digiplace.opendata.catalog.vocabulary import SPDX, VCARD
from digiplace.opendata.selectors import published_datasets
from digiplace.opendata.tests.factories import (
    DatasetFactory,
    DatasetVersionFactory,
    DistributionFactory,
)

SHAPES_DIRECTORY = Path(settings.BASE_DIR).parent / "shared" / "data" / "dcat-ap"
HOME = "http://botosani.localhost/"


def _shapes() -> Graph:
    shapes = Graph()
    for name in ("dcat-ap-3.0.1-SHACL.ttl", "dcat-ap-3.0.1-ranges.ttl"):
        shapes.parse(SHAPES_DIRECTORY / name, format="turtle")
    # The released files name five property shapes they never define (SEMICeu/DCAT-AP#448),
    # which pyshacl refuses to load; a shape that does not exist constrains nothing.
    for node_shape, predicate, property_shape in list(shapes.triples((None, SH.property, None))):
        if shapes.value(property_shape, SH.path) is None:
            shapes.remove((node_shape, predicate, property_shape))
    return shapes


_SHAPES: list[Graph] = []


def shacl_violations(graph: Graph) -> tuple[bool, list[str]]:
    """(conforms, the results of severity sh:Violation, each as focus node, path, message)."""
    if not _SHAPES:
        _SHAPES.append(_shapes())
    conforms, results, _text = pyshacl.validate(
        graph, shacl_graph=_SHAPES[0], inference="none", abort_on_first=False
    )
    assert isinstance(results, Graph)
    violations = []
    for result in results.subjects(SH.resultSeverity, SH.Violation):
        violations.append(
            " | ".join(
                str(results.value(result, predicate))
                for predicate in (SH.focusNode, SH.resultPath, SH.resultMessage, SH.value)
            )
        )
    return bool(conforms), sorted(violations)


def _rows(municipality: Municipality) -> Iterator[dict[str, object]]:
    yield {"category": "Roads", "count": 12}


TABLE = DatasetSpec(
    module="opendata",
    slug="catalog-test-table",
    title="Reports per category",
    description="How many reports each category had.",
    themes=("GOVE", "REGI"),
    keywords=("reports", "categories"),
    frequency="MONTHLY",
    refresh=datetime.timedelta(days=1),
    privacy=Privacy(statement="Counts under 10 are suppressed.", personal=True),
    columns=(
        Column("category", "string", "The category."),
        Column("count", "integer", "Reports."),
    ),
    rows=_rows,
    temporal=None,
)
GEO = DatasetSpec(
    module="opendata",
    slug="catalog-test-geo",
    title="Air-quality stations",
    description="Where the city measures the air.",
    themes=("ENVI",),
    keywords=("air",),
    frequency="HOURLY",
    refresh=datetime.timedelta(hours=1),
    privacy=Privacy(statement="No personal data.", personal=False, grid=("lat", "lon")),
    columns=(
        Column("name", "string", "Station."),
        Column("lat", "number", "Latitude."),
        Column("lon", "number", "Longitude."),
        Column("measured", "datetime", "When."),
    ),
    rows=_rows,
    formats=("csv", "json", "geojson", "xlsx"),
    geometry=("lat", "lon"),
    temporal="measured",
)
FILE = DatasetSpec(
    module="opendata",
    slug="catalog-test-gtfs",
    title="Public transport timetable",
    description="The static GTFS feed.",
    themes=("TRAN",),
    keywords=("GTFS", "bus"),
    frequency="WEEKLY",
    refresh=datetime.timedelta(days=1),
    privacy=Privacy(statement="No personal data.", personal=False),
    files=(
        DataFile(
            name="gtfs.zip",
            format="GTFS",
            media_type="application/zip",
            title="GTFS feed",
            produce=lambda municipality: b"PK",
            description="Every stop, route and trip.",
        ),
    ),
    links=(
        DataLink(
            url_name="opendata:catalog-ttl",
            format="GTFS-RT",
            media_type="application/x-protobuf",
            title="Vehicle positions",
        ),
        # A module not installed here: its link is left out, nothing breaks.
        DataLink(
            url_name="nowhere:feed",
            format="GTFS-RT",
            media_type="application/x-protobuf",
            title="X",
        ),
    ),
)
LINKS = DatasetSpec(
    module="opendata",
    slug="catalog-test-links",
    title="Real-time feeds",
    description="Live data.",
    themes=("TRAN",),
    keywords=("live",),
    frequency="CONT",
    refresh=datetime.timedelta(days=1),
    privacy=Privacy(statement="No personal data.", personal=False),
    links=(
        DataLink(
            url_name="opendata:dataset",
            url_kwargs={"slug": "catalog-test-links"},
            format="JSON",
            media_type="application/json",
            title="Live JSON",
        ),
    ),
)
SPECS = (TABLE, GEO, FILE, LINKS)


@pytest.fixture
def specs() -> Iterator[tuple[DatasetSpec, ...]]:
    for spec in SPECS:
        dataset_register(spec)
    yield SPECS
    for spec in SPECS:
        dataset_unregister(spec.slug)


def publish(
    municipality: Municipality, spec: DatasetSpec, keys: tuple[str, ...], *, number: int = 1
) -> None:
    """A published version of ``spec`` in ``municipality`` with a file per key."""
    moment = timezone.now().replace(microsecond=0)
    dataset = DatasetFactory.create(
        municipality=municipality,
        slug=spec.slug,
        module=spec.module,
        issued=moment - datetime.timedelta(days=30),
        modified=moment,
    )
    version = DatasetVersionFactory.create(
        dataset=dataset,
        number=number,
        created=moment,
        temporal_start=moment - datetime.timedelta(days=7) if spec.temporal else None,
        temporal_end=moment if spec.temporal else None,
        privacy_report={"grid_metres": 50} if spec.privacy.grid else {},
    )
    media = {"csv": "text/csv", "json": "application/json", "geojson": "application/geo+json"}
    for key in keys:
        DistributionFactory.create(
            version=version,
            key=key,
            media_type=media.get(key, "application/zip" if key.endswith(".zip") else "x/y"),
            content=f"{spec.slug} {key}".encode(),
        )


@pytest.fixture
def published(
    specs: tuple[DatasetSpec, ...], botosani: Municipality, settings: object, tmp_path: Path
) -> Municipality:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    botosani.contact_email = "open@botosani.example"
    botosani.save()
    publish(botosani, TABLE, ("csv", "json", "xlsx"))
    publish(botosani, GEO, ("csv", "geojson", "json", "xlsx"))
    publish(botosani, FILE, ("gtfs.zip",))
    publish(botosani, LINKS, ())
    return botosani


def _languages(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str | None]:
    return {
        literal.language
        for literal in graph.objects(subject, predicate)
        if isinstance(literal, Literal)
    }


def _graph(municipality: Municipality) -> Graph:
    everything = published_datasets(municipality)
    return catalog_graph(municipality, home=HOME, everything=everything)


@pytest.mark.django_db
def test_each_kind_of_dataset_conforms_to_dcat_ap_with_no_violation(
    published: Municipality,
) -> None:
    graph = _graph(published)

    conforms, violations = shacl_violations(graph)

    assert violations == [], "\n".join(violations)
    assert conforms
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 4


@pytest.mark.django_db
def test_the_catalog_and_a_dataset_carry_the_issues_properties(published: Municipality) -> None:
    graph = _graph(published)
    catalog = URIRef("http://botosani.localhost/opendata/catalog")
    dataset = URIRef("http://botosani.localhost/opendata/datasets/catalog-test-geo/#dataset")

    assert (catalog, RDF.type, DCAT.Catalog) in graph
    assert _languages(graph, catalog, DCTERMS.title) == {"ro", "en"}
    publisher = graph.value(catalog, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert graph.value(publisher, DCTERMS.type) == URIRef(
        "http://purl.org/adms/publishertype/LocalAuthority"
    )
    assert set(graph.objects(catalog, DCAT.dataset)) == set(graph.subjects(RDF.type, DCAT.Dataset))
    service = graph.value(catalog, DCAT.service)
    assert (service, RDF.type, DCAT.DataService) in graph
    assert graph.value(service, DCAT.endpointURL) == URIRef(
        "http://botosani.localhost/api/3/action/"
    )
    assert set(graph.objects(service, DCAT.servesDataset)) == set(
        graph.objects(catalog, DCAT.dataset)
    )

    assert _languages(graph, dataset, DCTERMS.description) == {"ro", "en"}
    contact = graph.value(dataset, DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:open@botosani.example")
    assert graph.value(dataset, DCAT.theme) == URIRef(
        "http://publications.europa.eu/resource/authority/data-theme/ENVI"
    )
    assert graph.value(dataset, DCTERMS.accrualPeriodicity) == URIRef(
        "http://publications.europa.eu/resource/authority/frequency/HOURLY"
    )
    assert graph.value(dataset, DCTERMS.accessRights) == URIRef(
        "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
    )
    assert graph.value(dataset, DCAT.landingPage) == URIRef(
        "http://botosani.localhost/opendata/datasets/catalog-test-geo/"
    )
    place = graph.value(dataset, DCTERMS.spatial)
    bbox = graph.value(place, DCAT.bbox)
    assert isinstance(bbox, Literal)
    assert bbox.datatype == URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")
    assert str(bbox).startswith("POLYGON((")
    period = graph.value(dataset, DCTERMS.temporal)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in graph
    assert graph.value(period, DCAT.startDate).datatype == namespace.XSD.dateTime  # type: ignore[union-attr]
    assert graph.value(dataset, DCAT.version) == Literal("1")
    assert graph.value(dataset, DCAT.spatialResolutionInMeters) == Literal(
        "50.0", datatype=namespace.XSD.decimal
    )
    provenance = graph.value(dataset, DCTERMS.provenance)
    assert "No personal data." in {str(label) for label in graph.objects(provenance, None)}

    distributions = {str(node): node for node in graph.objects(dataset, DCAT.distribution)}
    assert sorted(distributions) == [
        f"http://botosani.localhost/opendata/datasets/catalog-test-geo/#distribution-{key}"
        for key in ("csv", "geojson", "json", "xlsx")
    ]
    geojson = distributions[
        "http://botosani.localhost/opendata/datasets/catalog-test-geo/#distribution-geojson"
    ]
    assert graph.value(geojson, DCAT.downloadURL) == URIRef(
        "http://botosani.localhost/opendata/datasets/catalog-test-geo/download/geojson"
    )
    assert graph.value(geojson, DCTERMS.format) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/GEOJSON"
    )
    assert graph.value(geojson, DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/application/geo+json"
    )
    content = b"catalog-test-geo geojson"
    assert graph.value(geojson, DCAT.byteSize) == Literal(
        len(content), datatype=namespace.XSD.nonNegativeInteger
    )
    checksum = graph.value(geojson, SPDX.checksum)
    assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(content).hexdigest()
    assert graph.value(geojson, DCTERMS.license) == URIRef(
        "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
    )
    assert graph.value(geojson, DCTERMS.conformsTo) == URIRef(
        "https://www.rfc-editor.org/rfc/rfc7946"
    )
    theme = URIRef("http://publications.europa.eu/resource/authority/data-theme/ENVI")
    assert _languages(graph, theme, SKOS.prefLabel) == {"ro", "en"}


@pytest.mark.django_db
def test_module_files_and_live_links_are_distributions(published: Municipality) -> None:
    graph = _graph(published)
    gtfs = URIRef("http://botosani.localhost/opendata/datasets/catalog-test-gtfs/#dataset")

    distributions = sorted(str(node) for node in graph.objects(gtfs, DCAT.distribution))

    page = "http://botosani.localhost/opendata/datasets/catalog-test-gtfs/"
    # The link whose module is not installed is left out.
    assert distributions == [f"{page}#distribution-gtfs.zip", f"{page}#link-1"]
    zip_file = URIRef(f"{page}#distribution-gtfs.zip")
    assert graph.value(zip_file, DCTERMS.format) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/GTFS"
    )
    assert graph.value(zip_file, DCTERMS.conformsTo) == URIRef(
        "https://gtfs.org/documentation/schedule/reference/"
    )
    assert str(graph.value(zip_file, DCTERMS.description)) == "Every stop, route and trip."
    feed = URIRef(f"{page}#link-1")
    assert graph.value(feed, DCAT.accessURL) == URIRef(
        "http://botosani.localhost/opendata/catalog.ttl"
    )
    assert graph.value(feed, DCAT.downloadURL) is None
    # application/x-protobuf is in no register: the feed says GTFS-realtime instead.
    assert graph.value(feed, DCAT.mediaType) is None
    assert graph.value(feed, DCTERMS.conformsTo) == URIRef(
        "https://gtfs.org/documentation/realtime/reference/"
    )


@pytest.mark.django_db
def test_the_served_catalog_conforms_too(published: Municipality) -> None:
    client = Client()
    response = client.get("/opendata/catalog.ttl", HTTP_HOST="botosani.localhost")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content.decode(), format="turtle")

    conforms, violations = shacl_violations(graph)

    assert violations == [], "\n".join(violations)
    assert conforms
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 4
    assert response["Content-Type"] == TURTLE.media_type + "; charset=utf-8"


@pytest.mark.django_db
def test_a_city_without_email_gives_its_website_as_contact(
    specs: tuple[DatasetSpec, ...], botosani: Municipality, settings: object, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    botosani.contact_email = ""
    botosani.website = "https://www.primariabt.ro/"
    botosani.save()
    publish(botosani, TABLE, ("csv",))

    graph = _graph(botosani)

    contact = next(graph.subjects(RDF.type, VCARD.Kind))
    assert graph.value(contact, VCARD.hasEmail) is None
    assert graph.value(contact, VCARD.hasURL) == URIRef("https://www.primariabt.ro/")
    assert shacl_violations(graph)[1] == []
