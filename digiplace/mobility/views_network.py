"""The network's pages: the public static GTFS zip and the open-data page for app makers,
and staff's back office (GTFS upload with a preview, stops on a map, routes, a route's
timetable, calendars)."""

from __future__ import annotations

import hashlib
import io
import secrets
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digiplace.core.http import request_actor, request_municipality
from digiplace.core.permissions import staff_required
from digiplace.core.views.helpers import form_errors_add, record_page

from .apps import MODULE
from .forms_network import (
    GtfsUploadForm,
    RouteForm,
    ServiceForm,
    StopForm,
    TripCopyForm,
    TripTimesForm,
)
from .gtfs.export import export_feed
from .models import Route, Service, Stop, Trip
from .selectors import network as selectors
from .services import network_edit
from .services.network import network_check, network_import, network_version

TEMPLATES = "mobility/network/"
# An uploaded feed waits this long for the import after its preview.
UPLOAD_SECONDS = 30 * 60
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


# --- Public -------------------------------------------------------------------------------


@require_GET
def gtfs_zip(request: HttpRequest) -> HttpResponse:
    """The city's static GTFS; built once per network version (and at most every ten
    minutes), with an ETag so that apps polling it download it only when it changed."""
    municipality = request_municipality(request)
    key = f"mobility:gtfs-zip:{municipality.pk}:{network_version(municipality)}"
    cached = cache.get(key)
    if cached is None:
        data = export_feed(municipality, publisher_url=request.build_absolute_uri("/"))
        cached = (f'"{hashlib.sha256(data).hexdigest()[:32]}"', data)
        cache.set(key, cached, 600)
    etag, data = cached
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{municipality.slug}-gtfs.zip"'
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    return render(
        request,
        TEMPLATES + "open_data.html",
        {
            "summary": selectors.network_summary(municipality=municipality),
            "base": request.build_absolute_uri("/").rstrip("/"),
            "realtime_paths": (
                ("/gtfs-rt/vehicle-positions.pb", _("Vehicle positions")),
                ("/gtfs-rt/trip-updates.pb", _("Trip updates (predicted arrivals)")),
                ("/gtfs-rt/alerts.pb", _("Service alerts")),
            ),
        },
    )


# --- Staff: lookups ------------------------------------------------------------------------


def _stop(request: HttpRequest, pk: int) -> Stop:
    stop = selectors.stop_get(municipality=request_municipality(request), pk=pk)
    if stop is None:
        raise Http404
    return stop


def _route(request: HttpRequest, pk: int) -> Route:
    route = selectors.route_get(municipality=request_municipality(request), pk=pk)
    if route is None:
        raise Http404
    return route


def _trip(request: HttpRequest, pk: int) -> Trip:
    trip = selectors.trip_get(municipality=request_municipality(request), pk=pk)
    if trip is None:
        raise Http404
    return trip


def _service(request: HttpRequest, pk: int) -> Service:
    service = selectors.service_get(municipality=request_municipality(request), pk=pk)
    if service is None:
        raise Http404
    return service


def _context(nav: str, **context: Any) -> dict[str, Any]:
    return {"nav": nav, **context}


# --- Staff: index and import ---------------------------------------------------------------


@staff_required(MODULE)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    return render(
        request,
        TEMPLATES + "index.html",
        _context(
            "index",
            summary=selectors.network_summary(municipality=municipality),
            imports=selectors.network_imports(municipality=municipality)[:10],
            form=GtfsUploadForm(),
        ),
    )


def _upload_key(request: HttpRequest, token: str) -> str:
    municipality = request_municipality(request)
    return f"mobility:gtfs-upload:{municipality.pk}:{request_actor(request).pk}:{token}"


@staff_required(MODULE)
@require_POST
def import_check(request: HttpRequest) -> HttpResponse:
    """Check an uploaded feed and show its report; keep it for the import that follows."""
    form = GtfsUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, TEMPLATES + "import.html", _context("index", form=form), status=400)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD_BYTES:
        form.add_error("file", _("The file is larger than 50 MB."))
        return render(request, TEMPLATES + "import.html", _context("index", form=form), status=400)
    data = upload.read()
    report = network_check(io.BytesIO(data))
    token = ""
    if report.ok:
        token = secrets.token_urlsafe(16)
        cache.set(_upload_key(request, token), (upload.name, data), UPLOAD_SECONDS)
    return render(
        request,
        TEMPLATES + "import.html",
        _context("index", form=form, report=report, token=token, file_name=upload.name),
        status=200 if report.ok else 400,
    )


@staff_required(MODULE)
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    stored = cache.get(_upload_key(request, token)) if token else None
    if stored is None:
        messages.error(request, _("The checked feed has expired: upload it again."))
        return redirect("mobility_backoffice:network")
    file_name, data = stored
    record = network_import(
        request_municipality(request),
        io.BytesIO(data),
        actor=request_actor(request),
        file_name=file_name,
    )
    cache.delete(_upload_key(request, token))
    if record.succeeded:
        messages.success(request, _("The feed is imported: it is now the city's network."))
    else:
        messages.error(request, _("The feed was refused; nothing was changed."))
    return redirect("mobility_backoffice:network")


# --- Staff: stops ---------------------------------------------------------------------------


def _stop_features(stops: list[Stop]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [stop.longitude, stop.latitude]},
                "properties": {"title": str(stop), "description": stop.code},
            }
            for stop in stops
            if stop.latitude is not None and stop.longitude is not None
        ],
    }


@staff_required(MODULE)
@require_GET
def stop_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    stops = list(selectors.stop_list(municipality=municipality))
    return render(
        request,
        TEMPLATES + "stop_list.html",
        _context("stops", stops=stops, features=_stop_features(stops), city=municipality),
    )


def _stop_form_page(
    request: HttpRequest, form: StopForm, stop: Stop | None, status: int = 200
) -> HttpResponse:
    municipality = request_municipality(request)
    return render(
        request,
        TEMPLATES + "stop_form.html",
        _context(
            "stops",
            form=form,
            stop=stop,
            city=municipality,
            features=_stop_features([stop] if stop else []),
        ),
        status=status,
    )


@staff_required(MODULE)
@require_http_methods(["GET", "HEAD", "POST"])
def stop_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _stop_form_page(request, StopForm(), None)
    form = StopForm(request.POST)
    if form.is_valid():
        try:
            stop = network_edit.stop_create(
                municipality=request_municipality(request),
                actor=request_actor(request),
                fields=form.stop_fields(),
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("The stop is saved."))
            return redirect("mobility_backoffice:network_stop_edit", pk=stop.pk)
    return _stop_form_page(request, form, None, status=400)


@staff_required(MODULE)
@record_page(_stop, "GET", "POST")
def stop_edit(request: HttpRequest, stop: Stop) -> HttpResponse:
    if request.method != "POST":
        return _stop_form_page(request, StopForm(instance=stop), stop)
    form = StopForm(request.POST, instance=Stop.objects.get(pk=stop.pk))
    if form.is_valid():
        try:
            network_edit.stop_update(
                stop=stop, actor=request_actor(request), fields=form.stop_fields()
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("The stop is saved."))
            return redirect("mobility_backoffice:network_stop_edit", pk=stop.pk)
    return _stop_form_page(request, form, stop, status=400)


# --- Staff: routes and timetables -----------------------------------------------------------


@staff_required(MODULE)
@require_GET
def route_list(request: HttpRequest) -> HttpResponse:
    routes = selectors.route_list(municipality=request_municipality(request))
    return render(request, TEMPLATES + "route_list.html", _context("routes", routes=routes))


@staff_required(MODULE)
@record_page(_route, "GET", "POST")
def route_edit(request: HttpRequest, route: Route) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = RouteForm(request.POST, instance=Route.objects.get(pk=route.pk))
        if form.is_valid():
            network_edit.route_update(
                route=route, actor=request_actor(request), fields=form.route_fields()
            )
            messages.success(request, _("The line is saved."))
            return redirect("mobility_backoffice:network_route_edit", pk=route.pk)
        status = 400
    else:
        form = RouteForm(instance=route)
    return render(
        request,
        TEMPLATES + "route_form.html",
        _context("routes", form=form, route=route),
        status=status,
    )


@staff_required(MODULE)
@record_page(_route, "GET")
def route_timetable(request: HttpRequest, route: Route) -> HttpResponse:
    trips = list(selectors.route_trips(route=route))
    return render(
        request,
        TEMPLATES + "timetable.html",
        _context("routes", route=route, trips=trips, copy_form=TripCopyForm()),
    )


@staff_required(MODULE)
@record_page(_trip, "GET", "POST")
def trip_edit(request: HttpRequest, trip: Trip) -> HttpResponse:
    stop_times = list(selectors.trip_stop_times(trip=trip))
    status = 200
    if request.method == "POST":
        form = TripTimesForm(request.POST, stop_times=stop_times)
        if form.is_valid():
            try:
                network_edit.trip_times_update(
                    trip=trip, actor=request_actor(request), times=form.times()
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The times are saved."))
                return redirect("mobility_backoffice:network_route_timetable", pk=trip.route_id)
        status = 400
    else:
        form = TripTimesForm(stop_times=stop_times)
    return render(
        request,
        TEMPLATES + "trip_form.html",
        _context("routes", form=form, trip=trip, copy_form=TripCopyForm()),
        status=status,
    )


@staff_required(MODULE)
@record_page(_trip, "POST")
def trip_copy(request: HttpRequest, trip: Trip) -> HttpResponse:
    form = TripCopyForm(request.POST)
    if form.is_valid():
        try:
            copy = network_edit.trip_copy(
                trip=trip,
                actor=request_actor(request),
                offset_minutes=form.cleaned_data["offset_minutes"],
                gtfs_id=form.cleaned_data["gtfs_id"].strip(),
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("The trip %(trip)s is added.") % {"trip": copy.gtfs_id})
            return redirect("mobility_backoffice:network_route_timetable", pk=trip.route_id)
    stop_times = list(selectors.trip_stop_times(trip=trip))
    return render(
        request,
        TEMPLATES + "trip_form.html",
        _context(
            "routes",
            form=TripTimesForm(stop_times=stop_times),
            trip=trip,
            copy_form=form,
        ),
        status=400,
    )


@staff_required(MODULE)
@record_page(_trip, "POST")
def trip_delete(request: HttpRequest, trip: Trip) -> HttpResponse:
    route_id = trip.route_id
    network_edit.trip_delete(trip=trip, actor=request_actor(request))
    messages.success(request, _("The trip %(trip)s is deleted.") % {"trip": trip.gtfs_id})
    return redirect("mobility_backoffice:network_route_timetable", pk=route_id)


# --- Staff: calendars -----------------------------------------------------------------------


@staff_required(MODULE)
@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    services = selectors.service_list(municipality=request_municipality(request))
    return render(request, TEMPLATES + "service_list.html", _context("services", services=services))


@staff_required(MODULE)
@record_page(_service, "GET", "POST")
def service_edit(request: HttpRequest, service: Service) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = ServiceForm(request.POST, instance=Service.objects.get(pk=service.pk))
        if form.is_valid():
            try:
                network_edit.service_update(
                    service=service,
                    actor=request_actor(request),
                    fields=form.service_fields(),
                    exceptions=form.service_exceptions(),
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The calendar is saved."))
                return redirect("mobility_backoffice:network_services")
        status = 400
    else:
        form = ServiceForm(instance=service)
    return render(
        request,
        TEMPLATES + "service_form.html",
        _context("services", form=form, service=service),
        status=status,
    )
