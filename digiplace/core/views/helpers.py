"""Small helpers every module's back-office views share.

The request's municipality, acting person and membership are read with
``digiplace.core.http`` (``request_municipality``, ``request_actor``, ``request_user``,
``request_membership``); they are re-exported here so views import one place.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from ..http import (
    CityRequest,
    as_city_request,
    request_actor,
    request_membership,
    request_municipality,
    request_user,
)

__all__ = [
    "CityRequest",
    "as_city_request",
    "error_messages_add",
    "form_errors_add",
    "record_page",
    "request_actor",
    "request_membership",
    "request_municipality",
    "request_user",
]


def form_errors_add(form: BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where the form has it (the
    rest above the form), so the person sees it next to what they typed."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def error_messages_add(request: HttpRequest, error: ValidationError) -> None:
    """Show a service's ValidationError as messages at the top of the next page, for
    actions that have no form to show it on (a delete button, a deactivation)."""
    for message in error.messages:
        messages.error(request, message)


def record_page(
    lookup: Callable[[HttpRequest, int], Any], *methods: str
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view of one record: ``lookup`` finds it in the request's city first (404 for
    another city's, whatever the method, so a refusal never hints that the id exists), then
    the method is checked; the view receives the record instead of its id."""
    allowed = list(methods) + (["HEAD"] if "GET" in methods else [])

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, pk: int) -> HttpResponse:
            record = lookup(request, pk)
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            return view(request, record)

        return wrapped

    return decorator
