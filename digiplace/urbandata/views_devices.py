"""Staff pages of urban data's devices: the module's back-office home, the city's entities by
type, one device with its latest values and keys, registering, editing and retiring a device,
issuing a key (its secret shown once) and revoking one. Every record is read within the
request's municipality (another city's is 404); writes go through ``services`` (audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from digiplace.core.permissions import staff_required
from digiplace.core.templatetags.digiplace import coordinates_text
from digiplace.core.views.helpers import form_errors_add, request_actor, request_municipality

from .forms_devices import DeviceFilterForm, DeviceForm, DeviceRegisterForm, KeyIssueForm
from .models import DeviceKey, Entity
from .mqtt import device_topic
from .selectors import devices as selectors
from .services import entities_staff
from .services.keys import device_key_issue, device_key_revoke
from .types import ENTITY_TYPES

MODULE = "urbandata"
PAGE_SIZE = 50


def _entity(request: HttpRequest, pk: int) -> Entity:
    found = selectors.entity_get(municipality=request_municipality(request), pk=pk)
    if found is None:
        raise Http404
    return found


def _key(request: HttpRequest, pk: int) -> DeviceKey:
    found = selectors.key_get(municipality=request_municipality(request), pk=pk)
    if found is None:
        raise Http404
    return found


def _detail_url(entity: Entity) -> str:
    return reverse("urbandata_backoffice:device_detail", kwargs={"pk": entity.pk})


@staff_required(MODULE)
@require_GET
def backoffice_index(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    counts = selectors.entity_type_counts(municipality=municipality)
    context = {
        "type_counts": counts,
        "entity_total": sum(count.count for count in counts),
        "active_keys": DeviceKey.objects.filter(
            municipality=municipality, revoked_at__isnull=True
        ).count(),
    }
    return render(request, "urbandata/devices/index.html", context)


@staff_required(MODULE)
@require_GET
def device_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = DeviceFilterForm(request.GET or None)
    filters = selectors.EntityFilters.from_query(request.GET)
    entities = selectors.entity_list(municipality=municipality, filters=filters)
    page = Paginator(entities, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "entities": page.object_list,
        "type_label": ENTITY_TYPES[filters.type_name].label_plural if filters.type_name else "",
    }
    return render(request, "urbandata/devices/device_list.html", context)


def _detail_page(
    request: HttpRequest,
    entity: Entity,
    *,
    key_form: KeyIssueForm | None = None,
    status: int = 200,
) -> HttpResponse:
    spec = ENTITY_TYPES.get(entity.type)
    context = {
        "entity": entity,
        "type_label": spec.label if spec else entity.type,
        "attribute_rows": selectors.entity_attribute_rows(entity=entity),
        "keys": selectors.entity_keys(entity=entity),
        "open_alerts": selectors.entity_open_alert_count(entity=entity),
        "recent_alerts": selectors.entity_recent_alerts(entity=entity),
        "key_form": key_form or KeyIssueForm(initial={"name": entity.name or entity.entity_id}),
        "features": _entity_features(entity),
        "registered_place": coordinates_text(
            entity.registered_latitude, entity.registered_longitude
        ),
    }
    return render(request, "urbandata/devices/device_detail.html", context, status=status)


def _entity_features(entity: Entity) -> dict[str, Any] | None:
    if entity.latitude is None or entity.longitude is None:
        return None
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [entity.longitude, entity.latitude]},
                "properties": {"title": str(entity)},
            }
        ],
    }


@staff_required(MODULE)
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entity = _entity(request, pk)
    if request.method not in ("GET", "HEAD"):  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["GET"])
    return _detail_page(request, entity)


def _departments(request: HttpRequest) -> Any:
    return selectors.department_choices(municipality=request_municipality(request))


@staff_required(MODULE)
@require_http_methods(["GET", "POST"])
def device_register(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = DeviceRegisterForm(request.POST or None, departments=_departments(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                entity = entities_staff.device_register(
                    municipality=municipality, actor=request_actor(request), **form.cleaned_data
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(
                    request, _("The device %(id)s is registered.") % {"id": entity.entity_id}
                )
                return HttpResponseRedirect(_detail_url(entity))
    return render(
        request,
        "urbandata/devices/device_form.html",
        {"form": form, "entity": None},
        status=status,
    )


@staff_required(MODULE)
def device_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entity = _entity(request, pk)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    initial = {
        "name": entity.name,
        "department": entity.department,
        "latitude": entity.registered_latitude,
        "longitude": entity.registered_longitude,
        "is_demo": entity.is_demo,
    }
    form = DeviceForm(request.POST or None, initial=initial, departments=_departments(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                entities_staff.device_update(
                    entity=entity, actor=request_actor(request), **form.cleaned_data
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The device's details were saved."))
                return HttpResponseRedirect(_detail_url(entity))
    return render(
        request,
        "urbandata/devices/device_form.html",
        {"form": form, "entity": entity},
        status=status,
    )


@staff_required(MODULE)
def device_retire(request: HttpRequest, pk: int) -> HttpResponse:
    entity = _entity(request, pk)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "POST":
        entities_staff.device_retire(entity=entity, actor=request_actor(request))
        messages.success(
            request,
            _("The device %(id)s was retired: its keys are revoked, its data deleted.")
            % {"id": entity.entity_id},
        )
        return HttpResponseRedirect(reverse("urbandata_backoffice:device_list"))
    return render(request, "urbandata/devices/device_retire.html", {"entity": entity})


@staff_required(MODULE)
def device_key_new(request: HttpRequest, pk: int) -> HttpResponse:
    entity = _entity(request, pk)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    form = KeyIssueForm(request.POST)
    if form.is_valid():
        try:
            key, secret = device_key_issue(
                municipality=entity.municipality,
                name=form.cleaned_data["name"],
                entity=entity,
                actor=request_actor(request),
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            # The secret is in this response only: never stored, never shown again.
            response = render(
                request,
                "urbandata/devices/key_issued.html",
                {
                    "entity": entity,
                    "key": key,
                    "secret": secret,
                    # A device's key publishes to its own topic only (the broker's ACL).
                    "topic": device_topic(entity.municipality.slug, key.username),
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    return _detail_page(request, entity, key_form=form, status=400)


@staff_required(MODULE)
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = _key(request, pk)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    back = _detail_url(key.entity) if key.entity else reverse("urbandata_backoffice:device_list")
    if request.method == "POST":
        try:
            device_key_revoke(key=key, actor=request_actor(request))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("The key %(name)s is revoked: it is refused from now on.") % {"name": key.name},
            )
        return HttpResponseRedirect(back)
    return render(request, "urbandata/devices/key_revoke.html", {"key": key, "back": back})
