"""Small helpers every module's back-office views share.

The request's municipality, acting person and membership are read with
``digiplace.core.http`` (``request_municipality``, ``request_actor``, ``request_user``,
``request_membership``); they are re-exported here so views import one place.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest

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
