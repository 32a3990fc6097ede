"""The city's catalogue as DCAT-AP 3 RDF: the graph (``graph``), its vocabularies
(``vocabulary``) and its serialised, paged and cached text (``render``)."""

from .graph import Paging, catalog_graph
from .render import (
    JSON_LD,
    PAGE_SIZE,
    RDF_XML,
    SERIALISATIONS,
    TURTLE,
    PageNotFound,
    Serialisation,
    catalog_text,
    serialise,
)

__all__ = [
    "JSON_LD",
    "PAGE_SIZE",
    "RDF_XML",
    "SERIALISATIONS",
    "TURTLE",
    "PageNotFound",
    "Paging",
    "Serialisation",
    "catalog_graph",
    "catalog_text",
    "serialise",
]
