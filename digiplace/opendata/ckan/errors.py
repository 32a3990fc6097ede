"""The refusals of the CKAN action API, each with the status and error object CKAN gives it
(``ckan/views/api.py``): what a harvester written for CKAN already knows how to read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _


class CkanError(Exception):
    """A refusal: ``error`` is the envelope's ``error`` object, sent with ``status``."""

    status = 400

    def error(self) -> dict[str, Any]:
        raise NotImplementedError


class NotFound(CkanError):
    """404: what was asked for is not published here (CKAN's message, with the detail
    appended after a colon when there is one)."""

    status = 404

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail

    def error(self) -> dict[str, Any]:
        message = _("Not found")
        if self.detail:
            message = f"{message}: {self.detail}"
        return {"__type": "Not Found Error", "message": message}


class ValidationError(CkanError):
    """409: parameters that cannot be used, as {field: [messages]}."""

    status = 409

    def __init__(self, fields: Mapping[str, Sequence[str]]) -> None:
        super().__init__(dict(fields))
        self.fields = {name: list(messages) for name, messages in fields.items()}

    def error(self) -> dict[str, Any]:
        return {**self.fields, "__type": "Validation Error"}


class SearchQueryError(CkanError):
    """400: a ``q`` or ``fq`` the search cannot read (CKAN passes on Solr's refusal)."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def error(self) -> dict[str, Any]:
        return {
            "__type": "Search Query Error",
            "message": _("Search Query is invalid: %(detail)s") % {"detail": self.detail},
        }


class BadRequest(Exception):
    """400 with a bare JSON string for a body, as CKAN answers an unknown action or a body
    that is not a JSON object (no envelope: CKAN gives none there)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def message(self) -> str:
        return f"{_('Bad request')} - {self.detail}"
