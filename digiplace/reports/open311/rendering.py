"""GeoReport v2 documents in XML and JSON.

A document is plain data: dicts (elements in order), lists (repeated child elements) and
scalars. JSON is its direct encoding (the spec's Spark convention: lists at the top level,
no root element); XML wraps it in the root element and names each list item after the
list (``services`` → ``service``), as the specification's examples do.
"""

from __future__ import annotations

import datetime
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

JSON = "json"
XML = "xml"
FORMATS = (JSON, XML)
CONTENT_TYPES = {
    JSON: "application/json; charset=utf-8",
    XML: "text/xml; charset=utf-8",
}

# The element name of each item of a list, by the list's element name.
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}

# Characters that XML 1.0 cannot carry, even escaped; residents' text may contain them.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def w3c_datetime(
    moment: datetime.datetime | None, zone: datetime.tzinfo | None = None
) -> str | None:
    """The W3C profile of ISO 8601 with the offset of ``zone``, by default the active
    (municipality's) zone; a long list passes the zone, looked up once."""
    if moment is None:
        return None
    return (
        moment.astimezone(zone or timezone.get_current_timezone())
        .replace(microsecond=0)
        .isoformat()
    )


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_FORBIDDEN.sub("", str(value))


def _xml_fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for name, child_value in value.items():
            _xml_fill(ET.SubElement(element, name), child_value)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES[element.tag]
        for item in value:
            _xml_fill(ET.SubElement(element, item_name), item)
    else:
        element.text = _xml_text(value)


def to_xml(document: Any, *, root: str) -> bytes:
    element = ET.Element(root)
    _xml_fill(element, document)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def to_json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def render(document: Any, *, format: str, root: str, status: int = 200) -> HttpResponse:
    """``root`` names the XML root element; JSON has none."""
    body = to_xml(document, root=root) if format == XML else to_json(document)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[format])


def render_errors(descriptions: Iterable[str], *, status: int, format: str = JSON) -> HttpResponse:
    """The specification's error list; ``code`` repeats the HTTP status."""
    document = [{"code": status, "description": text} for text in descriptions]
    return render(
        document, format=format if format in FORMATS else JSON, root="errors", status=status
    )
