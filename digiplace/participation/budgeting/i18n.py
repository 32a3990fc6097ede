"""Translation for the budgeting engine, which must also run without Django's settings.

The engine is plain Python (the benchmark and other tools use it without a Django project);
inside DigiPlace its messages are translated like every other string.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def gettext(message: str) -> str:
    """The message in the active language, or as written when Django is not configured."""
    if not settings.configured:
        return message
    return translation.gettext(message)
