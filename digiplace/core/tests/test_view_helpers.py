"""The shared view helpers: the request's municipality, person and membership as core's
middleware and checks leave them, and a service's errors shown on a form or as messages."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.test import RequestFactory

from digiplace.core.middleware import MunicipalityMiddleware
from digiplace.core.models import Municipality, StaffMembership, User
from digiplace.core.permissions import staff_required
from digiplace.core.views.helpers import (
    as_city_request,
    error_messages_add,
    form_errors_add,
    request_actor,
    request_membership,
    request_municipality,
    request_user,
)


def _through_middleware(host: str) -> HttpRequest:
    request = RequestFactory().get("/", HTTP_HOST=host)
    MunicipalityMiddleware(lambda request: None)(request)  # type: ignore[arg-type,return-value]
    return request


@pytest.mark.django_db
def test_a_city_host_gives_its_municipality(botosani: Municipality) -> None:
    request = _through_middleware("botosani.localhost")

    assert request_municipality(request) == botosani
    assert as_city_request(request).is_platform_host is False


@pytest.mark.django_db
def test_the_platform_host_has_no_municipality_and_answers_404(settings: Any) -> None:
    settings.PLATFORM_HOSTS = ["platform.localhost"]
    request = _through_middleware("platform.localhost")

    assert as_city_request(request).municipality is None
    assert as_city_request(request).is_platform_host is True
    with pytest.raises(Http404):
        request_municipality(request)


@pytest.mark.django_db
def test_the_person_is_none_for_visitors_and_required_for_actions(resident: User) -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    assert request_user(request) is None
    with pytest.raises(PermissionDenied):
        request_actor(request)

    request.user = resident
    assert request_user(request) == resident
    assert request_actor(request) == resident


@pytest.mark.django_db
def test_staff_required_leaves_the_membership_on_the_request(
    botosani_staff: StaffMembership,
) -> None:
    seen: list[StaffMembership] = []

    @staff_required()
    def view(request: HttpRequest) -> Any:
        seen.append(request_membership(request))
        return "ok"

    request = _through_middleware("botosani.localhost")
    request.user = botosani_staff.user

    assert view(request) == "ok"
    assert seen == [botosani_staff]


class _NameForm(forms.Form):
    name = forms.CharField()


def test_service_errors_go_to_their_field_or_above_the_form() -> None:
    form = _NameForm({"name": "x"})
    assert form.is_valid()

    form_errors_add(
        form,
        ValidationError(
            {"name": ["Taken."], "colour": ["Unknown field."], NON_FIELD_ERRORS: ["Closed."]}
        ),
    )
    form_errors_add(form, ValidationError("Plain."))

    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Unknown field.", "Closed.", "Plain."]


def test_service_errors_without_a_form_become_messages() -> None:
    request = RequestFactory().post("/")
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]

    error_messages_add(request, ValidationError({"name": ["Taken."], "x": ["Other."]}))

    assert [str(message) for message in get_messages(request)] == ["Taken.", "Other."]
