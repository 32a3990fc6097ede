"""Limits on what a request may upload, enforced before the body is read or stored.

- ``RequestSizeLimitMiddleware`` refuses a request whose declared ``Content-Length`` is over
  ``settings.MAX_REQUEST_BYTES`` with 413, without reading its body. A module with its own
  error format (Open311) registers it for its paths (``http.error_format_register``);
  /api/ answers DRF's ``{"detail": ...}``.
- ``upload_limit(max_bytes)`` makes a view stop storing any uploaded file once it passes
  ``max_bytes`` while it streams in; the view reads the names of the files it skipped with
  ``uploads_skipped(request)`` and tells the person.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .http import error_format_for

REQUEST_TOO_LARGE_STATUS = 413
API_PREFIX = "/api/"

View = Callable[..., HttpResponse]


def request_too_large_message(limit: int) -> str:
    return _(
        "What you sent is too large: the limit is %(limit)s for one request. "
        "Send fewer or smaller files."
    ) % {"limit": filesizeformat(limit)}


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body at all then


class RequestSizeLimitMiddleware:
    """413 for a request that declares a body over ``settings.MAX_REQUEST_BYTES``.

    Placed after the language middleware (the page's language is known) and before any
    middleware or view reads ``request.POST`` or ``request.body``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit: int = settings.MAX_REQUEST_BYTES
        if _declared_length(request) <= limit:
            return self.get_response(request)
        error_format = error_format_for(request)
        if error_format is not None:
            return error_format.request_too_large(request, limit)
        if request.path.startswith(API_PREFIX):
            return JsonResponse(
                {"detail": request_too_large_message(limit)}, status=REQUEST_TOO_LARGE_STATUS
            )
        return render(
            request,
            "core/request_too_large.html",
            {"message": request_too_large_message(limit)},
            status=REQUEST_TOO_LARGE_STATUS,
        )


_SKIPPED_ATTRIBUTE = "_digiplace_uploads_skipped"


def uploads_skipped(request: HttpRequest) -> list[str]:
    """The names of the uploaded files ``upload_limit`` skipped as too large."""
    skipped: list[str] = request.__dict__.setdefault(_SKIPPED_ATTRIBUTE, [])
    return skipped


class FileSizeLimitUploadHandler(FileUploadHandler):
    """First in the chain: passes each chunk on until its file passes ``max_bytes``, then
    skips the rest of that file (the handlers after it drop what they had) and notes its
    name in ``uploads_skipped(request)``."""

    def __init__(self, request: HttpRequest, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            assert self.request is not None
            uploads_skipped(self.request).append(str(self.file_name or ""))
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler stores the file


def upload_limit(max_bytes: int) -> Callable[[View], View]:
    """Decorate a view so that no uploaded file over ``max_bytes`` is stored, even in part
    beyond that size. CSRF protection stays: the handler has to be installed before the
    CSRF check reads ``request.POST``, so the check runs inside, after it."""

    def decorator(view: View) -> View:
        protected = csrf_protect(view)

        @functools.wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            handlers = list(request.upload_handlers)  # raises once the body was parsed
            handlers.insert(0, FileSizeLimitUploadHandler(request, max_bytes=max_bytes))
            request.upload_handlers = handlers
            return protected(request, *args, **kwargs)

        return csrf_exempt(limited)

    return decorator
