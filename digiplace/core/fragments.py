"""Template fragments rendered once per content, in each process (long lists' rows).

``fragment_render(template_name, values)`` renders ``template_name`` with ``values`` (and
nothing else: no request, no context processors) and keeps the HTML in this process, keyed
by a digest of the values, the active language and time zone, and the deployed code
(``cache_versions.code_version``: templates and catalogues). Since the template can only
show what is in ``values``, the key names everything the fragment shows: it is never stale,
needs no invalidation, and is the same in every process. Give it plain values (strings,
numbers, booleans, None), formatted as the fragment shows them.

    rows = [fragment_render("reports/backoffice/_queue_row.html", row) for row in rows]

Least recently used first out, at most ``FRAGMENT_CACHE_ENTRIES`` per process.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from .cache_versions import code_version


class _Fragments:
    def __init__(self) -> None:
        self._html: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            html = self._html.get(key)
            if html is not None:
                self._html.move_to_end(key)
            return html

    def put(self, key: str, html: str) -> None:
        limit = int(getattr(settings, "FRAGMENT_CACHE_ENTRIES", 20_000))
        with self._lock:
            self._html[key] = html
            while len(self._html) > limit:
                self._html.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._html.clear()

    def __len__(self) -> int:
        return len(self._html)


fragments = _Fragments()


def _key(template_name: str, values: Mapping[str, Any]) -> str:
    material = json.dumps(
        [
            template_name,
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
            code_version(),
            values,
        ],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def fragment_render(template_name: str, values: Mapping[str, Any]) -> SafeString:
    """The fragment's HTML for ``values`` (plain JSON values only), from this process's
    memory when it rendered the same values before."""
    key = _key(template_name, values)
    html = fragments.get(key)
    if html is None:
        html = get_template(template_name).render(dict(values))
        fragments.put(key, html)
    return mark_safe(html)  # noqa: S308 (rendered by the template engine, escaped there)
