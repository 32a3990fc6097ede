"""A city's catalogue as a DCAT-AP 3 graph: the catalogue, its publisher and area, and each
published dataset with its distributions (the current version's files and the module's live
links).

Addresses are on the city's primary host (``municipality_home_url``: the request's scheme
and port), so the same dataset has the same IRI whichever of the city's hosts was asked.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from digiplace.core.datasets import THEME_LABELS, DataFile, DataLink, Text
from digiplace.opendata.models import Distribution
from digiplace.opendata.selectors import LANGUAGES, Published, in_languages

from .vocabulary import (
    ACCESS_PUBLIC,
    DATA_THEME_SCHEME,
    GSP,
    HYDRA,
    LANGUAGE_IRIS,
    LICENCE_CC_BY_4_0,
    LOCAL_AUTHORITY,
    PREFIXES,
    SHA256,
    SPDX,
    STANDARDS,
    TABLE_FORMATS,
    VCARD,
    file_type_iri,
    frequency_iri,
    media_type_iri,
    theme_iri,
)
from .vocabulary import DCAT3 as DCAT

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

CATALOG_TITLE = _("%(city)s: open data")
CATALOG_DESCRIPTION = _(
    "The datasets %(city)s publishes as open data. Each is made and refreshed by the platform "
    "from the service that holds the data, and says how personal data was removed from it."
)
THEME_SCHEME_TITLE = _("Data theme")
PUBLISHER_TYPE_LABEL = _("Local authority")
SERVICE_TITLE = _("CKAN-compatible API")
SERVICE_DESCRIPTION = _(
    "Read-only access to this catalogue's datasets in the format of CKAN's action API "
    "(package_list, package_show, package_search)."
)
CKAN_API_DOCUMENTATION = URIRef("https://docs.ckan.org/en/latest/api/")


@dataclass(frozen=True)
class Paging:
    """The page of the catalogue a graph holds, for Hydra's paging properties."""

    number: int
    last: int
    total: int
    size: int
    # The address of page n (the requested serialisation's own address, ``?page=n``).
    url: Callable[[int], str]


class _Builder:
    def __init__(self, municipality: Municipality, home: str) -> None:
        self.municipality = municipality
        self.home = home.rstrip("/")
        self.graph = Graph(bind_namespaces="none")
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, namespace)
        self._typed: set[tuple[URIRef, URIRef]] = set()

    # Small helpers -------------------------------------------------------------------------

    def url(self, name: str, **kwargs: object) -> URIRef:
        return URIRef(self.home + reverse(name, kwargs=kwargs or None))

    def add(self, subject: URIRef | BNode, predicate: URIRef, value: object) -> None:
        node = value if isinstance(value, URIRef | BNode | Literal) else Literal(value)
        self.graph.add((subject, predicate, node))

    def texts(self, subject: URIRef | BNode, predicate: URIRef, text: Text) -> None:
        """A declared text as one literal per shipped language."""
        for language, value in in_languages(text).items():
            if value:
                self.graph.add((subject, predicate, Literal(value, lang=language)))

    def typed(self, node: URIRef, *classes: URIRef) -> URIRef:
        """A shared node (a theme, a media type) typed once, as the ranges expect."""
        for cls in classes:
            if (node, cls) not in self._typed:
                self._typed.add((node, cls))
                self.graph.add((node, RDF.type, cls))
        return node

    def moment(self, subject: URIRef | BNode, predicate: URIRef, value: datetime.datetime) -> None:
        self.graph.add((subject, predicate, Literal(value.isoformat(), datatype=XSD.dateTime)))

    # The city -------------------------------------------------------------------------------

    def city_names(self) -> dict[str, str]:
        names = {}
        for language in LANGUAGES:
            names[language] = getattr(self.municipality, f"name_{language}", None) or str(
                self.municipality.name
            )
        return names

    def publisher(self) -> URIRef:
        node = URIRef(self.home + "/#publisher")
        if (node, FOAF.Agent) in self._typed:
            return node
        self.typed(node, FOAF.Agent)
        for language, name in self.city_names().items():
            self.graph.add((node, FOAF.name, Literal(name, lang=language)))
        kind = self.typed(LOCAL_AUTHORITY, SKOS.Concept)
        self.texts(kind, SKOS.prefLabel, PUBLISHER_TYPE_LABEL)
        self.add(node, DCTERMS.type, kind)
        if self.municipality.website:
            self.add(
                node, FOAF.homepage, self.typed(URIRef(self.municipality.website), FOAF.Document)
            )
        return node

    def contact(self) -> URIRef:
        node = URIRef(self.home + "/#contact")
        if (node, VCARD.Kind) in self._typed:
            return node
        self.typed(node, VCARD.Organization, VCARD.Kind)
        for language, name in self.city_names().items():
            self.graph.add((node, VCARD.fn, Literal(name, lang=language)))
        if self.municipality.contact_email:
            self.add(node, VCARD.hasEmail, URIRef(f"mailto:{self.municipality.contact_email}"))
        else:
            self.add(node, VCARD.hasURL, URIRef(self.municipality.website or self.home + "/"))
        return node

    def area(self) -> URIRef:
        node = URIRef(self.home + "/#area")
        if (node, DCTERMS.Location) in self._typed:
            return node
        self.typed(node, DCTERMS.Location)
        city = self.municipality
        south, west, north, east = (
            city.bounds_south,
            city.bounds_west,
            city.bounds_north,
            city.bounds_east,
        )
        # WKT is longitude first; the ring is closed.
        ring = ", ".join(
            f"{lon} {lat}"
            for lon, lat in (
                (west, south),
                (east, south),
                (east, north),
                (west, north),
                (west, south),
            )
        )
        self.add(node, DCAT.bbox, Literal(f"POLYGON(({ring}))", datatype=GSP.wktLiteral))
        centroid = f"POINT({city.centre_longitude} {city.centre_latitude})"
        self.add(node, DCAT.centroid, Literal(centroid, datatype=GSP.wktLiteral))
        return node

    def licence(self) -> URIRef:
        return self.typed(LICENCE_CC_BY_4_0, DCTERMS.LicenseDocument)

    def theme(self, code: str) -> URIRef:
        node = theme_iri(code)
        if (node, SKOS.Concept) not in self._typed:
            self.typed(node, SKOS.Concept)
            self.texts(node, SKOS.prefLabel, THEME_LABELS[code])
            self.add(node, SKOS.inScheme, self.theme_scheme())
        return node

    def theme_scheme(self) -> URIRef:
        if (DATA_THEME_SCHEME, SKOS.ConceptScheme) not in self._typed:
            self.typed(DATA_THEME_SCHEME, SKOS.ConceptScheme)
            self.texts(DATA_THEME_SCHEME, DCTERMS.title, THEME_SCHEME_TITLE)
        return DATA_THEME_SCHEME

    def standard(self, key: str) -> URIRef | None:
        found = STANDARDS.get(key.strip().upper())
        return self.typed(found, DCTERMS.Standard) if found is not None else None

    # The catalogue --------------------------------------------------------------------------

    def catalog(self, everything: Sequence[Published], page: Sequence[Published]) -> URIRef:
        node = self.url("opendata:catalog")
        self.typed(node, DCAT.Catalog)
        names = self.city_names()
        for language in LANGUAGES:
            for template, predicate in (
                (CATALOG_TITLE, DCTERMS.title),
                (CATALOG_DESCRIPTION, DCTERMS.description),
            ):
                text = in_languages(template)[language] % {"city": names[language]}
                self.graph.add((node, predicate, Literal(text, lang=language)))
        self.add(node, DCTERMS.publisher, self.publisher())
        self.add(node, FOAF.homepage, self.typed(self.url("opendata:index"), FOAF.Document))
        for language in LANGUAGES:
            self.add(
                node,
                DCTERMS.language,
                self.typed(LANGUAGE_IRIS[language], DCTERMS.LinguisticSystem),
            )
        self.add(node, DCAT.themeTaxonomy, self.theme_scheme())
        self.add(node, DCTERMS.spatial, self.area())
        self.add(node, DCTERMS.license, self.licence())
        issued = [item.dataset.issued or item.version.created for item in everything]
        modified = [item.dataset.modified or item.version.created for item in everything]
        if issued:
            self.moment(node, DCTERMS.issued, min(issued))
            self.moment(node, DCTERMS.modified, max(modified))
        datasets = [self.dataset(item) for item in page]
        for dataset in datasets:
            self.add(node, DCAT.dataset, dataset)
        service = self.service(datasets)
        if service is not None:
            self.add(node, DCAT.service, service)
        return node

    def service(self, datasets: list[URIRef]) -> URIRef | None:
        """The CKAN-compatible API (``opendata_ckan``) that serves the same datasets."""
        try:
            action = reverse("opendata_ckan:action", kwargs={"name": "package_list"})
        except NoReverseMatch:
            return None
        endpoint = self.typed(
            URIRef(self.home + action.removesuffix("package_list")), RDFS.Resource
        )
        node = self.typed(URIRef(f"{self.url('opendata:catalog')}#ckan-api"), DCAT.DataService)
        self.texts(node, DCTERMS.title, SERVICE_TITLE)
        self.texts(node, DCTERMS.description, SERVICE_DESCRIPTION)
        self.add(node, DCAT.endpointURL, endpoint)
        self.add(node, DCAT.endpointDescription, self.typed(CKAN_API_DOCUMENTATION, RDFS.Resource))
        self.add(node, DCTERMS.publisher, self.publisher())
        self.add(node, DCAT.contactPoint, self.contact())
        self.add(node, DCTERMS.license, self.licence())
        for dataset in datasets:
            self.add(node, DCAT.servesDataset, dataset)
        return node

    def dataset(self, item: Published) -> URIRef:
        spec, version = item.spec, item.version
        landing = self.url("opendata:dataset", slug=spec.slug)
        node = URIRef(f"{landing}#dataset")
        self.typed(node, DCAT.Dataset)
        self.texts(node, DCTERMS.title, spec.title)
        self.texts(node, DCTERMS.description, spec.description)
        self.add(node, DCTERMS.identifier, Literal(str(node)))
        self.add(node, DCTERMS.publisher, self.publisher())
        self.add(node, DCAT.contactPoint, self.contact())
        for code in spec.themes:
            self.add(node, DCAT.theme, self.theme(code))
        for keyword in spec.keywords:
            self.texts(node, DCAT.keyword, keyword)
        self.add(node, DCTERMS.spatial, self.area())
        if version.temporal_start or version.temporal_end:
            period = BNode()
            self.graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
            if version.temporal_start:
                self.moment(period, DCAT.startDate, version.temporal_start)
            if version.temporal_end:
                self.moment(period, DCAT.endDate, version.temporal_end)
            self.add(node, DCTERMS.temporal, period)
        frequency = self.typed(frequency_iri(spec.frequency), DCTERMS.Frequency)
        self.add(node, DCTERMS.accrualPeriodicity, frequency)
        self.moment(node, DCTERMS.issued, item.dataset.issued or version.created)
        self.moment(node, DCTERMS.modified, item.dataset.modified or version.created)
        self.add(node, DCAT.landingPage, self.typed(landing, FOAF.Document))
        self.add(
            node, FOAF.page, self.typed(self.url("opendata:story", slug=spec.slug), FOAF.Document)
        )
        self.add(node, DCAT.version, Literal(str(version.number)))
        self.add(node, DCTERMS.accessRights, self.typed(ACCESS_PUBLIC, DCTERMS.RightsStatement))
        provenance = BNode()
        self.graph.add((provenance, RDF.type, DCTERMS.ProvenanceStatement))
        self.texts(provenance, RDFS.label, spec.privacy.statement)
        self.add(node, DCTERMS.provenance, provenance)
        grid = (version.privacy_report or {}).get("grid_metres")
        if spec.privacy.grid and not grid:
            grid = spec.privacy.grid_metres or settings.OPENDATA_GRID_METRES
        if grid:
            # Turtle writes a decimal with a point: the same lexical form reads back.
            metres = str(Decimal(str(grid)))
            metres = metres if "." in metres else f"{metres}.0"
            self.add(node, DCAT.spatialResolutionInMeters, Literal(metres, datatype=XSD.decimal))
        files = {data_file.name: data_file for data_file in spec.files}
        for distribution in sorted(item.distributions, key=lambda each: each.key):
            self.add(node, DCAT.distribution, self.distribution(item, distribution, files))
        for index, link in enumerate(spec.links):
            linked = self.link(landing, index, link)
            if linked is not None:
                self.add(node, DCAT.distribution, linked)
        return node

    def distribution(
        self, item: Published, distribution: Distribution, files: dict[str, DataFile]
    ) -> URIRef:
        spec, version = item.spec, item.version
        landing = self.url("opendata:dataset", slug=spec.slug)
        node = URIRef(f"{landing}#distribution-{distribution.key}")
        self.typed(node, DCAT.Distribution)
        download = self.url("opendata:download", slug=spec.slug, key=distribution.key)
        self.add(node, DCAT.accessURL, download)
        self.add(node, DCAT.downloadURL, download)
        data_file = files.get(distribution.key)
        if data_file is not None:
            code, title, description = data_file.format, data_file.title, data_file.description
        else:
            code = TABLE_FORMATS.get(distribution.key, (distribution.key.upper(), ""))[0]
            title, description = spec.title, ""
        for language, value in in_languages(title).items():
            suffix = f" ({code})" if data_file is None else ""
            self.graph.add((node, DCTERMS.title, Literal(f"{value}{suffix}", lang=language)))
        if description:
            self.texts(node, DCTERMS.description, description)
        self.formats(node, code, distribution.media_type)
        self.add(
            node, DCAT.byteSize, Literal(distribution.byte_size, datatype=XSD.nonNegativeInteger)
        )
        checksum = BNode()
        self.graph.add((checksum, RDF.type, SPDX.Checksum))
        self.add(checksum, SPDX.algorithm, self.typed(SHA256, SPDX.ChecksumAlgorithm))
        self.add(checksum, SPDX.checksumValue, Literal(distribution.sha256, datatype=XSD.hexBinary))
        self.add(node, SPDX.checksum, checksum)
        self.add(node, DCTERMS.license, self.licence())
        self.moment(node, DCTERMS.issued, version.created)
        self.moment(node, DCTERMS.modified, version.created)
        return node

    def link(self, landing: URIRef, index: int, link: DataLink) -> URIRef | None:
        try:
            address = self.url(link.url_name, **dict(link.url_kwargs))
        except NoReverseMatch:
            # The serving module's address is gone (not installed here): no distribution.
            return None
        node = URIRef(f"{landing}#link-{index + 1}")
        self.typed(node, DCAT.Distribution)
        self.add(node, DCAT.accessURL, address)
        self.texts(node, DCTERMS.title, link.title)
        if link.description:
            self.texts(node, DCTERMS.description, link.description)
        self.formats(node, link.format, link.media_type)
        self.add(node, DCTERMS.license, self.licence())
        return node

    def formats(self, node: URIRef, code: str, media_type: str) -> None:
        file_type = file_type_iri(code)
        if file_type is not None:
            self.add(node, DCTERMS.format, self.typed(file_type, DCTERMS.MediaTypeOrExtent))
        media = media_type_iri(media_type)
        if media is not None:
            self.add(node, DCAT.mediaType, self.typed(media, DCTERMS.MediaType))
        standard = self.standard(code)
        if standard is not None:
            self.add(node, DCTERMS.conformsTo, standard)

    # Paging ---------------------------------------------------------------------------------

    def paging(self, catalog: URIRef, paging: Paging) -> None:
        """Hydra's paging, read by harvesters: the current ``PartialCollectionView`` with its
        first/last/next/previous pages (IRIs), and the same node as the older
        ``PagedCollection`` with ``firstPage``... as plain strings, which piveau (the
        data.europa.eu harvester) and CKAN's DCAT harvester read."""
        view = URIRef(paging.url(paging.number))
        self.graph.add((view, RDF.type, HYDRA.PartialCollectionView))
        self.graph.add((view, RDF.type, HYDRA.PagedCollection))
        total = Literal(paging.total, datatype=XSD.integer)
        self.add(catalog, HYDRA.totalItems, total)
        self.add(catalog, HYDRA.view, view)
        self.add(view, HYDRA.totalItems, total)
        self.add(view, HYDRA.itemsPerPage, Literal(paging.size, datatype=XSD.integer))
        pages = {"first": 1, "last": paging.last}
        if paging.number > 1:
            pages["previous"] = paging.number - 1
        if paging.number < paging.last:
            pages["next"] = paging.number + 1
        for name, number in pages.items():
            self.add(view, HYDRA[name], URIRef(paging.url(number)))
            self.add(view, HYDRA[f"{name}Page"], Literal(paging.url(number)))


def catalog_graph(
    municipality: Municipality,
    *,
    home: str,
    everything: Sequence[Published],
    page: Sequence[Published] | None = None,
    paging: Paging | None = None,
) -> Graph:
    """The catalogue with the datasets of ``page`` (all of ``everything`` when None); its
    dates and Hydra's total count are over ``everything``."""
    builder = _Builder(municipality, home)
    catalog = builder.catalog(everything, everything if page is None else page)
    if paging is not None:
        builder.paging(catalog, paging)
    return builder.graph
