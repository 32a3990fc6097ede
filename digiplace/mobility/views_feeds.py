"""The GTFS-realtime feeds of the request's city: protobuf for apps, ``?format=json`` for
people reading them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from google.protobuf import json_format
from google.transit import gtfs_realtime_pb2

from digiplace.core.http import request_municipality

from .realtime import feeds


def _feed(request: HttpRequest, kind: str) -> HttpResponse:
    municipality = request_municipality(request)
    data = feeds.feed_bytes(municipality, kind)
    if request.GET.get("format") == "json":
        message = gtfs_realtime_pb2.FeedMessage()
        message.ParseFromString(data)
        response = HttpResponse(
            json_format.MessageToJson(message, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
    else:
        response = HttpResponse(data, content_type="application/x-protobuf")
    response["Cache-Control"] = f"public, max-age={feeds.CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def vehicle_positions(request: HttpRequest) -> HttpResponse:
    return _feed(request, "vehicle_positions")


@require_GET
def trip_updates(request: HttpRequest) -> HttpResponse:
    return _feed(request, "trip_updates")


@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    return _feed(request, "alerts")
