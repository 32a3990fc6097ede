"""A resident's own pages: "My reports", "My supports", the private page that follows a
report sent without an account, and undoing "me too".

A visitor without an account who confirmed "me too" is recognised on the report's page by
a signed cookie that holds the ids of their supporters (nothing else).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digiplace.core import throttles
from digiplace.core.throttles import throttled, throttles_allow
from digiplace.core.views.helpers import error_messages_add, request_municipality, request_user

from . import selectors, selectors_resident, services
from .answers import report_answers
from .models import Report, ReportStatus
from .services.notifications import report_follow_token_check

MINE_PER_PAGE = 20
SUPPORTS_COOKIE = "digiplace_supports"
SUPPORTS_COOKIE_SALT = "digiplace.reports.supports"
SUPPORTS_COOKIE_MAX_AGE = datetime.timedelta(days=365)
SUPPORTS_COOKIE_MAX_IDS = 50


# The signed cookie of a visitor's supports


def supporter_ids(request: HttpRequest) -> list[int]:
    """The supporter ids the visitor's signed cookie holds ([] when none or altered)."""
    value = request.get_signed_cookie(
        SUPPORTS_COOKIE,
        default="",
        salt=SUPPORTS_COOKIE_SALT,
        max_age=SUPPORTS_COOKIE_MAX_AGE,
    )
    try:
        ids = json.loads(value) if value else []
    except ValueError:
        return []
    if not isinstance(ids, list):
        return []
    return [item for item in ids if type(item) is int][:SUPPORTS_COOKIE_MAX_IDS]


def supporter_ids_set(response: HttpResponse, ids: list[int]) -> None:
    if not ids:
        response.delete_cookie(SUPPORTS_COOKIE, samesite="Lax")
        return
    response.set_signed_cookie(
        SUPPORTS_COOKIE,
        json.dumps(ids[-SUPPORTS_COOKIE_MAX_IDS:]),
        salt=SUPPORTS_COOKIE_SALT,
        max_age=int(SUPPORTS_COOKIE_MAX_AGE.total_seconds()),
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


# "My reports" and "My supports"


@login_required
@require_GET
def report_mine(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    assert user is not None  # login_required
    reports = selectors_resident.report_list_mine(
        user=user, municipality=request_municipality(request)
    )
    page = Paginator(reports, MINE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/mine.html",
        {"page": page, "reports": page.object_list, "reports_section": "mine"},
    )


@login_required
@require_GET
def support_mine(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    assert user is not None  # login_required
    supports = selectors_resident.support_list_mine(
        user=user, municipality=request_municipality(request)
    )
    page = Paginator(supports, MINE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/mine_supports.html",
        {"page": page, "supports": page.object_list, "reports_section": "supports"},
    )


# Undoing "me too"


@require_POST
def support_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        Report, pk=pk, municipality=request_municipality(request), is_hidden=False
    )
    url = reverse("reports:report_detail", kwargs={"pk": report.pk})
    ids = supporter_ids(request)
    supporter = selectors_resident.supporter_for(
        report=report, user=request_user(request), supporter_ids=ids
    )
    if supporter is None:
        messages.error(request, _("You do not support this report."))
        return HttpResponseRedirect(url)
    if not throttles_allow(
        request,
        per_client=throttles.SUPPORT_PER_CLIENT,
        per_target=throttles.SUPPORT_PER_ADDRESS,
        target=supporter.email,
    ):
        messages.error(request, throttles.THROTTLED_MESSAGE)
        return throttled(HttpResponseRedirect(url))
    try:
        services.report_support_withdraw(report=report, supporter=supporter)
    except ValidationError as error:
        error_messages_add(request, error)
        return HttpResponseRedirect(url)
    messages.success(
        request, _("You no longer support this report; we will not write to you about it.")
    )
    response = HttpResponseRedirect(url)
    if supporter.pk in ids:
        supporter_ids_set(response, [item for item in ids if item != supporter.pk])
    return response


# The private page of a report sent without an account


def _private(response: HttpResponse) -> HttpResponse:
    # The secret is in the address: never cached, indexed or sent on as a Referer.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "POST"])
def report_follow(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    report = (
        Report.objects.select_related("category", "neighbourhood", "municipality")
        .filter(pk=pk, municipality=request_municipality(request), reporter__isnull=True)
        .first()
    )
    if report is None or not report_follow_token_check(report, token):
        return _private(render(request, "reports/follow_invalid.html", status=404))
    if request.method == "POST":
        if not throttles_allow(
            request,
            per_client=throttles.SUPPORT_PER_CLIENT,
            per_target=throttles.SUPPORT_PER_ADDRESS,
            target=report.reporter_email,
        ):
            messages.error(request, throttles.THROTTLED_MESSAGE)
            return _private(throttled(_follow_page(request, report, token)))
        try:
            services.report_follow_link_renew(report=report)
        except ValidationError as error:
            error_messages_add(request, error)
            return _private(_follow_page(request, report, token, status=400))
        messages.success(
            request,
            _("We have emailed you a new private link; the old one no longer works."),
        )
        return HttpResponseRedirect(
            reverse("reports:report_detail", kwargs={"pk": report.pk})
            if not report.is_hidden
            else reverse("reports:report_list")
        )
    return _private(_follow_page(request, report, token))


def _follow_page(
    request: HttpRequest, report: Report, token: str, status: int = 200
) -> HttpResponse:
    statuses = dict(ReportStatus.choices)
    timeline: list[dict[str, Any]] = [
        {
            "update": update,
            "status": statuses.get(update.new_status, "") if update.new_status else "",
        }
        for update in selectors.report_timeline(report=report)
    ]
    context = {
        "report": report,
        "token": token,
        "timeline": timeline,
        "answers": report_answers(report=report),
        "photos": [photo for photo in report.photos.all() if not photo.is_hidden],
        "supporter_count": report.supporters.filter(confirmed_at__isnull=False).count(),
    }
    return render(request, "reports/follow.html", context, status=status)
