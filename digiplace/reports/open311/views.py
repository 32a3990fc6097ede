"""Open311 GeoReport v2 endpoints; the format is the URL's suffix (``.json`` or ``.xml``).

Every refusal answers the specification's error list in the requested format (JSON when
the format itself is unknown): 404 for what does not exist, 403 for a missing or bad
api_key, 405 for a method not offered, 413 for a body too large, 429 when a rate limit is
reached, 500 (logged) for an unexpected failure, 400 for anything else.
"""

from __future__ import annotations

import datetime
import functools
import logging
import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    ValidationError,
)
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

from digiplace.core import selectors as core_selectors
from digiplace.core.http import as_city_request, client_address

from .. import services
from ..models import Category, CategoryAttribute
from . import queries
from .parameters import (
    Open311Error,
    attribute_answers,
    bad_request,
    forbidden,
    location,
    messages_by_field,
    not_found,
    parse_service_request_id,
    path_text,
    request_filters,
    text,
)
from .rendering import CONTENT_TYPES, FORMATS, JSON, XML, render, render_errors, w3c_datetime

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this implementation of the API last changed (service discovery's changeset).
CHANGESET = "2025-06-01T00:00:00+00:00"

View = Callable[..., HttpResponse]
logger = logging.getLogger(__name__)
# The model's column sizes, checked here so that PostgreSQL never refuses a value.
MAX_EMAIL_LENGTH = 254
# Each name part, so that "first last" fits the 150-character name column.
MAX_NAME_PART_LENGTH = 74


def _host_not_served_message() -> str:
    return _("This host serves no jurisdiction: use the host name of a municipality.")


def _arguments(request: HttpRequest) -> QueryDict:
    """POST arguments come form-encoded in the body; a client may still put some in the URL."""
    if request.method == "POST":
        merged = request.GET.copy()
        for name, values in request.POST.lists():
            merged.setlist(name, values)
        return merged
    return request.GET


def _activate_locale(request: HttpRequest, municipality: Municipality) -> str | None:
    """The ``locale`` extension: the language of names and descriptions (ro, en, en-GB…)."""
    requested = text(_arguments(request), "locale")
    if not requested:
        return None
    language = requested.replace("_", "-").split("-")[0].lower()
    available = core_selectors.languages_available(municipality=municipality)
    if language not in available:
        raise bad_request(
            _("locale %(locale)s is not offered; use one of: %(languages)s.")
            % {"locale": requested, "languages": ", ".join(available)}
        )
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def endpoint(*methods: str) -> Callable[[View], View]:
    """Checks what every endpoint shares (format, jurisdiction, method, locale) and turns
    ``Open311Error`` into the error list."""

    def decorate(view: View) -> View:
        @csrf_exempt  # Open311 clients authenticate with api_key, not cookies.
        @sensitive_post_parameters("api_key")  # left out of Django's error reports
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, format: str, **kwargs: Any) -> HttpResponse:
            if format not in FORMATS:
                return render_errors(
                    [_("Unknown format %(format)s: use json or xml.") % {"format": format}],
                    status=404,
                )
            try:
                municipality = _municipality(request)
                if request.method not in methods:
                    response = render_errors(
                        [_("Method %(method)s is not allowed here.") % {"method": request.method}],
                        status=405,
                        format=format,
                    )
                    response["Allow"] = ", ".join(methods)
                    return response
                language = _activate_locale(request, municipality)
                response = view(request, *args, municipality=municipality, format=format, **kwargs)
                if language:
                    response["Content-Language"] = language
                return response
            except Open311Error as error:
                response = render_errors(error.descriptions, status=error.status, format=format)
                for name, value in error.headers.items():
                    response[name] = value
                return response
            except RequestDataTooBig:
                return render_errors(
                    [_("The request body is too large.")], status=413, format=format
                )
            except TooManyFieldsSent:
                return render_errors(
                    [_("The request has too many arguments.")], status=400, format=format
                )
            except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
                return render_errors(
                    [_("The request could not be read.")], status=400, format=format
                )
            except Exception:
                logger.exception("Open311 %s %s failed", request.method, request.path)
                return render_errors(
                    [_("Something went wrong on our side; please try again later.")],
                    status=500,
                    format=format,
                )

        return wrapper

    return decorate


def _municipality(request: HttpRequest) -> Municipality:
    # Not core's request_municipality: Open311 answers a 404 in its own error list.
    municipality = as_city_request(request).municipality
    if municipality is None:
        raise not_found(_host_not_served_message())
    jurisdiction_id = text(_arguments(request), "jurisdiction_id")
    if jurisdiction_id and not queries.jurisdiction_matches(
        municipality=municipality, jurisdiction_id=jurisdiction_id
    ):
        raise not_found(
            _("jurisdiction_id %(jurisdiction)s was not found at this address.")
            % {"jurisdiction": jurisdiction_id}
        )
    return municipality


# Documents


def _service_document(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.service_code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(getattr(category, "has_attributes", False)),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group,
    }


def _attribute_document(attribute: CategoryAttribute, position: int) -> dict[str, Any]:
    document: dict[str, Any] = {
        "variable": True,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        # The specification wants positive, distinct orders; ours may start at 0.
        "order": position,
        "description": attribute.description,
    }
    if attribute.datatype in ("singlevaluelist", "multivaluelist"):
        document["values"] = [
            {"key": str(value.get("key", "")), "name": str(value.get("name", ""))}
            for value in attribute.values or []
            if isinstance(value, dict)
        ]
    return document


def _media_url(request: HttpRequest, report: SimpleNamespace) -> str | None:
    name = getattr(report, "media_name", None)
    return request.build_absolute_uri(default_storage.url(name)) if name else None


def _request_document(
    request: HttpRequest, report: SimpleNamespace, zone: datetime.tzinfo | None = None
) -> dict[str, Any]:
    """A service request as the specification lists it; never the reporter's identity."""
    status = queries.request_status(report)
    updated = report.closed_at if status == "closed" and report.closed_at else report.updated_at
    return {
        "service_request_id": report.pk,
        "status": status,
        "status_notes": getattr(report, "status_notes", None) or None,
        "service_name": report.category.name,
        "service_code": report.category.service_code,
        "description": report.description,
        "agency_responsible": report.department.name if report.department else None,
        "service_notice": None,
        "requested_datetime": w3c_datetime(report.created_at, zone),
        "updated_datetime": w3c_datetime(updated, zone),
        "expected_datetime": w3c_datetime(report.expected_at, zone),
        "address": report.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": report.latitude,
        "long": report.longitude,
        "media_url": _media_url(request, report),
    }


def _service_notice(category: Category) -> str:
    return _("The city aims to deal with reports of this kind within %(days)s days.") % {
        "days": category.sla_days
    }


# Endpoints


@endpoint("GET")
def discovery(request: HttpRequest, *, municipality: Municipality, format: str) -> HttpResponse:
    base_url = request.build_absolute_uri(
        reverse("open311:services", kwargs={"format": format}).rsplit("/", 1)[0]
    )
    contact = ", ".join(
        part
        for part in (
            municipality.name,
            municipality.contact_email,
            municipality.contact_phone,
        )
        if part
    )
    document = {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": _(
            "API keys for POST requests are issued by the platform's administrators; "
            "ask at %(contact)s."
        )
        % {"contact": municipality.contact_email or municipality.name},
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": CHANGESET,
                "type": "test" if settings.DEBUG else "production",
                "formats": [CONTENT_TYPES[XML].split(";")[0], CONTENT_TYPES[JSON].split(";")[0]],
            }
        ],
    }
    return render(document, format=format, root="discovery")


@endpoint("GET")
def service_list(request: HttpRequest, *, municipality: Municipality, format: str) -> HttpResponse:
    categories = queries.service_list(municipality=municipality)
    return render(
        [_service_document(category) for category in categories], format=format, root="services"
    )


@endpoint("GET")
def service_definition(
    request: HttpRequest, *, municipality: Municipality, format: str, service_code: str
) -> HttpResponse:
    service_code = path_text(service_code, name="service_code")
    category = queries.service_get(municipality=municipality, service_code=service_code)
    if category is None:
        raise not_found(
            _("service_code %(service_code)s was not found.") % {"service_code": service_code}
        )
    attributes = sorted(category.attributes.all(), key=lambda item: (item.order, item.code))
    document = {
        "service_code": category.service_code,
        "attributes": [
            _attribute_document(attribute, position)
            for position, attribute in enumerate(attributes, start=1)
        ],
    }
    return render(document, format=format, root="service_definition")


@endpoint("GET", "POST")
def requests(request: HttpRequest, *, municipality: Municipality, format: str) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, municipality=municipality, format=format)
    reports = queries.request_list(municipality=municipality, filters=request_filters(request.GET))
    zone = timezone.get_current_timezone()
    return render(
        [_request_document(request, report, zone) for report in reports],
        format=format,
        root="service_requests",
    )


def _request_create(
    request: HttpRequest, *, municipality: Municipality, format: str
) -> HttpResponse:
    arguments = _arguments(request)
    # The specification sends api_key in the body; in the URL it would end up in logs.
    if "api_key" in request.GET:
        raise bad_request(_("Send api_key in the request body, not in the URL."))
    key = text(request.POST, "api_key", max_length=200)
    if not key:
        raise forbidden(_("api_key was not provided: POST requests needs an API key."))
    api_key = queries.api_key_get_active(municipality=municipality, key=key)
    if api_key is None:
        raise forbidden(_("Invalid api_key received: can't proceed with create_request."))

    service_code = text(arguments, "service_code")
    if not service_code:
        raise bad_request(_("service_code was not provided."))
    category = queries.service_get(municipality=municipality, service_code=service_code)
    if category is None:
        raise not_found(
            _("service_code %(service_code)s was not found.") % {"service_code": service_code}
        )

    # The specification asks for lat and long, or address_string, or address_id. An
    # address_string alone is kept as written, for staff to place (no geocoding here);
    # there is no register of address ids.
    point = location(arguments)
    if point is None and not text(arguments, "address_string"):
        raise bad_request(
            _("A location is required: send lat and long, or address_string.")
            if not text(arguments, "address_id")
            else _("address_id is not known here: send lat and long, or address_string.")
        )

    answers = attribute_answers(
        arguments,
        datatypes={attribute.code: attribute.datatype for attribute in category.attributes.all()},
    )
    full_name = " ".join(
        part
        for part in (
            text(arguments, "first_name", max_length=MAX_NAME_PART_LENGTH),
            text(arguments, "last_name", max_length=MAX_NAME_PART_LENGTH),
        )
        if part
    )
    try:
        report = services.report_create(
            municipality=municipality,
            category=category,
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
            description=text(arguments, "description"),
            address=text(arguments, "address_string"),
            attributes=answers,
            reporter_name=full_name,
            reporter_email=text(arguments, "email", max_length=MAX_EMAIL_LENGTH),
            reporter_phone=text(arguments, "phone"),
            is_anonymous=True,
            api_key=api_key,
            device_id=text(arguments, "device_id"),
            source_address=client_address(request),
            locale=translation.get_language() or "",
        )
    except ValidationError as error:
        if _is_rate_limited(error):
            retry_after = str(int(services.RATE_LIMIT_WINDOW.total_seconds()))
            raise Open311Error(429, *error.messages, headers={"Retry-After": retry_after}) from None
        descriptions = (
            messages_by_field(error.message_dict)
            if hasattr(error, "error_dict")
            else error.messages
        )
        raise bad_request(*descriptions) from None
    # media_url is not fetched nor stored: photos come only as uploads through the web form.
    document = [
        {
            "service_request_id": report.pk,
            "service_notice": _service_notice(category),
            "account_id": None,
        }
    ]
    return render(document, format=format, root="service_requests")


def _is_rate_limited(error: ValidationError) -> bool:
    if not hasattr(error, "error_dict"):
        return getattr(error, "code", None) == "rate_limited"
    return any(item.code == "rate_limited" for item in error.error_dict.get(NON_FIELD_ERRORS, []))


@endpoint("GET")
def token(
    request: HttpRequest, *, municipality: Municipality, format: str, token: str
) -> HttpResponse:
    token = path_text(token, name="token")
    try:
        parsed = uuid.UUID(token)
    except ValueError:
        parsed = None
    report = (
        queries.request_get_by_token(municipality=municipality, token=parsed) if parsed else None
    )
    if report is None:
        raise not_found(_("token %(token)s was not found.") % {"token": token})
    document = [{"service_request_id": report.pk, "token": str(report.token)}]
    return render(document, format=format, root="service_requests")


@endpoint("GET")
def request_detail(
    request: HttpRequest, *, municipality: Municipality, format: str, service_request_id: str
) -> HttpResponse:
    number = parse_service_request_id(service_request_id)
    report = (
        queries.request_get(municipality=municipality, service_request_id=number)
        if number is not None
        else None
    )
    if report is None:
        raise not_found(_("service_request_id %(id)s was not found.") % {"id": service_request_id})
    return render([_request_document(request, report)], format=format, root="service_requests")


def request_too_large(request: HttpRequest, limit: int) -> HttpResponse:
    """413 in the error list for a body declared over the platform's limit (refused by
    core.uploads before it is read)."""
    format = XML if request.path.endswith(".xml") else JSON
    return render_errors(
        [_("The request body is too large: the limit is %(limit)s bytes.") % {"limit": limit}],
        status=413,
        format=format,
    )


def host_not_served(request: HttpRequest) -> HttpResponse:
    """404 in the error list for a host outside ALLOWED_HOSTS (core's DisallowedHostMiddleware
    answers it before the host is read anywhere else)."""
    format = XML if request.path.endswith(".xml") else JSON
    return render_errors([_host_not_served_message()], status=404, format=format)


@csrf_exempt
def unknown(request: HttpRequest, path: str) -> HttpResponse:
    """Anything else under the API answers a 404 in the specification's error format."""
    format = XML if path.endswith(".xml") else JSON
    return render_errors(
        [_("There is no Open311 resource at this address.")], status=404, format=format
    )
