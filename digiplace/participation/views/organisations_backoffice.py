"""Staff pages of the NGO registry: the queue, one organisation (verify or refuse it with a
note, its links to plans working groups and projects), and its edit. Every record is read
within the request's municipality; every write goes through ``services`` (audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
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
from digiplace.core.views.helpers import (
    error_messages_add,
    form_errors_add,
    request_actor,
    request_municipality,
)

from ..forms.organisations import LinkForm, OrganisationForm, ReviewForm
from ..models import Organisation, OrganisationLinkKind, OrganisationStatus
from ..selectors import organisations as selectors
from ..services import organisations as services

MODULE = "participation"


def _organisation(request: HttpRequest, pk: int) -> Organisation:
    found = selectors.organisation_get(municipality=request_municipality(request), pk=pk)
    if found is None:
        raise Http404
    return found


def _review_url(organisation: Organisation) -> str:
    return reverse("participation_backoffice:organisation_review", kwargs={"pk": organisation.pk})


@staff_required(MODULE)
@require_GET
def organisation_queue(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    status = request.GET.get("status", OrganisationStatus.PENDING)
    if status not in {*OrganisationStatus.values, ""}:
        status = OrganisationStatus.PENDING
    counts = selectors.organisation_status_counts(municipality=municipality)
    tabs = [
        (code, label, counts[code], code == status) for code, label in OrganisationStatus.choices
    ]
    context = {
        "organisations": selectors.organisation_queue(municipality=municipality, status=status),
        "tabs": tabs,
        "status": status,
        "status_label": dict(OrganisationStatus.choices).get(status, ""),
    }
    return render(request, "participation/organisations/backoffice/queue.html", context)


def _link_form(request: HttpRequest, data: Any = None) -> LinkForm:
    municipality = request_municipality(request)
    return LinkForm(
        data,
        working_groups=selectors.link_choices(
            municipality=municipality, kind=OrganisationLinkKind.WORKING_GROUP
        ),
        projects=selectors.link_choices(
            municipality=municipality, kind=OrganisationLinkKind.LOCAL_ACTOR
        ),
    )


def _review_page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    review_form: ReviewForm | None = None,
    link_form: LinkForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "organisation": organisation,
        "review_form": review_form or ReviewForm(auto_id="id_review_%s"),
        "link_form": link_form or _link_form(request),
        "links": selectors.organisation_links(organisation=organisation),
        "is_verified": organisation.status == OrganisationStatus.VERIFIED,
    }
    return render(
        request, "participation/organisations/backoffice/review.html", context, status=status
    )


@staff_required(MODULE)
@require_http_methods(["GET", "POST"])
def organisation_review(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    if request.method == "GET":
        return _review_page(request, organisation)
    form = ReviewForm(request.POST, auto_id="id_review_%s")
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "verify":
                services.organisation_verify(
                    organisation=organisation,
                    actor=request_actor(request),
                    note=form.cleaned_data["note"],
                )
                messages.success(
                    request,
                    _("%(name)s is verified and listed in the public directory.")
                    % {"name": organisation.name},
                )
            else:
                services.organisation_reject(
                    organisation=organisation,
                    actor=request_actor(request),
                    note=form.cleaned_data["note"],
                )
                messages.success(
                    request, _("%(name)s was not verified.") % {"name": organisation.name}
                )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            return HttpResponseRedirect(_review_url(organisation))
    return _review_page(request, organisation, review_form=form, status=400)


@staff_required(MODULE)
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    initial = {name: getattr(organisation, name) for name in services.EDITABLE_FIELDS}
    form = OrganisationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.organisation_update(
                    organisation=organisation, actor=request_actor(request), **form.cleaned_data
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The organisation's details were saved."))
                return HttpResponseRedirect(_review_url(organisation))
    return render(
        request,
        "participation/organisations/backoffice/edit.html",
        {"organisation": organisation, "form": form},
        status=status,
    )


@staff_required(MODULE)
def organisation_link_add(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    form = _link_form(request, request.POST)
    if form.is_valid():
        try:
            services.organisation_link_create(
                organisation=organisation,
                actor=request_actor(request),
                kind=form.link_kind(),
                target_ref=form.cleaned_data["target"],
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("The link was added."))
            return HttpResponseRedirect(f"{_review_url(organisation)}#links")
    return _review_page(request, organisation, link_form=form, status=400)


@staff_required(MODULE)
def organisation_link_remove(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    if request.method != "POST":  # after the lookup: another city's id is 404
        return HttpResponseNotAllowed(["POST"])
    link = selectors.organisation_link_get(organisation=organisation, pk=link_pk)
    if link is None:
        raise Http404
    try:
        services.organisation_link_delete(link=link, actor=request_actor(request))
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(request, _("The link was removed."))
    return HttpResponseRedirect(f"{_review_url(organisation)}#links")
