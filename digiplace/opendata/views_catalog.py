"""The catalogue as DCAT-AP RDF, for harvesters (data.europa.eu, the national CKAN portal):
one address per serialisation, and one that chooses by the request's ``Accept``."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from digiplace.core.http import request_municipality
from digiplace.core.selectors import municipality_home_url

from .catalog import JSON_LD, RDF_XML, SERIALISATIONS, TURTLE, PageNotFound, Serialisation
from .catalog import catalog_text as _catalog_text

_MAX_ACCEPT = 2000


def _page(request: HttpRequest) -> int | None:
    """The ``page`` parameter: None when absent; a number from 1, or 404."""
    values = request.GET.getlist("page")
    if not values:
        return None
    value = values[-1].strip()
    if len(values) > 1 or not value.isascii() or not value.isdigit() or len(value) > 9:
        raise Http404
    number = int(value)
    if number < 1:
        raise Http404
    return number


def _answer(request: HttpRequest, serialisation: Serialisation) -> HttpResponse:
    municipality = request_municipality(request)
    page = _page(request)
    home = municipality_home_url(municipality=municipality, request=request)
    try:
        text = _catalog_text(
            municipality, home=home, path=request.path, serialisation=serialisation, page=page
        )
    except PageNotFound as error:
        raise Http404 from error
    return HttpResponse(text, content_type=f"{serialisation.media_type}; charset=utf-8")


@require_safe
def catalog_turtle(request: HttpRequest) -> HttpResponse:
    return _answer(request, TURTLE)


@require_safe
def catalog_jsonld(request: HttpRequest) -> HttpResponse:
    return _answer(request, JSON_LD)


@require_safe
def catalog_rdfxml(request: HttpRequest) -> HttpResponse:
    return _answer(request, RDF_XML)


def _ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an ``Accept`` header with their q-values, in the header's order;
    a malformed q-value counts as 1 (as if absent), out-of-range ones are clamped."""
    ranges = []
    for part in accept[:_MAX_ACCEPT].split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        media = media.lower()
        if "/" not in media:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _equals, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(1.0, max(0.0, float(value.strip())))
                except ValueError:
                    quality = 1.0
        ranges.append((media, quality))
    return ranges


def negotiate(accept: str) -> Serialisation | None:
    """The serialisation an ``Accept`` header prefers: the highest q-value of the most
    specific range matching each one; ties go to the range first in the header, then to the
    server's order (Turtle first). None when none is acceptable. No header: Turtle."""
    if not accept.strip():
        return TURTLE
    ranges = _ranges(accept)
    best: tuple[float, int, int] | None = None
    chosen = None
    for preference, serialisation in enumerate(SERIALISATIONS):
        kind = serialisation.media_type.split("/")[0]
        matches = []
        for position, (media, quality) in enumerate(ranges):
            if media == serialisation.media_type:
                specificity = 2
            elif media == f"{kind}/*":
                specificity = 1
            elif media == "*/*":
                specificity = 0
            else:
                continue
            matches.append((specificity, quality, position))
        if not matches:
            continue
        specificity, quality, position = max(matches, key=lambda match: match[0])
        if quality <= 0:
            continue
        rank = (quality, -position, -preference)
        if best is None or rank > best:
            best, chosen = rank, serialisation
    return chosen


@require_safe
def catalog(request: HttpRequest) -> HttpResponse:
    serialisation = negotiate(request.headers.get("Accept", ""))
    if serialisation is None:
        types = ", ".join(item.media_type for item in SERIALISATIONS)
        message = _("The catalogue is available as %(types)s.") % {"types": types}
        response = HttpResponse(
            message + "\n", status=406, content_type="text/plain; charset=utf-8"
        )
    else:
        response = _answer(request, serialisation)
    patch_vary_headers(response, ["Accept"])
    return response
