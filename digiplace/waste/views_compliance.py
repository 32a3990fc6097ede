"""Sorting compliance: the public report (``waste:compliance``) and the staff pages of
camera-watched sites, their observations, the camera-analytics import and the awareness
campaigns (module ``waste``). Every record is read within the request's city (another city's
is 404 whatever the method); writes go through ``services.compliance``.

Enforcement cases have their own pages (``views_enforcement``): here, only someone with the
local police's module sees the button that opens one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from digiplace.core.permissions import staff_required
from digiplace.core.uploads import upload_limit, uploads_skipped
from digiplace.core.views.helpers import (
    form_errors_add,
    record_page,
    request_actor,
    request_membership,
    request_municipality,
)

from .apps import MODULE, MODULE_ENFORCEMENT
from .compliance import ObservationKind
from .forms_compliance import (
    MAX_IMPORT_BYTES,
    CameraSiteForm,
    CampaignForm,
    ObservationForm,
    ObservationsImportConfirmForm,
    ObservationsImportForm,
)
from .models import CameraSite, Campaign
from .observations_csv import RowError
from .selectors import compliance as selectors
from .selectors.compliance_report import compliance_report
from .services import compliance as services

TEMPLATES = "waste/compliance/"


def _site(request: HttpRequest, pk: int) -> CameraSite:
    site = selectors.site_get(municipality=request_municipality(request), pk=pk)
    if site is None:
        raise Http404
    return site


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign = selectors.campaign_get(municipality=request_municipality(request), pk=pk)
    if campaign is None:
        raise Http404
    return campaign


def can_enforce(request: HttpRequest) -> bool:
    """Whether this staff member has the local police's module (granted by name only)."""
    return request_membership(request).can_use_module(MODULE_ENFORCEMENT)


def _staff_context(request: HttpRequest, nav: str, **context: Any) -> dict[str, Any]:
    return {"nav": nav, "can_enforce": can_enforce(request), **context}


# The public report


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The pilot's question answered from aggregate counts (no footage, no case)."""
    municipality = request_municipality(request)
    return render(
        request,
        TEMPLATES + "report.html",
        {"report": compliance_report(municipality=municipality)},
    )


# Sites


@staff_required(MODULE)
@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    sites = list(selectors.site_list(municipality=request_municipality(request)))
    return render(
        request, TEMPLATES + "site_list.html", _staff_context(request, "sites", sites=sites)
    )


@staff_required(MODULE)
@require_http_methods(["GET", "HEAD", "POST"])
def site_create(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = CameraSiteForm(request.POST or None, municipality=municipality)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                site = services.camera_site_create(
                    municipality=municipality, actor=request_actor(request), **form.site_fields()
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The site is saved."))
                return redirect("waste_backoffice:site_detail", pk=site.pk)
        status = 400
    context = _staff_context(request, "sites", form=form, site=None)
    return render(request, TEMPLATES + "site_form.html", context, status=status)


@staff_required(MODULE)
@record_page(_site, "GET", "POST")
def site_edit(request: HttpRequest, site: CameraSite) -> HttpResponse:
    municipality = request_municipality(request)
    status = 200
    if request.method == "POST":
        form = CameraSiteForm(request.POST, municipality=municipality, site=site)
        if form.is_valid():
            try:
                services.camera_site_update(
                    site=site, actor=request_actor(request), **form.site_fields()
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The site is saved."))
                return redirect("waste_backoffice:site_detail", pk=site.pk)
        status = 400
    else:
        form = CameraSiteForm(
            initial=CameraSiteForm.initial_from(site), municipality=municipality, site=site
        )
    context = _staff_context(request, "sites", form=form, site=site)
    return render(request, TEMPLATES + "site_form.html", context, status=status)


@staff_required(MODULE)
@record_page(_site, "GET", "POST")
def site_detail(request: HttpRequest, site: CameraSite) -> HttpResponse:
    """A site, its latest observations and the dispatcher's form to record one."""
    status = 200
    if request.method == "POST":
        form = ObservationForm(request.POST)
        if form.is_valid():
            try:
                services.observation_record(
                    site=site, actor=request_actor(request), **form.observation_fields()
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The observation is recorded."))
                return redirect("waste_backoffice:site_detail", pk=site.pk)
        status = 400
    else:
        form = ObservationForm(initial=ObservationForm.initial_now())
    observations = list(selectors.observation_list(site=site))
    # Which observations have a case: only someone with the police's module may know.
    cases = (
        selectors.cases_by_observation(observations=observations) if can_enforce(request) else {}
    )
    context = _staff_context(
        request,
        "sites",
        site=site,
        form=form,
        rows=[
            {"observation": observation, "cases": cases.get(observation.pk, [])}
            for observation in observations
        ],
        list_limit=selectors.OBSERVATION_LIST_LIMIT,
    )
    return render(request, TEMPLATES + "site_detail.html", context, status=status)


# Import


def _preview_rows(plan: services.ImportPlan) -> list[dict[str, Any]]:
    kinds = list(ObservationKind)
    return [
        {
            "site": code,
            "counts": [(kind.label, counts.get(kind.value, 0)) for kind in kinds],
            "total": sum(counts.values()),
        }
        for code, counts in sorted(plan.counts.items())
    ]


def _import_context(request: HttpRequest, **context: Any) -> dict[str, Any]:
    return _staff_context(
        request,
        "import",
        kinds=list(ObservationKind),
        sites=list(selectors.site_list(municipality=request_municipality(request))),
        **context,
    )


@staff_required(MODULE)
@require_http_methods(["GET", "HEAD", "POST"])
@upload_limit(MAX_IMPORT_BYTES + 1)
def observations_import(request: HttpRequest) -> HttpResponse:
    """Upload, preview (counts per site and kind), then import all or nothing."""
    municipality = request_municipality(request)
    upload_form = ObservationsImportForm()
    if request.method != "POST":
        return render(
            request, TEMPLATES + "import.html", _import_context(request, form=upload_form)
        )
    if "content" in request.POST:
        return _import_confirm(request)
    upload_form = ObservationsImportForm(request.POST, request.FILES)
    if uploads_skipped(request):
        upload_form.add_error("file", _("The file is larger than 2 MB: export fewer days."))
    if not upload_form.is_valid():
        context = _import_context(request, form=upload_form)
        return render(request, TEMPLATES + "import.html", context, status=400)
    data: bytes = upload_form.cleaned_data["file"]
    plan = services.observations_import_plan(municipality=municipality, data=data)
    if not plan.is_valid:
        context = _import_context(request, form=upload_form, errors=plan.errors)
        return render(request, TEMPLATES + "import.html", context, status=400)
    confirm = ObservationsImportConfirmForm(initial={"content": data.decode("utf-8-sig")})
    context = _import_context(
        request,
        form=ObservationsImportForm(),
        plan=plan,
        preview=_preview_rows(plan),
        confirm=confirm,
    )
    return render(request, TEMPLATES + "import.html", context)


def _import_confirm(request: HttpRequest) -> HttpResponse:
    confirm = ObservationsImportConfirmForm(request.POST)
    errors: tuple[RowError, ...] | list[str] = ()
    if confirm.is_valid():
        try:
            plan = services.observations_import(
                municipality=request_municipality(request),
                actor=request_actor(request),
                data=confirm.cleaned_data["content"],
            )
        except ValidationError as error:
            errors = list(error.messages)
        else:
            imported = len(plan.new)
            messages.success(
                request,
                ngettext(
                    "%(count)d observation imported.",
                    "%(count)d observations imported.",
                    imported,
                )
                % {"count": imported}
                + (
                    " "
                    + ngettext(
                        "%(count)d row skipped: it was imported before.",
                        "%(count)d rows skipped: they were imported before.",
                        plan.skipped,
                    )
                    % {"count": plan.skipped}
                    if plan.skipped
                    else ""
                ),
            )
            return redirect("waste_backoffice:observations_import")
    else:
        errors = [_("The file to import was lost: upload it again.")]
    context = _import_context(request, form=ObservationsImportForm(), confirm_errors=errors)
    return render(request, TEMPLATES + "import.html", context, status=400)


# Campaigns


@staff_required(MODULE)
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = list(selectors.campaign_list(municipality=request_municipality(request)))
    context = _staff_context(request, "campaigns", campaigns=campaigns)
    return render(request, TEMPLATES + "campaign_list.html", context)


@staff_required(MODULE)
@require_http_methods(["GET", "HEAD", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = CampaignForm(request.POST or None, municipality=municipality)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.campaign_create(
                    municipality=municipality,
                    actor=request_actor(request),
                    fields=form.campaign_fields(),
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The campaign is saved."))
                return redirect("waste_backoffice:campaign_list")
        status = 400
    context = _staff_context(request, "campaigns", form=form, campaign=None)
    return render(request, TEMPLATES + "campaign_form.html", context, status=status)


@staff_required(MODULE)
@record_page(_campaign, "GET", "POST")
def campaign_edit(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    municipality = request_municipality(request)
    status = 200
    if request.method == "POST":
        form = CampaignForm(request.POST, municipality=municipality)
        if form.is_valid():
            try:
                services.campaign_update(
                    campaign=campaign, actor=request_actor(request), fields=form.campaign_fields()
                )
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                messages.success(request, _("The campaign is saved."))
                return redirect("waste_backoffice:campaign_list")
        status = 400
    else:
        form = CampaignForm(initial=CampaignForm.initial_from(campaign), municipality=municipality)
    context = _staff_context(request, "campaigns", form=form, campaign=campaign)
    return render(request, TEMPLATES + "campaign_form.html", context, status=status)
