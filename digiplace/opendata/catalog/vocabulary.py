"""The vocabularies the catalogue speaks: RDF namespaces, the EU authority tables' IRIs (data
themes, frequencies, file types, access rights, licences, languages) and the IANA media types.

Validation is offline (the DCAT-AP SHACL shapes with no ontology loaded), so every node the
catalogue points to is typed with the class the DCAT-AP ranges expect, and concepts carry
their labels in the graph itself.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

ADMS = Namespace("http://www.w3.org/ns/adms#")
# DCAT 3's terms (rdflib's closed DCAT namespace is DCAT 2's: it lacks dcat:version).
DCAT3 = Namespace("http://www.w3.org/ns/dcat#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

# Prefixes written in Turtle, RDF/XML and the JSON-LD context.
PREFIXES: dict[str, Namespace] = {
    "adms": ADMS,
    "dcat": DCAT3,
    "dct": Namespace(str(DCTERMS)),
    "foaf": Namespace(str(FOAF)),
    "gsp": GSP,
    "hydra": HYDRA,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "skos": Namespace(str(SKOS)),
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": Namespace(str(XSD)),
}

_AUTHORITY = "http://publications.europa.eu/resource/authority/"
DATA_THEME_SCHEME = URIRef(_AUTHORITY + "data-theme")
ACCESS_PUBLIC = URIRef(_AUTHORITY + "access-right/PUBLIC")
LICENCE_CC_BY_4_0 = URIRef(_AUTHORITY + "licence/CC_BY_4_0")
# The ADMS publisher-type vocabulary DCAT-AP names for an agent's type.
LOCAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/LocalAuthority")
SHA256 = SPDX.checksumAlgorithm_sha256
# The languages the catalogue's texts are written in (``selectors.LANGUAGES``).
LANGUAGE_IRIS = {
    "ro": URIRef(_AUTHORITY + "language/RON"),
    "en": URIRef(_AUTHORITY + "language/ENG"),
}


# The EU file-type codes a distribution may be given (others get no dct:format).
FILE_TYPES = frozenset(
    {"CSV", "JSON", "GEOJSON", "XLSX", "ZIP", "GTFS", "XML", "PDF", "TXT", "BIN", "OCTET"}
)
# The field names modules use for formats with no code of their own in the EU table.
FILE_TYPE_ALIASES = {"GTFS-RT": "GTFS", "GTFS_RT": "GTFS"}

# The open-data module's own table formats (``DatasetSpec.formats``): EU code, media type.
TABLE_FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("CSV", "text/csv"),
    "json": ("JSON", "application/json"),
    "geojson": ("GEOJSON", "application/geo+json"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}

# The standards a distribution conforms to, by its EU file-type code or field format.
RFC_4180 = URIRef("https://www.rfc-editor.org/rfc/rfc4180")
RFC_7946 = URIRef("https://www.rfc-editor.org/rfc/rfc7946")
GTFS_SCHEDULE = URIRef("https://gtfs.org/documentation/schedule/reference/")
GTFS_REALTIME = URIRef("https://gtfs.org/documentation/realtime/reference/")
STANDARDS: dict[str, URIRef] = {
    "CSV": RFC_4180,
    "GEOJSON": RFC_7946,
    "GTFS": GTFS_SCHEDULE,
    "GTFS-RT": GTFS_REALTIME,
    "GTFS_RT": GTFS_REALTIME,
}


def theme_iri(code: str) -> URIRef:
    return URIRef(f"{_AUTHORITY}data-theme/{code}")


def frequency_iri(code: str) -> URIRef:
    return URIRef(f"{_AUTHORITY}frequency/{code}")


def file_type_iri(code: str) -> URIRef | None:
    """The EU file-type IRI of a format code ("CSV", "GTFS-RT"), None for one it lacks."""
    normalised = code.strip().upper()
    normalised = FILE_TYPE_ALIASES.get(normalised, normalised.replace("-", "_"))
    return URIRef(f"{_AUTHORITY}file-type/{normalised}") if normalised in FILE_TYPES else None


def media_type_iri(media_type: str) -> URIRef | None:
    """The IANA register's IRI of a media type; None for an unregistered one (``x-``)."""
    essence = media_type.split(";", 1)[0].strip().lower()
    kind, _slash, subtype = essence.partition("/")
    if not kind or not subtype or subtype.startswith("x-") or kind.startswith("x-"):
        return None
    return URIRef(f"https://www.iana.org/assignments/media-types/{kind}/{subtype}")
