"""NGSI-LD's errors (ETSI GS CIM 009, clause 5.5.2 and annex), raised by urban data's
services and rendered by its APIs as ProblemDetails (RFC 7807)."""

from __future__ import annotations

from typing import Any

ERROR_BASE = "https://uri.etsi.org/ngsi-ld/errors/"

# Error type → HTTP status, as the standard's table gives them.
STATUS = {
    "InvalidRequest": 400,
    "BadRequestData": 400,
    "AlreadyExists": 409,
    "OperationNotSupported": 422,
    "ResourceNotFound": 404,
    "InternalError": 500,
    "TooComplexQuery": 403,
    "TooManyResults": 403,
    "LdContextNotAvailable": 503,
    "NoMultiTenantSupport": 501,
    "NonexistentTenant": 404,
    "Unauthorized": 401,
    "Forbidden": 403,
}

# Not errors of the standard (it leaves security to the deployment): the platform's own.
PLATFORM_ERROR_BASE = "https://digiplace.eu/problems/"
_PLATFORM_TYPES = {"Unauthorized", "Forbidden"}


class NgsiError(Exception):
    """An error of the standard's list: ``kind`` is its name (``BadRequestData``...)."""

    def __init__(self, kind: str, detail: str, *, title: str = "", status: int = 0) -> None:
        if kind not in STATUS:
            raise ValueError(f"unknown NGSI-LD error type {kind!r}")
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.title = title or kind
        self.status = status or STATUS[kind]

    @property
    def type_uri(self) -> str:
        base = PLATFORM_ERROR_BASE if self.kind in _PLATFORM_TYPES else ERROR_BASE
        return base + self.kind

    def problem(self) -> dict[str, Any]:
        return {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
