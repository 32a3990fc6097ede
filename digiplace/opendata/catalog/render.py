"""The catalogue serialised (Turtle, JSON-LD, RDF/XML), one page at a time, from the cache.

A city with more than ``PAGE_SIZE`` datasets is paged (``?page=n``, Hydra's properties in
each page); each page is complete in itself (the catalogue, its publisher, its datasets).
The text is cached under the city's ``opendata`` and ``core`` versions (``cache_versions``,
which also carry the deploy's code version, so new dataset declarations are seen): any
write of the module's records (a regeneration) or of the city's own (its name) makes it new.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache
from rdflib import Graph

from digiplace.core.cache_versions import CORE, cache_versions
from digiplace.opendata.selectors import published_datasets

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

from .graph import Paging, catalog_graph
from .vocabulary import PREFIXES

PAGE_SIZE = 100
# Old texts are never served (the key moves with the data); they just expire.
CACHE_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Serialisation:
    media_type: str
    rdflib_format: str


TURTLE = Serialisation("text/turtle", "turtle")
JSON_LD = Serialisation("application/ld+json", "json-ld")
RDF_XML = Serialisation("application/rdf+xml", "xml")
# In the server's order of preference (content negotiation's ties, */*).
SERIALISATIONS = (TURTLE, JSON_LD, RDF_XML)

JSON_LD_CONTEXT = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


class PageNotFound(Exception):
    """A page past the catalogue's last."""


def serialise(graph: Graph, serialisation: Serialisation) -> str:
    if serialisation is JSON_LD:
        return graph.serialize(format="json-ld", context=JSON_LD_CONTEXT, auto_compact=True)
    return graph.serialize(format=serialisation.rdflib_format)


def catalog_text(
    municipality: Municipality,
    *,
    home: str,
    path: str,
    serialisation: Serialisation,
    page: int | None = None,
) -> str:
    """The catalogue (or its page ``page``, from 1) in ``serialisation``; its IRIs under
    ``home`` (the city's address), its pages' addresses ``home`` + ``path`` + ``?page=n``.
    Raises ``PageNotFound`` for a page past the last."""
    versions = cache_versions(municipality.pk, ["opendata", CORE])
    material = "\n".join(
        [home, path, serialisation.media_type, str(page or ""), *versions.values()]
    )
    key = f"opendata:catalog:{municipality.pk}:{hashlib.sha256(material.encode()).hexdigest()}"
    text = cache.get(key)
    if isinstance(text, str):
        return text

    everything = published_datasets(municipality)
    last = max(1, math.ceil(len(everything) / PAGE_SIZE))
    if page is not None and not 1 <= page <= last:
        raise PageNotFound(page)
    number = page or 1
    base = home.rstrip("/") + path
    paging = None
    if len(everything) > PAGE_SIZE:
        paging = Paging(
            number=number,
            last=last,
            total=len(everything),
            size=PAGE_SIZE,
            url=lambda n: f"{base}?page={n}",
        )
    start = (number - 1) * PAGE_SIZE
    graph = catalog_graph(
        municipality,
        home=home,
        everything=everything,
        page=everything[start : start + PAGE_SIZE],
        paging=paging,
    )
    text = serialise(graph, serialisation)
    cache.set(key, text, CACHE_SECONDS)
    return text
