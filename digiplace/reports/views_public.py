"""Public pages of the reports module: the map and list, a new report, a report's page,
statistics and neighbourhood subscriptions. Thin views over services and selectors.

Everything is looked up within the host's municipality (another city's report answers
404); hidden reports never appear; reporters' emails and phones are never shown, and names
only of reporters who chose to publish them.
"""

from __future__ import annotations

import csv
import datetime
import itertools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digiplace.core import parsing, throttles
from digiplace.core.fragments import fragment_render
from digiplace.core.http import client_address
from digiplace.core.photos import MAX_PHOTO_BYTES
from digiplace.core.templatetags.digiplace import chart_data
from digiplace.core.throttles import throttled, throttles_allow
from digiplace.core.uploads import upload_limit, uploads_skipped
from digiplace.core.views.helpers import (
    error_messages_add,
    form_errors_add,
    request_actor,
    request_municipality,
    request_user,
)

from . import precomputed, selectors, selectors_resident, services, views_resident
from .answers import report_answers
from .forms import (
    AbuseForm,
    DescriptionEditForm,
    ReportFilterForm,
    ReportForm,
    SubscriptionForm,
    SupportForm,
)
from .models import (
    Category,
    Neighbourhood,
    NeighbourhoodSubscription,
    Report,
    ReportStatus,
    UpdateKind,
)

REPORTS_PER_PAGE = 20
# A phone map shows clusters; more points than this are cut (the response says so) and
# the person zooms in or filters.
MAP_POINTS_LIMIT = 1000
MAP_MAX_ZOOM = 22
MAP_COORDINATE_DECIMALS = 5  # about a metre
STATISTICS_DEFAULT_PERIOD = 30


def _categories(municipality: Any) -> Any:
    return Category.objects.filter(municipality=municipality, is_active=True).order_by(
        "position", "service_code"
    )


def _neighbourhoods(municipality: Any) -> list[Neighbourhood]:
    return list(Neighbourhood.objects.filter(municipality=municipality).order_by("name"))


def _public_report(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(
        Report.objects.select_related("category", "neighbourhood", "department").annotate(
            confirmed_supporters=selectors.report_confirmed_supporters()
        ),
        pk=pk,
        municipality=request_municipality(request),
        is_hidden=False,
    )


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.history_restore_request)


# The map and the list


def _versions(request: HttpRequest, municipality: Any) -> precomputed.Versions:
    """The data versions behind this request's precomputed values, read once per request."""
    versions: precomputed.Versions | None = getattr(request, "_reports_versions", None)
    if versions is None or versions.municipality.pk != municipality.pk:
        versions = precomputed.Versions(municipality)
        request._reports_versions = versions  # type: ignore[attr-defined]
    return versions


def _lookups(request: HttpRequest, municipality: Any) -> precomputed.Lookups:
    return precomputed.lookups(
        versions=_versions(request, municipality), language=request.LANGUAGE_CODE
    )


def _filter_form(
    request: HttpRequest, municipality: Any, *, is_shown: bool = True
) -> ReportFilterForm:
    """The list's filters; a form that is not shown (the map's data) offers the departments
    only when one is asked for."""
    found = _lookups(request, municipality)
    return ReportFilterForm(
        request.GET or None,
        categories=found.categories,
        neighbourhoods=found.neighbourhoods,
        departments=found.departments if is_shown or request.GET.get("department") else [],
    )


class _CountedPaginator(Paginator[Report]):
    """A paginator told the number of results (the facets counted them already)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


def _result_count(facets: selectors.ReportFacets, filters: selectors.ReportFilters) -> int:
    """The reports matching ``filters``: the status facet applies every other filter."""
    if not filters.statuses:
        return facets.totals["status"]
    return sum(facets.count("status", status) for status in filters.statuses)


def _list_page(request: HttpRequest, municipality: Any, form: ReportFilterForm) -> Any:
    """The page of results and the filters' counts: the counts once per change, then one
    narrow query for the page's rows, whose categories and neighbourhoods come from the
    lookups (no join). Each row is rendered from the plain values it shows, once per content
    in each process (``core.fragments``)."""
    filters = form.search_filters()
    facets = precomputed.report_facets(versions=_versions(request, municipality), filters=filters)
    form.facets_apply(facets)
    reports = selectors.report_search(municipality=municipality, filters=filters).only(
        *selectors.REPORT_ROW_FIELDS
    )
    page = _CountedPaginator(
        reports, REPORTS_PER_PAGE, count=_result_count(facets, filters)
    ).get_page(request.GET.get("page"))
    found = _lookups(request, municipality)
    neighbourhoods = {neighbourhood.pk: neighbourhood for neighbourhood in found.neighbourhoods}
    url_pattern = reverse("reports:report_detail", kwargs={"pk": 0}).replace("/0/", "/{}/")
    zone = timezone.get_current_timezone()
    short_dates: dict[datetime.date, str] = {}
    rows = []
    for report in page.object_list:
        created = report.created_at.astimezone(zone)
        if created.date() not in short_dates:
            short_dates[created.date()] = formats.date_format(created, "SHORT_DATE_FORMAT")
        neighbourhood = neighbourhoods.get(report.neighbourhood_id)
        rows.append(
            fragment_render(
                "reports/_result_row.html",
                {
                    "pk": report.pk,
                    "url": url_pattern.format(report.pk),
                    "category": str(found.category_names[report.category_id].name),
                    "excerpt": Truncator(report.description).chars(90),
                    "is_open": report.is_open,
                    "status": str(report.get_status_display()),
                    "is_overdue": report.is_overdue,
                    "neighbourhood": str(neighbourhood.name) if neighbourhood is not None else "",
                    "created_iso": created.isoformat(),
                    "created_short": short_dates[created.date()],
                },
            )
        )
    page.object_list = rows  # type: ignore[assignment]
    return page


def _filter_fields(request: HttpRequest, municipality: Any, form: ReportFilterForm) -> str:
    """The filters' fields as HTML, rendered once per change, language and set of values
    (widgets cost more to render than the rest of the page); a form with errors is
    rendered each time. Call after ``facets_apply``."""
    if form.is_bound and form.errors:
        return ""
    values = tuple(
        (name, str(form.data.get(name, "")) if form.is_bound else "") for name in form.fields
    )
    return precomputed.once_per_change(
        _versions(request, municipality),
        "filter-fields",
        lambda: render_to_string("reports/_filter_fields.html", {"form": form}),
        modules=("reports", "core"),
        parts=(request.LANGUAGE_CODE, values),
    )


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = _filter_form(request, municipality)
    # A filter that cannot be read is shown with its error and left out (400).
    is_valid = not form.is_bound or form.is_valid()
    page = _list_page(request, municipality, form)
    context: dict[str, Any] = {
        "form": form,
        "filter_fields": _filter_fields(request, municipality, form),
        "page": page,
        "reports": page.object_list,
        "reports_section": "list",
    }
    status = 200 if is_valid else 400
    if _is_htmx(request):
        response = render(request, "reports/_results_fragment.html", context, status=status)
        if not is_valid:
            # htmx swaps no 4xx answer: load the whole page, which shows the form's errors.
            response["HX-Redirect"] = request.get_full_path()
    else:
        context.update(_subscription_context(request, municipality))
        response = render(request, "reports/report_list.html", context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _bbox(value: str, municipality: Any) -> tuple[float, float, float, float]:
    """(south, west, north, east) from ``bbox``, else the city's bounds; raises ParseError."""
    if not value.strip():
        (south, west), (north, east) = municipality.bounds
        return min(south, north), min(west, east), max(south, north), max(west, east)
    return parsing.parse_bounding_box(value, name="bbox")


def _map_data_errors(errors: dict[str, list[str]]) -> JsonResponse:
    response = JsonResponse({"errors": errors}, status=400)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def _map_zoom(value: str) -> int | None:
    """The map's zoom level (0-22) from ``zoom``; None without one; raises ParseError."""
    if not value.strip():
        return None
    return parsing.parse_integer(value, name="zoom", minimum=0, maximum=MAP_MAX_ZOOM)


def _rounded(value: float) -> float:
    return round(value, MAP_COORDINATE_DECIMALS)


@require_GET
def map_data(request: HttpRequest) -> JsonResponse:
    """Compact GeoJSON of the visible reports in the viewport.

    Below zoom ``precomputed.CLUSTER_BELOW_ZOOM`` (when ``zoom`` is given), the reports are
    grouped in the squares of a grid worked out once per change: a square of several is a
    cluster (``n`` reports within ``b`` = south, west, north, east; ``t`` its label).
    Otherwise, and for a square of one, a point: ``id``, status ``s``, category ``c`` and
    day ``d``; the names of the categories and statuses and the reports' link pattern come
    once, beside the features. Points are at most MAP_POINTS_LIMIT, newest first
    (``truncated`` says when more matched). Coordinates have 5 decimals (about a metre);
    no property is null."""
    municipality = request_municipality(request)
    form = _filter_form(request, municipality, is_shown=False)
    if form.is_bound and not form.is_valid():
        return _map_data_errors(
            {field: [str(message) for message in errors] for field, errors in form.errors.items()}
        )
    errors: dict[str, list[str]] = {}
    try:
        bbox = _bbox(request.GET.get("bbox", ""), municipality)
    except parsing.ParseError as error:
        errors["bbox"] = [str(error)]
    try:
        zoom = _map_zoom(request.GET.get("zoom", ""))
    except parsing.ParseError as error:
        errors["zoom"] = [str(error)]
    if errors:
        return _map_data_errors(errors)
    found = _lookups(request, municipality)
    zone = timezone.get_current_timezone()
    dates: dict[datetime.date, str] = {}

    def day(moment: datetime.datetime) -> str:
        local = moment.astimezone(zone).date()
        if local not in dates:
            dates[local] = formats.date_format(local, "SHORT_DATE_FORMAT")
        return dates[local]

    def point(
        pk: int, latitude: float, longitude: float, status: str, category_id: int, created: Any
    ) -> dict[str, Any]:
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [_rounded(longitude), _rounded(latitude)]},
            "properties": {"id": pk, "s": status, "c": category_id, "d": day(created)},
        }

    features: list[dict[str, Any]] = []
    is_truncated = False
    if zoom is not None and zoom < precomputed.CLUSTER_BELOW_ZOOM:
        grid = precomputed.report_map_grid(
            versions=_versions(request, municipality), filters=form.search_filters(), zoom=zoom
        )
        for cell in grid.within(bbox):
            if cell.count == 1:
                features.append(
                    point(
                        cell.report_id,
                        cell.latitude,
                        cell.longitude,
                        cell.status,
                        cell.category_id,
                        cell.created_at,
                    )
                )
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [_rounded(cell.longitude), _rounded(cell.latitude)],
                    },
                    "properties": {
                        "n": cell.count,
                        "b": [
                            _rounded(cell.south),
                            _rounded(cell.west),
                            _rounded(cell.north),
                            _rounded(cell.east),
                        ],
                        "t": ngettext(
                            "%(count)s report here: zoom in",
                            "%(count)s reports here: zoom in",
                            cell.count,
                        )
                        % {"count": cell.count},
                    },
                }
            )
    else:
        kept = precomputed.report_map_points(
            versions=_versions(request, municipality), filters=form.search_filters()
        )
        rows: list[tuple[int, float | None, float | None, str, int, datetime.datetime]]
        if kept is not None:
            # The viewport cut from the city's points (kept once per change), as the
            # database would: bounds included, newest first.
            south, west, north, east = bbox
            rows = list(
                itertools.islice(
                    (row for row in kept if south <= row[1] <= north and west <= row[2] <= east),
                    MAP_POINTS_LIMIT + 1,
                )
            )
        else:
            rows = list(
                selectors.report_search(
                    municipality=municipality, filters=form.search_filters(bbox=bbox)
                ).values_list("pk", "latitude", "longitude", "status", "category_id", "created_at")[
                    : MAP_POINTS_LIMIT + 1
                ]
            )
        is_truncated = len(rows) > MAP_POINTS_LIMIT
        features = [
            point(pk, latitude, longitude, status, category_id, created)
            for pk, latitude, longitude, status, category_id, created in rows[:MAP_POINTS_LIMIT]
            if latitude is not None and longitude is not None  # the bbox leaves none out
        ]
    shown = {feature["properties"].get("c") for feature in features} - {None}
    response = JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "truncated": is_truncated,
            # GeoJSON's foreign members (RFC 7946, 6.1): what the short properties stand for.
            "categories": {
                str(pk): category.name
                for pk, category in found.category_names.items()
                if pk in shown
            },
            "statuses": {code: str(label) for code, label in ReportStatus.choices},
            "url": reverse("reports:report_detail", kwargs={"pk": 0}).replace("/0/", "/{id}/"),
        },
        json_dumps_params={"separators": (",", ":"), "ensure_ascii": False},
    )
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


# A new report


def _chosen_category(request: HttpRequest, municipality: Any, value: str | None) -> Any:
    """The active category named by its id or its service code; None when none is."""
    try:
        text = parsing.parse_text(value or "", name="category", max_length=100)
    except parsing.ParseError:
        return None
    if not text:
        return None
    categories = _categories(municipality).prefetch_related("attributes")
    try:
        lookup: dict[str, Any] = {"pk": parsing.parse_id(text, name="category")}
    except parsing.ParseError:
        lookup = {"service_code": text}
    return categories.filter(**lookup).first()


def _is_unknown_category(request: HttpRequest, municipality: Any) -> bool:
    """A category named in the link that this city does not offer (an old or a wrong link)."""
    value = request.GET.get("category", "")
    return bool(value.strip()) and _chosen_category(request, municipality, value) is None


def _report_form(request: HttpRequest, municipality: Any, data: Any = None) -> ReportForm:
    source = data if data is not None else request.GET
    category = _chosen_category(request, municipality, source.get("category"))
    initial = {"category": category.pk} if category is not None and data is None else None
    return ReportForm(
        data,
        request.FILES if data is not None else None,
        initial=initial,
        categories=_categories(municipality),
        category=category,
        is_authenticated=request.user.is_authenticated,
    )


@require_http_methods(["GET", "POST"])
@upload_limit(MAX_PHOTO_BYTES)
def report_new(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    if request.method != "POST":
        form = _report_form(request, municipality)
        if _is_unknown_category(request, municipality):
            messages.error(
                request, _("The category in this link is not offered here: choose one below.")
            )
            return render(
                request, "reports/report_new.html", _new_context(municipality, form), status=400
            )
        return render(request, "reports/report_new.html", _new_context(municipality, form))
    form = _report_form(request, municipality, request.POST)
    is_valid = form.is_valid()
    for name in uploads_skipped(request):
        # Stopped while it streamed in: nothing of it beyond the limit was stored.
        form.add_error(
            "photos",
            _("The photo “%(name)s” is too large; the limit is %(limit)s.")
            % {"name": name, "limit": filesizeformat(MAX_PHOTO_BYTES)},
        )
        is_valid = False
    if not is_valid:
        # The service's checks of the other fields too, so the first answer lists them all.
        user = request_user(request)
        form.add_input_errors(
            services.report_input_errors(
                municipality=municipality,
                latitude=form.raw_value("latitude"),
                longitude=form.raw_value("longitude"),
                description=form.raw_value("description"),
                address=form.raw_value("address"),
                reporter=user,
                reporter_name=form.raw_value("reporter_name") if user is None else "",
                reporter_email=form.raw_value("reporter_email") if user is None else "",
            )
        )
    if is_valid:
        data = form.cleaned_data
        try:
            report = services.report_create(
                municipality=municipality,
                category=data["category"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                description=data["description"],
                address=data["address"],
                attributes=form.answers(),
                photos=request.FILES.getlist("photos"),
                reporter=request_user(request),
                reporter_name=data.get("reporter_name", ""),
                reporter_email=data.get("reporter_email", ""),
                is_anonymous=data["is_anonymous"],
                source_address=client_address(request),
                locale=request.LANGUAGE_CODE,
            )
        except ValidationError as error:
            form.add_service_errors(error)
            if _is_rate_limited(error):
                return throttled(
                    render(request, "reports/report_new.html", _new_context(municipality, form))
                )
        else:
            messages.success(
                request,
                _("Thank you. Your report #%(number)s was sent to the city.")
                % {"number": report.pk},
            )
            url = reverse("reports:report_detail", kwargs={"pk": report.pk})
            if report.reporter_id is None:
                # The link with the token lets a name-and-email reporter correct the text.
                url += f"?token={report.token}"
            return HttpResponseRedirect(url)
    context = _new_context(municipality, form)
    return render(request, "reports/report_new.html", context, status=400)


def _is_rate_limited(error: ValidationError) -> bool:
    errors = getattr(error, "error_dict", {}).values()
    return any(item.code == "rate_limited" for items in errors for item in items)


def _new_context(municipality: Any, form: ReportForm) -> dict[str, Any]:
    return {
        "form": form,
        "bounds": municipality.bounds,
        "edit_minutes": int(services.EDIT_WINDOW.total_seconds() // 60),
        "reports_section": "new",
    }


@require_GET
def category_questions(request: HttpRequest) -> HttpResponse:
    """The chosen category's questions (HTMX fragment of the new-report form)."""
    municipality = request_municipality(request)
    form = _report_form(request, municipality)
    status = 400 if _is_unknown_category(request, municipality) else 200
    return render(request, "reports/_category_questions.html", {"form": form}, status=status)


@require_GET
def nearby(request: HttpRequest) -> HttpResponse:
    """Open reports of the same category within 250 m, so a person can support one."""
    municipality = request_municipality(request)
    category = _chosen_category(request, municipality, request.GET.get("category"))
    reports: list[Report] = []
    latitude_text = request.GET.get("latitude", "").strip()
    longitude_text = request.GET.get("longitude", "").strip()
    if not latitude_text or not longitude_text:
        category = None  # nothing to compare with until the place is chosen
    else:
        try:
            latitude = parsing.parse_latitude(latitude_text)
            longitude = parsing.parse_longitude(longitude_text)
        except parsing.ParseError as error:
            return HttpResponseBadRequest(format_html('<p class="error">{}</p>', str(error)))
    if category is not None:
        reports = selectors.report_list_nearby(
            municipality=municipality, category=category, latitude=latitude, longitude=longitude
        )[:10]
    context = {
        "checked": category is not None,
        "reports": reports,
        "support_form": SupportForm(),
        "radius": selectors.DUPLICATE_RADIUS_METRES,
    }
    return render(request, "reports/_nearby.html", context)


# A report's page


def _can_edit(request: HttpRequest, report: Report, token: str) -> bool:
    if report.editable_until is None or timezone.now() > report.editable_until:
        return False
    if report.reporter_id is not None:
        return bool(request.user.is_authenticated and request.user.pk == report.reporter_id)
    return bool(token) and token == str(report.token)


def _timeline(report: Report) -> list[dict[str, Any]]:
    statuses = dict(ReportStatus.choices)
    entries = []
    for update in selectors.report_timeline(report=report):
        if update.author_id is None or update.kind == UpdateKind.EDITED:
            who = ""
        elif update.author_id == report.reporter_id:
            who = _("The reporter")
        else:
            who = _("City staff")
        entries.append(
            {
                "update": update,
                "who": who,
                "status": statuses.get(update.new_status, "") if update.new_status else "",
            }
        )
    return entries


def _detail_page(
    request: HttpRequest,
    report: Report,
    *,
    edit_form: DescriptionEditForm | None = None,
    support_form: SupportForm | None = None,
    abuse_form: AbuseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    token = request.POST.get("token") or request.GET.get("token", "")
    can_edit = _can_edit(request, report, token)
    if can_edit and edit_form is None:
        edit_form = DescriptionEditForm(initial={"description": report.description, "token": token})
    feature = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [report.longitude, report.latitude]},
                "properties": {"title": f"#{report.pk} {report.category.name}"},
            }
        ],
    }
    user = request_user(request)
    context = {
        "report": report,
        "photos": [photo for photo in report.photos.all() if not photo.is_hidden],
        "timeline": _timeline(report),
        "answers": report_answers(report=report),
        "supporter_count": getattr(report, "confirmed_supporters", None) or 0,
        "my_support": selectors_resident.supporter_for(
            report=report, user=user, supporter_ids=views_resident.supporter_ids(request)
        ),
        "is_my_report": user is not None and user.pk == report.reporter_id,
        "feature": feature,
        "edit_form": edit_form if can_edit else None,
        "support_form": support_form or SupportForm(),
        "abuse_form": abuse_form or AbuseForm(),
    }
    return render(request, "reports/report_detail.html", context, status=status)


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _public_report(request, pk))


@require_POST
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _public_report(request, pk)
    form = DescriptionEditForm(request.POST)
    token = request.POST.get("token", "")
    if not _can_edit(request, report, token):
        messages.error(request, _("The time to correct this report has passed."))
        return HttpResponseRedirect(reverse("reports:report_detail", kwargs={"pk": pk}))
    if form.is_valid():
        try:
            services.report_edit_description(
                report=report,
                editor=request_user(request),
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Your correction was saved."))
            url = reverse("reports:report_detail", kwargs={"pk": pk})
            return HttpResponseRedirect(f"{url}?token={token}" if token else url)
    return _detail_page(request, report, edit_form=form, status=400)


@require_POST
def report_support(request: HttpRequest, pk: int) -> HttpResponse:
    report = _public_report(request, pk)
    user = request_user(request)
    form = SupportForm(request.POST if user is None else {"email": user.email})
    if form.is_valid():
        email = form.cleaned_data["email"]
        if not throttles_allow(
            request,
            per_client=throttles.SUPPORT_PER_CLIENT,
            per_target=throttles.SUPPORT_PER_ADDRESS,
            target=email,
        ):
            form.add_error(None, throttles.THROTTLED_MESSAGE)
            return throttled(_detail_page(request, report, support_form=form))
        try:
            services.report_support_later(
                report=report,
                email=email,
                user=user,
                site_root=f"{request.scheme}://{request.get_host()}",
                email_language=request.LANGUAGE_CODE,
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            if user is not None:
                # A signed-in person supports with their own address, confirmed at once
                # (or sent the report and is told of its changes already).
                messages.success(
                    request, _("Thank you. We will tell you when the city changes this report.")
                )
            else:
                # The same answer whoever the address belongs to, the reporter included.
                messages.success(
                    request,
                    _(
                        "Thank you. Unless this address follows the report already, we have "
                        "sent it a link: open it to confirm that you want news of this report."
                    ),
                )
            return HttpResponseRedirect(reverse("reports:report_detail", kwargs={"pk": pk}))
    return _detail_page(request, report, support_form=form, status=400)


@require_http_methods(["GET", "POST"])
def report_support_confirm(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    # GET only shows a button: mail scanners open the links in messages, and confirming on
    # GET would subscribe an address its owner never confirmed.
    report = _public_report(request, pk)
    if request.method == "GET":
        return render(request, "reports/support_confirm.html", {"report": report})
    supporter = services.report_support_confirm(report=report, token=token)
    if supporter is None:
        return render(request, "reports/support_confirm_invalid.html", status=400)
    messages.success(
        request, _("Your address is confirmed. We will tell you when the city changes this report.")
    )
    response = HttpResponseRedirect(reverse("reports:report_detail", kwargs={"pk": report.pk}))
    # This browser now shows that it supports the report, and can undo it.
    ids = views_resident.supporter_ids(request)
    if supporter.pk not in ids:
        views_resident.supporter_ids_set(response, [*ids, supporter.pk])
    return response


@require_POST
def report_flag(request: HttpRequest, pk: int) -> HttpResponse:
    report = _public_report(request, pk)
    form = AbuseForm(request.POST)
    if form.is_valid():
        if not throttles_allow(
            request,
            per_client=throttles.ABUSE_FLAG_PER_CLIENT,
            per_target=throttles.ABUSE_FLAG_PER_REPORT,
            target=str(report.pk),
        ):
            form.add_error(None, throttles.THROTTLED_MESSAGE)
            return throttled(_detail_page(request, report, abuse_form=form))
        try:
            services.report_flag_abuse(
                report=report, reason=form.cleaned_data["reason"], flagged_by=request_user(request)
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Thank you. A moderator will look at this report."))
            return HttpResponseRedirect(reverse("reports:report_detail", kwargs={"pk": pk}))
    return _detail_page(request, report, abuse_form=form, status=400)


# Statistics


def _period(request: HttpRequest) -> int:
    """The statistics period in days: the default when none is given; raises ParseError
    for anything else than one of the periods offered."""
    value = request.GET.get("period", "")
    if not value.strip():
        return STATISTICS_DEFAULT_PERIOD
    period = parsing.parse_integer(value, name="period", minimum=1, maximum=parsing.INT32_MAX)
    if period not in selectors.STATISTICS_PERIODS:
        raise parsing.ParseError(
            _("%(name)s must be one of %(choices)s (days).")
            % {
                "name": "period",
                "choices": ", ".join(str(days) for days in selectors.STATISTICS_PERIODS),
            },
            name="period",
            code="invalid_choice",
        )
    return period


def _statistics_rows(rows: list[selectors.StatisticsRow], period: int) -> list[dict[str, Any]]:
    table = []
    for row in rows:
        figures = row.periods[period]
        share = figures.closed_within_sla_share
        table.append(
            {
                "key": row.key,
                "name": row.name,
                "open": figures.open,
                "closed": figures.closed,
                "median": figures.median_days_to_close,
                "share_percent": round(share * 100) if share is not None else None,
            }
        )
    return table


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    status = 200
    try:
        period = _period(request)
    except parsing.ParseError as error:
        # The page for the default period, with the message, answered 400.
        messages.error(request, str(error))
        period, status = STATISTICS_DEFAULT_PERIOD, 400
    figures = precomputed.report_statistics(
        versions=_versions(request, municipality), language=request.LANGUAGE_CODE
    )
    categories = _statistics_rows(figures["categories"], period)
    departments = _statistics_rows(figures["departments"], period)
    chart = chart_data(
        chart_type="bar",
        labels=[row["name"] for row in categories],
        datasets=[
            {
                "label": pgettext("reports counted", "Open"),
                "data": [row["open"] for row in categories],
            },
            {
                "label": pgettext("reports counted", "Closed"),
                "data": [row["closed"] for row in categories],
            },
        ],
        label_title=_("Category"),
    )
    context = {
        "period": period,
        "periods": selectors.STATISTICS_PERIODS,
        "categories": categories,
        "departments": departments,
        "chart": chart,
        "reports_section": "statistics",
    }
    return render(request, "reports/statistics.html", context, status=status)


@require_GET
def statistics_csv(request: HttpRequest) -> HttpResponse:
    """Aggregates only: no report, reporter or staff member is named."""
    municipality = request_municipality(request)
    try:
        period = _period(request)
    except parsing.ParseError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    figures = precomputed.report_statistics(
        versions=_versions(request, municipality), language=request.LANGUAGE_CODE
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="reports-statistics-{municipality.slug}-{period}-days.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "scope",
            "key",
            "name",
            "period_days",
            "open",
            "closed",
            "median_days_to_close",
            "closed_within_sla_share",
        ]
    )
    for scope, key in (("category", "categories"), ("department", "departments")):
        for row in figures[key]:
            numbers = row.periods[period]
            writer.writerow(
                [
                    scope,
                    row.key,
                    row.name,
                    period,
                    numbers.open,
                    numbers.closed,
                    "" if numbers.median_days_to_close is None else numbers.median_days_to_close,
                    ""
                    if numbers.closed_within_sla_share is None
                    else numbers.closed_within_sla_share,
                ]
            )
    return response


# Neighbourhood subscriptions


def _subscription_context(request: HttpRequest, municipality: Any) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {"subscription_form": None, "subscriptions": []}
    subscriptions = list(
        NeighbourhoodSubscription.objects.filter(
            municipality=municipality, user=request.user
        ).select_related("neighbourhood")
    )
    taken = {subscription.neighbourhood_id for subscription in subscriptions}
    available = [item for item in _neighbourhoods(municipality) if item.pk not in taken]
    return {
        "subscription_form": SubscriptionForm(neighbourhoods=available) if available else None,
        "subscriptions": subscriptions,
    }


@login_required
@require_POST
def subscription_create(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = SubscriptionForm(request.POST, neighbourhoods=_neighbourhoods(municipality))
    if form.is_valid():
        try:
            subscription = services.subscription_create(
                user=request_actor(request),
                municipality=municipality,
                neighbourhood_slug=form.cleaned_data["neighbourhood"],
            )
        except ValidationError as error:
            error_messages_add(request, error)
        else:
            messages.success(
                request,
                _("You will be told of new reports in %(neighbourhood)s.")
                % {"neighbourhood": subscription.neighbourhood.name},
            )
    else:
        messages.error(request, _("Choose a neighbourhood."))
    return HttpResponseRedirect(reverse("reports:report_list") + "#subscriptions")


@login_required
@require_POST
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(
        NeighbourhoodSubscription.objects.select_related("neighbourhood"),
        pk=pk,
        municipality=request_municipality(request),
        user=request.user,
    )
    try:
        services.subscription_delete(user=request_actor(request), subscription=subscription)
    except ValidationError as error:
        error_messages_add(request, error)
    else:
        messages.success(
            request,
            _("You will no longer be told of new reports in %(neighbourhood)s.")
            % {"neighbourhood": subscription.neighbourhood.name},
        )
    return HttpResponseRedirect(reverse("reports:report_list") + "#subscriptions")
