"""The CKAN action API's one view: /api/3/action/<name>, GET with query parameters or POST
with a JSON body (nothing is written, so no CSRF token is asked for).

Every answer is CKAN's envelope: ``{"help": <help_show's address for the action>,
"success": true, "result": ...}``, or ``"success": false`` with CKAN's error object and
status (404 not found, 409 validation, 400 search query, 500 unexpected, logged); an unknown
action or a body that is not a JSON object is CKAN's 400 with a bare message.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.csrf import csrf_exempt

from digiplace.core.http import as_city_request
from digiplace.core.page_cache import never_page_cached
from digiplace.core.selectors import languages_available

from .ckan.actions import Call, action_get
from .ckan.errors import BadRequest, CkanError, NotFound, ValidationError

logger = logging.getLogger(__name__)
CONTENT_TYPE = "application/json;charset=utf-8"
METHODS = ("GET", "HEAD", "POST")


def _json(body: Any, status: int) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    # Public, read-only data: tools in browsers on other sites may read it.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _mixed(query: QueryDict) -> dict[str, Any]:
    """Parameters as CKAN reads them: one value as a string, a repeated one as a list."""
    return {name: values[0] if len(values) == 1 else values for name, values in query.lists()}


def _request_data(request: HttpRequest) -> dict[str, Any]:
    data = _mixed(request.GET)
    if request.method != "POST":
        return data
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = _mixed(request.POST)
        # CKAN's clients may send the JSON object as the form's only key, valued "" or "1".
        only = next(iter(form), "")
        if len(form) == 1 and only.lstrip().startswith("{") and form[only] in ("", "1"):
            body: Any = _decoded(only)
        else:
            body = form
    elif request.body:
        body = _decoded(request.body)
    else:
        body = {}
    if not isinstance(body, dict):
        raise BadRequest(
            _("JSON Error: the request's data must be a JSON object, not %(kind)s")
            % {"kind": type(body).__name__}
        )
    return {**data, **body}


def _decoded(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(_("JSON Error: %(error)s") % {"error": error}) from None


def _language(request: HttpRequest, data: dict[str, Any]) -> str | None:
    """``lang`` if given, else the first of Accept-Language's the city offers; None: the
    page's language (the visitor's cookie, else the city's default)."""
    available = languages_available(municipality=as_city_request(request).municipality)
    asked = data.get("lang")
    if asked not in (None, ""):
        code = asked.replace("_", "-").split("-")[0].lower() if isinstance(asked, str) else ""
        if code not in available:
            raise ValidationError(
                {
                    "lang": [
                        _("Not offered here; use one of: %(languages)s.")
                        % {"languages": ", ".join(available)}
                    ]
                }
            )
        return code
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for accepted, _quality in parse_accept_lang_header(header):
        if accepted == "*":
            return None
        accepted_code = str(accepted).split("-")[0].lower()
        if accepted_code in available:
            return accepted_code
    return None


def _answer(request: HttpRequest, name: str, help_url: str) -> HttpResponse:
    envelope: dict[str, Any] = {"help": help_url}
    try:
        action = action_get(name)
        if action is None:
            raise BadRequest(_("Action name not known: %(name)s") % {"name": name})
        data = _request_data(request)
        municipality = as_city_request(request).municipality
        if municipality is None:
            raise NotFound(_("this host serves no municipality"))
        language = _language(request, data)
        with translation.override(language or translation.get_language()):
            envelope["result"] = action(Call(request=request, municipality=municipality, data=data))
            envelope["success"] = True
            response = _json(envelope, 200)
        if language:
            response["Content-Language"] = language
        return response
    except BadRequest as refusal:
        return _json(refusal.message(), 400)
    except RequestDataTooBig:
        return _json(f"{_('Bad request')} - {_('The request body is too large.')}", 400)
    except CkanError as refusal:
        envelope["success"] = False
        envelope["error"] = refusal.error()
        return _json(envelope, refusal.status)
    except Exception:
        logger.exception("CKAN action %s failed", name)
        envelope["success"] = False
        envelope["error"] = {
            "__type": "Internal Server Error",
            "message": _("Internal Server Error"),
        }
        return _json(envelope, 500)


@never_page_cached  # the answer's language may follow Accept-Language, not in the page key
@csrf_exempt  # read only: no cookie gives a POST any power here
def action(request: HttpRequest, name: str) -> HttpResponse:
    if request.method not in METHODS:
        response = HttpResponse(status=405)
        response["Allow"] = ", ".join(METHODS)
        return response
    help_url = request.build_absolute_uri(
        reverse("opendata_ckan:action", kwargs={"name": "help_show"})
        + "?"
        + urlencode({"name": name})
    )
    return _answer(request, name, help_url)
