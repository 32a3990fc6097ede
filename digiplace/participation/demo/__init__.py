"""Demo data of the participation module, one file per component (see
``manage.py participation_demo``), and what they share."""

from __future__ import annotations

from typing import Any

from digiplace.core.models import Municipality
from digiplace.participation.models import Process


def process_ensure(
    *, municipality: Municipality, slug: str, title: dict[str, str], **fields: Any
) -> Process:
    """The demo process ``slug`` of the city, created once (marked as demo data).

    ``title`` gives the title per language ({"ro": ..., "en": ...}); other translatable
    fields may be passed the same way as dictionaries ("summary", "description").
    """
    existing = Process.objects.filter(municipality=municipality, slug=slug).first()
    if existing is not None:
        return existing
    values: dict[str, Any] = {"is_published": True, "is_demo": True}
    for name, value in {"title": title, **fields}.items():
        if isinstance(value, dict):
            values[name] = value.get("ro", "")
            for language, text in value.items():
                values[f"{name}_{language}"] = text
        else:
            values[name] = value
    return Process.objects.create(municipality=municipality, slug=slug, **values)
