"""The reports back office: one report with its actions, and the Open311 API keys (the
queue and the reply templates are in ``views_desk``). Every record is read scoped by the
request's municipality; every write goes through ``services`` (reports) or ``api_keys``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from digiplace.core.parsing import ParseError, parse_id
from digiplace.core.permissions import admin_required, staff_required
from digiplace.core.views.helpers import (
    error_messages_add,
    form_errors_add,
    request_actor,
    request_membership,
    request_municipality,
)

from . import api_keys, selectors, selectors_desk, services
from .answers import report_answers
from .backoffice_forms import (
    ApiKeyForm,
    AssignForm,
    MergeForm,
    PhotoOpenDataForm,
    PhotoVisibilityForm,
    RecategoriseForm,
    ResponseForm,
    StatusForm,
    VisibilityForm,
)
from .models import ApiKey, Category, Report
from .services import desk

# The queue and the reply templates live in views_desk; the names stay importable here.
from .views_desk import (  # noqa: F401
    MODULE,
    reply_template_edit,
    reply_template_list,
    report_bulk,
    report_queue,
)

NEW_KEY_SESSION = "reports_new_api_key"

ReportAction = Callable[[HttpRequest, Report], HttpResponse]


# One report


def _report(request: HttpRequest, report_id: int) -> Report:
    # Staff see hidden reports too; never another municipality's.
    return get_object_or_404(
        Report.objects.for_municipality(request_municipality(request)).select_related(
            "category",
            "neighbourhood",
            "department",
            "assigned_to",
            "reporter",
            "duplicate_of",
            "municipality",
        ),
        pk=report_id,
    )


def _response_initial(request: HttpRequest, report: Report) -> dict[str, Any]:
    """``?template=<id>`` starts a public reply from that template (the desk without
    JavaScript; with it, choosing a template fills the box in place)."""
    try:
        template_id = parse_id(request.GET.get("template", ""), name="template")
    except ParseError:
        return {}
    for template in selectors_desk.reply_template_list(report=report):
        if template.pk == template_id:
            return {"text": template.text, "is_public": "1"}
    return {}


def _map_feature(report: Report) -> dict[str, Any] | None:
    if report.latitude is None or report.longitude is None:
        return None
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [report.longitude, report.latitude]},
                "properties": {"title": f"#{report.pk} {report.category.name}"},
            }
        ],
    }


def _manage_forms(request: HttpRequest, report: Report) -> dict[str, Form]:
    municipality = request_municipality(request)
    return {
        "status_form": StatusForm(initial={"status": report.status}, auto_id="id_status_%s"),
        "response_form": ResponseForm(
            initial=_response_initial(request, report), auto_id="id_response_%s"
        ),
        "assign_form": AssignForm(
            municipality=municipality,
            initial={"assignee": report.assigned_to_id},
            auto_id="id_assign_%s",
        ),
        "category_form": RecategoriseForm(
            municipality=municipality,
            initial={"category": report.category_id},
            auto_id="id_category_%s",
        ),
        "merge_form": MergeForm(auto_id="id_merge_%s"),
    }


def _manage_page(
    request: HttpRequest, report: Report, bound: dict[str, Form] | None = None
) -> HttpResponse:
    """The report's page; ``bound`` replaces a form that came back with errors."""
    context: dict[str, Any] = {
        "report": report,
        **_manage_forms(request, report),
        **(bound or {}),
        "photos": list(report.photos.order_by("id")),
        "timeline": selectors.report_timeline(report=report, include_internal=True),
        "abuse_flags": list(report.abuse_flags.select_related("flagged_by")),
        "duplicates": list(report.duplicates.order_by("id").only("id", "status")),
        "supporter_count": report.supporters.filter(confirmed_at__isnull=False).count(),
        "answers": report_answers(report=report),
        "feature": _map_feature(report),
        "reply_templates": selectors_desk.reply_template_list(report=report),
        "may_handle": desk.report_may_handle(membership=request_membership(request), report=report),
        # The account's details where the reporter was logged in.
        "reporter_name": report.reporter_name or (str(report.reporter) if report.reporter else ""),
        "reporter_email": report.reporter_email
        or (report.reporter.email if report.reporter else ""),
    }
    context["open_flag_count"] = sum(1 for flag in context["abuse_flags"] if not flag.is_resolved)
    # One action panel is open: the one whose form came back with errors, the reply when a
    # template was chosen, else the status.
    panels = {
        "status_form": "status",
        "response_form": "respond",
        "assign_form": "assign",
        "category_form": "category",
        "merge_form": "merge",
    }
    context["open_panel"] = next(
        (panels[name] for name in (bound or {}) if name in panels),
        "respond" if context["response_form"].initial else "status",
    )
    return render(request, "reports/backoffice/report_manage.html", context)


@staff_required(module=MODULE)
def report_manage(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    if request.method != "GET" and request.method != "HEAD":
        return HttpResponseNotAllowed(["GET"])
    return _manage_page(request, report)


def report_action(view: ReportAction) -> Callable[..., HttpResponse]:
    """An action on one report: staff with the module, the report looked up in this
    municipality first (another city's id is 404 whatever the method), then POST only;
    a GET shows the report's page."""

    @staff_required(module=MODULE)
    @wraps(view)
    def wrapped(request: HttpRequest, report_id: int) -> HttpResponse:
        report = _report(request, report_id)
        if request.method == "GET":
            return redirect("reports_backoffice:report_manage", report_id=report.pk)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, report)

    return wrapped


def _done(request: HttpRequest, report: Report, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("reports_backoffice:report_manage", report_id=report.pk)


@report_action
def report_status_change(request: HttpRequest, report: Report) -> HttpResponse:
    form = StatusForm(request.POST, auto_id="id_status_%s")
    if form.is_valid():
        try:
            services.report_change_status(
                report=report,
                actor=request_actor(request),
                status=form.cleaned_data["status"],
                public_response=form.cleaned_data["public_response"],
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            report.refresh_from_db(fields=["status"])
            return _done(
                request,
                report,
                _("Report #%(number)s is now “%(status)s”.")
                % {"number": report.pk, "status": report.get_status_display()},
            )
    return _manage_page(request, report, {"status_form": form})


@report_action
def report_respond(request: HttpRequest, report: Report) -> HttpResponse:
    form = ResponseForm(request.POST, auto_id="id_response_%s")
    if form.is_valid():
        is_public = form.cleaned_data["is_public"]
        try:
            services.report_respond(
                report=report,
                actor=request_actor(request),
                text=form.cleaned_data["text"],
                is_public=is_public,
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            if is_public:
                message = _("The response was published and sent to the reporter.")
            else:
                message = _("The internal note was saved; only staff see it.")
            return _done(request, report, message)
    return _manage_page(request, report, {"response_form": form})


@report_action
def report_assign(request: HttpRequest, report: Report) -> HttpResponse:
    form = AssignForm(
        request.POST, municipality=request_municipality(request), auto_id="id_assign_%s"
    )
    if form.is_valid():
        assignee = form.assignee_user()
        try:
            services.report_assign(report=report, actor=request_actor(request), assignee=assignee)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            if assignee is None:
                message = _("Report #%(number)s is assigned to nobody.") % {"number": report.pk}
            else:
                message = _("Report #%(number)s is assigned to %(person)s.") % {
                    "number": report.pk,
                    "person": assignee,
                }
            return _done(request, report, message)
    return _manage_page(request, report, {"assign_form": form})


@report_action
def report_recategorise(request: HttpRequest, report: Report) -> HttpResponse:
    municipality = request_municipality(request)
    form = RecategoriseForm(request.POST, municipality=municipality, auto_id="id_category_%s")
    if form.is_valid():
        category = get_object_or_404(
            Category.objects.for_municipality(municipality), pk=form.cleaned_data["category"]
        )
        try:
            services.report_recategorise(
                report=report, actor=request_actor(request), category=category
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            if report.department is not None:
                message = _(
                    "Report #%(number)s is now in “%(category)s” and routed to %(department)s."
                ) % {
                    "number": report.pk,
                    "category": category.name,
                    "department": report.department.name,
                }
            else:
                message = _(
                    "Report #%(number)s is now in “%(category)s”; no department is set for it."
                ) % {"number": report.pk, "category": category.name}
            return _done(request, report, message)
    return _manage_page(request, report, {"category_form": form})


@report_action
def report_merge(request: HttpRequest, report: Report) -> HttpResponse:
    form = MergeForm(request.POST, auto_id="id_merge_%s")
    if form.is_valid():
        into_id = form.cleaned_data["into"]
        # Another city's report reads exactly like one that does not exist.
        into = (
            Report.objects.for_municipality(request_municipality(request))
            .filter(pk=into_id)
            .first()
        )
        if into_id == report.pk:
            form.add_error("into", _("A report cannot be merged into itself."))
        elif into is None:
            form.add_error(
                "into", _("There is no report #%(number)s in this city.") % {"number": into_id}
            )
        else:
            try:
                services.report_merge(report=report, actor=request_actor(request), into=into)
            except ValidationError as error:
                form_errors_add(form, error)
            else:
                return _done(
                    request,
                    report,
                    _("Report #%(number)s was merged into report #%(into)s.")
                    % {"number": report.pk, "into": into.pk},
                )
    return _manage_page(request, report, {"merge_form": form})


def _moderation_failed(request: HttpRequest, report: Report, error: ValidationError) -> None:
    error_messages_add(request, error)


@report_action
def report_visibility(request: HttpRequest, report: Report) -> HttpResponse:
    form = VisibilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to hide or to show the report."))
        return redirect("reports_backoffice:report_manage", report_id=report.pk)
    hide = form.cleaned_data["hide"]
    try:
        # Hiding settles the abuse flags; showing again leaves them as they are.
        services.report_moderate(
            report=report, actor=request_actor(request), hide_report=hide, resolve_flags=hide
        )
    except ValidationError as error:
        _moderation_failed(request, report, error)
        return redirect("reports_backoffice:report_manage", report_id=report.pk)
    if hide:
        message = _("Report #%(number)s is hidden from the public.") % {"number": report.pk}
    else:
        message = _("Report #%(number)s is public again.") % {"number": report.pk}
    return _done(request, report, message)


@report_action
def report_photo_visibility(request: HttpRequest, report: Report) -> HttpResponse:
    """Hide or show one photo on the site, or (the open-data form) approve the ticked
    photos for the city's open data and withdraw the others listed."""
    if "open_data" in request.POST:
        return _photo_open_data(request, report)
    form = PhotoVisibilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a photo of this report to hide or show."))
        return redirect("reports_backoffice:report_manage", report_id=report.pk)
    photo_ids = [form.cleaned_data["photo"]]
    hide = form.cleaned_data["hide"]
    try:
        services.report_moderate(
            report=report,
            actor=request_actor(request),
            hide_photo_ids=photo_ids if hide else (),
            show_photo_ids=() if hide else photo_ids,
            resolve_flags=False,
        )
    except ValidationError as error:
        _moderation_failed(request, report, error)
        return redirect("reports_backoffice:report_manage", report_id=report.pk)
    return _done(
        request,
        report,
        _("The photo is hidden from the public.") if hide else _("The photo is public again."),
    )


def _photo_open_data(request: HttpRequest, report: Report) -> HttpResponse:
    form = PhotoOpenDataForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the photos of this report to publish in open data."))
        return redirect("reports_backoffice:report_manage", report_id=report.pk)
    approved = set(form.cleaned_data["approved"])
    try:
        update = services.report_moderate(
            report=report,
            actor=request_actor(request),
            approve_photo_ids=sorted(approved),
            withdraw_photo_ids=sorted(set(form.cleaned_data["photos"]) - approved),
            resolve_flags=False,
        )
    except ValidationError as error:
        _moderation_failed(request, report, error)
        return redirect("reports_backoffice:report_manage", report_id=report.pk)
    # The service's own words: how many photos were approved and withdrawn.
    return _done(request, report, update.text)


# Open311 API keys


@admin_required
@require_http_methods(["GET", "POST"])
def api_key_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            api_key = api_keys.api_key_issue(
                municipality=municipality, actor=request_actor(request), **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            # Shown once, on the next page, then gone from the session.
            request.session[NEW_KEY_SESSION] = {"id": api_key.pk, "key": api_key.key}
            messages.success(request, _("A key was issued to “%(name)s”.") % {"name": api_key.name})
            return redirect("reports_backoffice:api_key_list")
    new_key = request.session.pop(NEW_KEY_SESSION, None) if request.method == "GET" else None
    keys = ApiKey.objects.for_municipality(municipality).order_by("-is_active", "name", "id")
    return render(
        request,
        "reports/backoffice/api_key_list.html",
        {"form": form, "api_keys": keys, "new_key": new_key},
    )


@admin_required
def api_key_deactivate(request: HttpRequest, key_id: int) -> HttpResponse:
    api_key = get_object_or_404(
        ApiKey.objects.for_municipality(request_municipality(request)), pk=key_id
    )
    if request.method == "GET":
        return redirect("reports_backoffice:api_key_list")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        api_keys.api_key_deactivate(api_key=api_key, actor=request_actor(request))
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(
            request,
            _("The key of “%(name)s” is deactivated; requests with it are refused.")
            % {"name": api_key.name},
        )
    return redirect("reports_backoffice:api_key_list")
