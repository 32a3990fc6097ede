"""``POST /mobility/api/taps``: validators send their taps, authenticated by their device
key (``Authorization: Bearer KEY``, urban data's keys). JSON in, JSON out; errors are
ProblemDetails (RFC 7807) as urban data's API writes them, with ``errors`` listing each
refused tap (its index in the batch, a reason code, a message). A batch is all or nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from digiplace.core.http import as_city_request
from digiplace.core.page_cache import never_page_cached
from digiplace.urbandata.errors import NgsiError
from digiplace.urbandata.ngsi.http import (
    JSON,
    call_for,
    json_body,
    json_response,
    problem_response,
)

from .services.ridership import TapsRefused, reject_record, taps_ingest


@never_page_cached
@csrf_exempt  # validators authenticate with keys, not cookies
def taps_api(request: HttpRequest) -> HttpResponse:
    municipality = as_city_request(request).municipality
    try:
        if request.method != "POST":
            response = problem_response(
                NgsiError(
                    "OperationNotSupported",
                    _("Method %(method)s is not offered here.") % {"method": request.method},
                    title=_("Method Not Allowed"),
                    status=405,
                )
            )
            response["Allow"] = "POST"
            return response
        try:
            call = call_for(request, offered=(JSON,))
            key = call.require_key()
        except NgsiError as error:
            if municipality is not None and error.status == 401:
                # An unregistered validator, or one with a wrong key: counted for staff.
                reject_record(
                    municipality=municipality,
                    validator_ref="",
                    reason="unauthorized",
                    message=error.detail,
                )
            raise
        payload, _media_type = json_body(request, accepted=(JSON,))
    except NgsiError as error:
        return problem_response(error)
    assert municipality is not None
    try:
        result = taps_ingest(municipality=municipality, key=key, payload=payload)
    except TapsRefused as refused:
        problem = NgsiError("BadRequestData", refused.message, status=refused.status).problem()
        problem["errors"] = refused.errors
        return json_response(problem, status=refused.status)
    return json_response(
        {"accepted": result.accepted, "duplicates": result.duplicates},
        status=201 if result.accepted else 200,
    )
