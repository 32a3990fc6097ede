"""Staff pages of verified voting: the census list (upload, count) and voting codes
(generate a printable batch, count issued and used). Every action is audited by the
services; the budget is read in the request's municipality only."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from digiplace.core.page_cache import never_page_cached
from digiplace.core.permissions import staff_required
from digiplace.core.uploads import FileSizeLimitUploadHandler, uploads_skipped
from digiplace.core.views.helpers import form_errors_add, request_actor, request_municipality
from digiplace.participation.forms.voting import CensusUploadForm, CodeGenerateForm
from digiplace.participation.models import Budget, BudgetZone
from digiplace.participation.selectors import voting as selectors
from digiplace.participation.services import voting_staff as services

MODULE = "participation"

View = Callable[..., HttpResponse]


class _InMemoryUploadHandler(MemoryFileUploadHandler):
    """Keeps an uploaded file in memory whatever its size (the size limit before it
    stops it): a census list never touches the disk."""

    def handle_raw_input(self, *args: Any, **kwargs: Any) -> None:
        self.activated = True


def _upload_in_memory(view: View) -> View:
    protected = csrf_protect(view)

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.upload_handlers = [
            FileSizeLimitUploadHandler(request, max_bytes=services.CENSUS_MAX_BYTES),
            _InMemoryUploadHandler(request),
        ]
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapped)


def _budget(request: HttpRequest, budget_id: int) -> Budget:
    return get_object_or_404(
        selectors.budget_staff_queryset(municipality=request_municipality(request)), pk=budget_id
    )


def _zones(budget: Budget) -> Any:
    return BudgetZone.objects.filter(budget=budget).select_related("zone")


def _voters_page(
    request: HttpRequest,
    budget: Budget,
    *,
    census_form: CensusUploadForm | None = None,
    code_form: CodeGenerateForm | None = None,
    refused: services.CensusUploadRefused | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "participation/voting/backoffice/voters.html",
        {
            "budget": budget,
            "census": selectors.census_summary(budget=budget),
            "codes": selectors.code_summary(budget=budget),
            "ballots": selectors.ballot_count_by_zone(budget=budget),
            "census_form": census_form or CensusUploadForm(auto_id="id_census_%s"),
            "code_form": code_form
            or CodeGenerateForm(budget_zones=_zones(budget), auto_id="id_codes_%s"),
            "refused": refused,
        },
        status=status,
    )


@never_page_cached
@staff_required(module=MODULE)
@require_http_methods(["GET", "HEAD"])
def voting_voters(request: HttpRequest, budget_id: int) -> HttpResponse:
    return _voters_page(request, _budget(request, budget_id))


@never_page_cached
@staff_required(module=MODULE)
@_upload_in_memory
def voting_census_upload(request: HttpRequest, budget_id: int) -> HttpResponse:
    # The budget first: another city's is 404 whatever the method.
    budget = _budget(request, budget_id)
    if request.method != "POST":
        return redirect("participation_backoffice:voting_voters", budget_id=budget.pk)
    form = CensusUploadForm(request.POST, request.FILES, auto_id="id_census_%s")
    if uploads_skipped(request):
        form.add_error(
            None,
            _("The file is larger than %(megabytes)s MB; split it by zone.")
            % {"megabytes": services.CENSUS_MAX_BYTES // (1024 * 1024)},
        )
        return _voters_page(request, budget, census_form=form, status=400)
    if not form.is_valid():
        return _voters_page(request, budget, census_form=form, status=400)
    data = form.cleaned_data["file"].read()
    try:
        count = services.census_upload(budget=budget, actor=request_actor(request), data=data)
    except services.CensusUploadRefused as refused:
        form.add_error(
            "file",
            ngettext(
                "The list was not changed: %(count)s line is wrong (see below).",
                "The list was not changed: %(count)s lines are wrong (see below).",
                refused.total,
            )
            % {"count": refused.total},
        )
        return _voters_page(request, budget, census_form=form, refused=refused, status=400)
    finally:
        del data
    messages.success(
        request,
        ngettext(
            "The census list now has %(count)s person.",
            "The census list now has %(count)s people.",
            count,
        )
        % {"count": count},
    )
    return redirect("participation_backoffice:voting_voters", budget_id=budget.pk)


@never_cache
@never_page_cached
@staff_required(module=MODULE)
def voting_codes_generate(request: HttpRequest, budget_id: int) -> HttpResponse:
    """The new codes, shown once on a printable page: only their digests are kept, so
    this answer is never stored (no-store) and cannot be shown again."""
    budget = _budget(request, budget_id)
    if request.method != "POST":
        return redirect("participation_backoffice:voting_voters", budget_id=budget.pk)
    form = CodeGenerateForm(request.POST, budget_zones=_zones(budget), auto_id="id_codes_%s")
    if form.is_valid():
        try:
            batch = services.voting_codes_generate(
                budget=budget,
                actor=request_actor(request),
                count=form.cleaned_data["count"],
                budget_zone=form.cleaned_data["budget_zone"],
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            vote_url = request.build_absolute_uri(
                reverse("participation:vote_start", args=[budget.pk])
            )
            response = render(
                request,
                "participation/voting/backoffice/codes_print.html",
                {
                    "budget": budget,
                    "batch": batch,
                    "vote_url": vote_url,
                    "receipt_url": request.build_absolute_uri(
                        reverse("participation:vote_receipt_check", args=[budget.pk])
                    ),
                },
            )
            response["Cache-Control"] = "no-store, private"
            return response
    return _voters_page(request, budget, code_form=form, status=400)
