"""Public pages of the NGO registry: the directory of verified organisations, an
organisation's page (with its working groups and the plan projects where it is a local
actor), registration, a person's own registrations and a request to join a working group.

Only verified organisations are public; the public sees an organisation's own contact
(its email and website), never the account of the person who registered it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from digiplace.core.views.helpers import form_errors_add, request_municipality, request_user

from ..forms.organisations import JoinRequestForm, OrganisationFilterForm, OrganisationForm
from ..models import Organisation, OrganisationLinkKind, OrganisationStatus
from ..selectors import organisations as selectors
from ..services import organisations as services

ORGANISATIONS_PER_PAGE = 20


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.history_restore_request)


@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = OrganisationFilterForm(request.GET or None)
    filters = form.filters()
    is_valid = not form.errors
    form.counts_apply(
        selectors.organisation_field_counts(municipality=municipality, text=filters.text)
    )
    found = selectors.organisation_directory(municipality=municipality, filters=filters)
    page = Paginator(found, ORGANISATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "organisations": page.object_list,
        "is_filtered": filters.is_filtered,
    }
    status = 200 if is_valid else 400
    if _is_htmx(request):
        response = render(
            request, "participation/organisations/_results_fragment.html", context, status=status
        )
        if not is_valid:
            # htmx swaps no 4xx answer: load the whole page, which shows the form's errors.
            response["HX-Redirect"] = request.get_full_path()
    else:
        response = render(
            request, "participation/organisations/organisation_list.html", context, status=status
        )
    patch_vary_headers(response, ("HX-Request",))
    return response


def _public_organisation(request: HttpRequest, pk: int) -> Organisation:
    found = selectors.organisation_public_get(municipality=request_municipality(request), pk=pk)
    if found is None:
        raise Http404
    return found


def _can_ask_to_join(request: HttpRequest, organisation: Organisation) -> bool:
    user = request_user(request)
    return (
        user is not None
        and organisation.created_by_id == user.pk
        and organisation.status == OrganisationStatus.VERIFIED
    )


@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _public_organisation(request, pk)
    groups, projects = selectors.organisation_public_links(organisation=organisation)
    context = {
        "organisation": organisation,
        "working_groups": groups,
        "projects": projects,
        "can_ask_to_join": _can_ask_to_join(request, organisation),
    }
    return render(request, "participation/organisations/organisation_detail.html", context)


def _account_problem(request: HttpRequest) -> str:
    """Why the signed-in person may not register an organisation yet ("" when they may)."""
    user = request_user(request)
    if user is not None and user.email_confirmed_at is None:
        return _("Confirm your email address first: open the link in the email we sent you.")
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def organisation_register(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    problem = _account_problem(request)
    if problem:
        return render(
            request,
            "participation/organisations/organisation_register.html",
            {"problem": problem},
            status=403,
        )
    form = OrganisationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                organisation = services.organisation_register(
                    municipality=municipality, user=request_user(request), **form.cleaned_data
                )
            except ValidationError as error:
                form_errors_add(form, error)
                if _is_rate_limited(error):
                    status = 429
            else:
                messages.success(
                    request,
                    _(
                        "Thank you. %(name)s is registered; it will appear in the directory "
                        "once the city has verified it."
                    )
                    % {"name": organisation.name},
                )
                return HttpResponseRedirect(reverse("participation:organisation_mine"))
    return render(
        request,
        "participation/organisations/organisation_register.html",
        {"form": form},
        status=status,
    )


def _is_rate_limited(error: ValidationError) -> bool:
    if hasattr(error, "error_dict"):
        items = [item for field_items in error.error_dict.values() for item in field_items]
    else:
        items = error.error_list
    return any(item.code == "rate_limited" for item in items)


@login_required
@require_GET
def organisation_mine(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    assert user is not None  # login_required
    organisations = selectors.organisation_list_mine(
        municipality=request_municipality(request), user=user
    )
    return render(
        request,
        "participation/organisations/organisation_mine.html",
        {"organisations": organisations, "verified": OrganisationStatus.VERIFIED},
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_join(request: HttpRequest, pk: int) -> HttpResponse:
    """The registrant of a verified organisation asks to join a working group."""
    municipality = request_municipality(request)
    user = request_user(request)
    assert user is not None  # login_required
    organisation = (
        selectors.organisation_list_mine(municipality=municipality, user=user)
        .filter(pk=pk, status=OrganisationStatus.VERIFIED)
        .first()
    )
    if organisation is None:
        raise Http404
    linked = set(
        organisation.links.filter(kind=OrganisationLinkKind.WORKING_GROUP).values_list(
            "target_ref", flat=True
        )
    )
    groups = [
        target
        for target in selectors.link_choices(
            municipality=municipality, kind=OrganisationLinkKind.WORKING_GROUP
        )
        if target.ref not in linked
    ]
    form = JoinRequestForm(request.POST or None, working_groups=groups)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                target = services.organisation_join_request(
                    organisation=organisation,
                    user=user,
                    target_ref=form.cleaned_data["target"],
                    message=form.cleaned_data["message"],
                )
            except ValidationError as error:
                form_errors_add(form, error)
                if _is_rate_limited(error):
                    status = 429
            else:
                messages.success(
                    request,
                    _(
                        "Your request to join “%(group)s” was sent to the city. Staff will add "
                        "the organisation to the group and you will see it on its page."
                    )
                    % {"group": target.title},
                )
                return HttpResponseRedirect(
                    reverse("participation:organisation_detail", kwargs={"pk": organisation.pk})
                )
    return render(
        request,
        "participation/organisations/organisation_join.html",
        {"organisation": organisation, "form": form, "has_groups": bool(groups)},
        status=status,
    )
