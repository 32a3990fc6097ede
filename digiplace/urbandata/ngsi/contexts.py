"""JSON-LD @contexts for the NGSI-LD API: which IRI a client's term means, and which name
the platform stores it under.

- The NGSI-LD core context is built in (``core-context.jsonld``, the published v1.8 text)
  and never fetched: every published version's URL resolves to it. Its terms are protected
  (a user context cannot redefine ``location``, ``status``, ``observedAt``…).
- The Smart Data Models' terms for the platform's types (``types.py``) are built in too,
  and the Smart Data Models' published context URLs resolve to them.
- Any other context URL (a ``Link`` header with the JSON-LD context relation, or
  ``@context`` in an ``application/ld+json`` body) is fetched over HTTP through
  ``netguard`` with a timeout, kept in ``ContextCache`` (and a short process cache in
  front of it); one that cannot be fetched or read answers 503 ``LdContextNotAvailable``.

A term expands to an IRI with the request's context. An IRI the platform knows (a Smart
Data Model term of a known type, a core term, or the default context's
``https://uri.etsi.org/ngsi-ld/default-context/<name>``) is stored as its short name;
other IRIs are stored whole. Answers compact the stored names back with the request's
context.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import netguard
from ..errors import NgsiError
from ..models import ContextCache
from ..types import ENTITY_TYPES

CORE_CONTEXT_URL = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
DEFAULT_VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
NGSI_LD = "https://uri.etsi.org/ngsi-ld/"
_CORE_URL = re.compile(
    r"^https?://uri\.etsi\.org/ngsi-ld/(v1/)?ngsi-ld-core-context(-v\d+\.\d+(\.\d+)?)?\.jsonld$"
)
# The Smart Data Models' published contexts (all models, or one subject's).
_SMART_DATA_MODELS_URL = re.compile(
    r"^https://(smartdatamodels\.org/context\.jsonld"
    r"|raw\.githubusercontent\.com/smart-data-models/[\w.-]+/(master|main)/context\.jsonld"
    r"|uri\.fiware\.org/ns/data-models(/context\.jsonld)?)$"
)
FETCH_TIMEOUT_SECONDS = 5.0
MAX_CONTEXT_BYTES = 512_000
# How long a fetched context is used before it is fetched again.
DATABASE_CACHE_SECONDS = 24 * 3600
PROCESS_CACHE_SECONDS = 300
# Remote contexts may import others; a chain longer than this is refused.
MAX_REMOTE_DEPTH = 5


def _load_core() -> dict[str, Any]:
    document = json.loads((Path(__file__).parent / "core-context.jsonld").read_text())
    context: dict[str, Any] = document["@context"]
    return context


_CORE = _load_core()


def _core_iri(definition: Any) -> str:
    value = definition.get("@id", "") if isinstance(definition, dict) else str(definition)
    prefix, _sep, suffix = value.partition(":")
    if prefix in ("ngsi-ld", "geojson") and not suffix.startswith("//"):
        return str(_CORE[prefix]) + suffix
    return value


# Core term → IRI ("id" and "type" are keywords, not attributes).
CORE_TERMS: dict[str, str] = {
    term: _core_iri(definition)
    for term, definition in _CORE.items()
    if not term.startswith("@") and term not in ("ngsi-ld", "geojson")
}
_CORE_BY_IRI = {iri: term for term, iri in CORE_TERMS.items() if not iri.startswith("@")}


def _smart_data_model_terms() -> dict[str, str]:
    terms: dict[str, str] = {}
    for spec in ENTITY_TYPES.values():
        terms[spec.name] = spec.iri
        for name in spec.attributes:
            terms.setdefault(name, spec.attribute_iri(name))
    return terms


# Short name → IRI for every type and attribute of types.py (the first type naming an
# attribute gives its IRI in the built-in context; every type's IRI is known below).
SMART_DATA_MODEL_TERMS = _smart_data_model_terms()


def _known_iris() -> dict[str, str]:
    known: dict[str, str] = {}
    for spec in ENTITY_TYPES.values():
        known[spec.iri] = spec.name
        for name in spec.attributes:
            known[spec.attribute_iri(name)] = name
            known.setdefault(spec.namespace + name, name)
    return known


# IRI → the short name the platform stores.
_KNOWN_IRIS = _known_iris()


def stored_name(iri: str) -> str:
    """The name the platform stores for an expanded IRI."""
    if iri.startswith(DEFAULT_VOCAB) and len(iri) > len(DEFAULT_VOCAB):
        return iri[len(DEFAULT_VOCAB) :]
    if iri in _CORE_BY_IRI:
        return _CORE_BY_IRI[iri]
    return _KNOWN_IRIS.get(iri, iri)


def _is_absolute_iri(value: str) -> bool:
    scheme, separator, rest = value.partition(":")
    return (
        bool(separator)
        and bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme))
        and (rest.startswith("//") or scheme in ("urn", "mailto", "tag"))
    )


@dataclass(frozen=True)
class ActiveContext:
    """The terms a request's @context defines (beyond the core), resolved to IRIs."""

    terms: Mapping[str, str] = field(default_factory=dict)
    vocab: str = DEFAULT_VOCAB
    # What the client gave, to echo in answers: a list of URLs and objects; empty: none.
    given: tuple[Any, ...] = ()

    def expand(self, term: str) -> str:
        """The IRI of a term (core terms first: the core context is protected)."""
        if term in CORE_TERMS:
            return CORE_TERMS[term]
        if term in self.terms:
            return self.terms[term]
        if _is_absolute_iri(term):
            return term
        prefix, separator, suffix = term.partition(":")
        if separator and prefix in self.terms and not suffix.startswith("//"):
            return self.terms[prefix] + suffix
        return self.vocab + term

    def to_stored(self, term: str) -> str:
        """The name the platform stores for a client's term."""
        if term in CORE_TERMS:
            return term
        if not self.terms and self.vocab == DEFAULT_VOCAB:
            return _core_to_stored(term)
        return stored_name(self.expand(term))

    def from_stored(self, name: str) -> str:
        """The client's term for a stored name (the name itself when no term is closer)."""
        if name in CORE_TERMS:
            return name
        if not self.terms and self.vocab == DEFAULT_VOCAB:
            return _core_from_stored(name)
        return self._from_stored(name)

    def _from_stored(self, name: str) -> str:
        candidates = [name] if _is_absolute_iri(name) else list(_iris_of(name))
        for term, iri in self.terms.items():
            if iri in candidates:
                return term
        for iri in candidates:
            if self.vocab and iri.startswith(self.vocab) and len(iri) > len(self.vocab):
                return iri[len(self.vocab) :]
        if not _is_absolute_iri(name) and self.vocab == DEFAULT_VOCAB:
            return name
        return candidates[0]

    @property
    def link_url(self) -> str:
        """The context URL a JSON answer's Link header names."""
        urls = [entry for entry in self.given if isinstance(entry, str)]
        return urls[0] if len(urls) == 1 and len(self.given) == 1 else CORE_CONTEXT_URL

    @property
    def body_context(self) -> Any:
        """The ``@context`` an ``application/ld+json`` answer carries."""
        if not self.given:
            return CORE_CONTEXT_URL
        if len(self.given) == 1:
            return self.given[0]
        return list(self.given)


@functools.cache
def _iris_of_cached(name: str) -> tuple[str, ...]:
    iris = [DEFAULT_VOCAB + name]
    known = [iri for iri, short in _KNOWN_IRIS.items() if short == name]
    return (*known, *iris)


def _iris_of(name: str) -> tuple[str, ...]:
    """Every IRI the platform stores under ``name`` (its Smart Data Model ones, the default
    context's)."""
    return _iris_of_cached(name)


CORE_ONLY = ActiveContext()


# Most requests bring no context of their own: their names are looked up once per process.
@functools.lru_cache(maxsize=4096)
def _core_to_stored(term: str) -> str:
    return stored_name(CORE_ONLY.expand(term))


@functools.lru_cache(maxsize=4096)
def _core_from_stored(name: str) -> str:
    return CORE_ONLY._from_stored(name)


# The Smart Data Models' terms for the platform's types, as a context.
SMART_DATA_MODELS = ActiveContext(terms=SMART_DATA_MODEL_TERMS)


# Resolving what a client gave


class _Resolver:
    def __init__(self) -> None:
        self.terms: dict[str, str] = {}
        self.vocab = DEFAULT_VOCAB

    def add(self, context: Any, depth: int = 0) -> None:
        if context is None:
            return
        if isinstance(context, list):
            for entry in context:
                self.add(entry, depth)
            return
        if isinstance(context, str):
            if _CORE_URL.match(context):
                return
            if _SMART_DATA_MODELS_URL.match(context):
                for term, iri in SMART_DATA_MODEL_TERMS.items():
                    self.terms.setdefault(term, iri)
                return
            if depth >= MAX_REMOTE_DEPTH:
                raise _unavailable(context, _("it imports too many other contexts"))
            document = context_document(context)
            self.add(document.get("@context"), depth + 1)
            return
        if not isinstance(context, dict):
            raise NgsiError(
                "InvalidRequest",
                _("@context must be a URL, an object or a list of them."),
            )
        self._add_object(context)

    def _add_object(self, context: Mapping[str, Any]) -> None:
        if "@vocab" in context:
            vocab = context["@vocab"]
            self.vocab = self._resolve(vocab) if isinstance(vocab, str) else DEFAULT_VOCAB
        pending = {
            term: definition for term, definition in context.items() if not term.startswith("@")
        }
        # Prefixes may be defined after the terms that use them: resolve in two passes.
        for _round in range(2):
            for term, definition in pending.items():
                if term in CORE_TERMS:
                    continue  # the core context is protected
                if isinstance(definition, str):
                    value = definition
                elif isinstance(definition, dict) and isinstance(definition.get("@id"), str):
                    value = definition["@id"]
                elif definition is None:
                    self.terms.pop(term, None)
                    continue
                else:
                    continue
                if value.startswith("@"):
                    continue
                self.terms[term] = self._resolve(value)

    def _resolve(self, value: str) -> str:
        if _is_absolute_iri(value):
            return value
        prefix, separator, suffix = value.partition(":")
        if separator and prefix in self.terms:
            return self.terms[prefix] + suffix
        if separator and prefix in ("ngsi-ld", "geojson"):
            return str(_CORE[prefix]) + suffix
        return self.vocab + value if not separator else value


def context_resolve(given: Any) -> ActiveContext:
    """The active context of what a client gave (a URL, an object, a list, or None)."""
    if given is None or given == [] or given == "":
        return CORE_ONLY
    entries = tuple(given) if isinstance(given, list) else (given,)
    resolver = _Resolver()
    resolver.add(list(entries))
    return ActiveContext(terms=dict(resolver.terms), vocab=resolver.vocab, given=entries)


def is_core_context(url: str) -> bool:
    return bool(_CORE_URL.match(url))


# Fetching and caching


def _unavailable(url: str, reason: str) -> NgsiError:
    return NgsiError(
        "LdContextNotAvailable",
        _("The @context %(url)s could not be used: %(reason)s.") % {"url": url, "reason": reason},
    )


_process_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_process_lock = threading.Lock()


def context_cache_clear() -> None:
    """Forget the process's copies (tests; the database keeps its own)."""
    with _process_lock:
        _process_cache.clear()


def context_document(url: str) -> dict[str, Any]:
    """The JSON document at ``url``: from the process cache, the database cache, or fetched
    (and then cached). ``LdContextNotAvailable`` when it cannot be had."""
    now = time.monotonic()
    with _process_lock:
        held = _process_cache.get(url)
    if held is not None and now - held[0] < PROCESS_CACHE_SECONDS:
        return held[1]
    cached = ContextCache.objects.filter(url=url).first()
    fresh_after = timezone.now() - datetime.timedelta(seconds=DATABASE_CACHE_SECONDS)
    if cached is not None and cached.fetched_at >= fresh_after:
        document = dict(cached.document)
    else:
        try:
            document = _fetch(url)
        except NgsiError:
            if cached is None:
                raise
            document = dict(cached.document)  # a stale copy beats no answer
        else:
            ContextCache.objects.update_or_create(
                url=url, defaults={"document": document, "fetched_at": timezone.now()}
            )
    with _process_lock:
        _process_cache[url] = (now, document)
    return document


def _fetch(url: str) -> dict[str, Any]:
    if len(url) > ContextCache._meta.get_field("url").max_length:  # type: ignore[operator]
        raise _unavailable(url[:100] + "…", _("the URL is too long"))
    try:
        response = netguard.safe_request(
            "GET",
            url,
            headers={"Accept": "application/ld+json, application/json;q=0.9"},
            timeout=FETCH_TIMEOUT_SECONDS,
            max_bytes=MAX_CONTEXT_BYTES,
        )
    except netguard.UnsafeAddress as error:
        raise _unavailable(url, str(error)) from error
    except netguard.FetchFailed as error:
        raise _unavailable(url, str(error)) from error
    if not response.ok:
        raise _unavailable(url, _("the server answered %(status)d") % {"status": response.status})
    try:
        document = response.json()
    except ValueError as error:
        raise _unavailable(url, _("it is not JSON")) from error
    if not isinstance(document, dict) or "@context" not in document:
        raise _unavailable(url, _("it has no @context"))
    return document


# Documents


def names_to_stored(names: Iterable[str], context: ActiveContext) -> list[str]:
    return [context.to_stored(name) for name in names]


# A request's context


def request_context(
    request: HttpRequest, *, body: Any = None, media_type: str = ""
) -> ActiveContext:
    """The active context of a request (clause 6.3.5): the ``Link`` header's for JSON bodies
    and bodiless requests, the body's ``@context`` for ``application/ld+json`` ones."""
    from .http import LD_JSON, link_header_contexts

    linked = link_header_contexts(request)
    if len(linked) > 1:
        raise NgsiError("BadRequestData", _("Send at most one @context Link header."))
    if media_type == LD_JSON:
        if linked:
            raise NgsiError(
                "BadRequestData",
                _("With application/ld+json the @context goes in the body, not in a Link header."),
            )
        if isinstance(body, Mapping):
            if "@context" not in body:
                raise NgsiError(
                    "BadRequestData", _("An application/ld+json body needs an @context.")
                )
            return context_resolve(body["@context"])
        return CORE_ONLY
    if isinstance(body, Mapping) and "@context" in body:
        raise NgsiError(
            "BadRequestData",
            _(
                "With application/json the @context goes in a Link header; send the body as "
                "application/ld+json to include it."
            ),
        )
    return context_resolve(linked[0]) if linked else CORE_ONLY
