"""Public voting pages of a participatory budget: verify (voting code or CNP on the census
list), choose the zone, fill the approval ballot, get a receipt; and check a receipt.

The verified voter lives in the session (a digest, never what was typed); every page
reads it again and every cast is checked again by ``services.voting.ballot_cast``.
None of these pages is held by the page cache: they depend on the session and the clock.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from digiplace.core.http import address_rate_key, client_address
from digiplace.core.page_cache import never_page_cached
from digiplace.core.ratelimit import rate_limit_hit
from digiplace.core.throttles import THROTTLED_MESSAGE, Throttle, throttled
from digiplace.core.views.helpers import form_errors_add, request_municipality, request_user
from digiplace.participation.forms.voting import (
    BallotForm,
    CensusVoterForm,
    ReceiptCheckForm,
    VotingCodeForm,
)
from digiplace.participation.models import Budget, BudgetZone, VotingMethod
from digiplace.participation.selectors import voting as selectors
from digiplace.participation.services import voting as services
from digiplace.participation.services.voting import Voter

SESSION_VOTERS = "participation_voters"
SESSION_RECEIPTS = "participation_vote_receipts"
# Guessing codes: every code typed from one address counts (a town hall's desk where
# people vote one after the other stays well under it).
CODE_ATTEMPTS_PER_CLIENT = Throttle(
    "participation-vote-code:client", limit=20, window=datetime.timedelta(hours=1)
)
# Probing the census list with other people's CNPs: per account.
CNP_ATTEMPTS_PER_ACCOUNT = Throttle(
    "participation-vote-cnp:account", limit=10, window=datetime.timedelta(hours=1)
)


def _budget(request: HttpRequest, budget_id: int) -> Budget:
    return get_object_or_404(
        selectors.budget_public_queryset(municipality=request_municipality(request)),
        pk=budget_id,
    )


def _voter(request: HttpRequest, budget: Budget) -> Voter | None:
    voters = request.session.get(SESSION_VOTERS, {})
    voter = Voter.from_session(voters.get(str(budget.pk)), budget_id=budget.pk)
    if voter is not None and voter.method == VotingMethod.CENSUS:
        user = request_user(request)
        if user is None or user.pk != voter.user_id:
            return None
    return voter


def _voter_keep(request: HttpRequest, voter: Voter | None, *, budget_id: int) -> None:
    voters = dict(request.session.get(SESSION_VOTERS, {}))
    if voter is None:
        voters.pop(str(budget_id), None)
    else:
        voters[str(budget_id)] = voter.as_session()
    request.session[SESSION_VOTERS] = voters


def _voting_state(budget: Budget) -> str:
    now = timezone.now()
    if now < budget.voting_opens_at:
        return "not_open"
    if budget.voting_closed(now):
        return "closed"
    return "open"


def _next_url(budget: Budget, voter: Voter) -> str:
    """Where a verified voter goes: the zone their code or census line names, the zone of
    the ballot they cast, the only zone, or the list of zones."""
    zone_id = voter.budget_zone_id
    if zone_id is None:
        existing = selectors.voter_ballot(budget=budget, voter_key=voter.key)
        if existing is not None and voter.may_change:
            zone_id = existing.ballot.budget_zone_id
    if zone_id is None:
        zones = list(BudgetZone.objects.filter(budget=budget).values_list("pk", flat=True)[:2])
        if len(zones) == 1:
            zone_id = zones[0]
    if zone_id is None:
        return reverse("participation:vote_zone", args=[budget.pk])
    return reverse("participation:vote_ballot", args=[budget.pk, zone_id])


def _start_page(
    request: HttpRequest,
    budget: Budget,
    *,
    code_form: VotingCodeForm | None = None,
    census_form: CensusVoterForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request_user(request)
    voter = _voter(request, budget)
    if voter is None and user is not None and budget.census_voting:
        # A census voter coming back signed in: their ballot verifies them again.
        voter = services.voter_of_account(budget=budget, user=user)
        if voter is not None:
            _voter_keep(request, voter, budget_id=budget.pk)
    context: dict[str, Any] = {
        "budget": budget,
        "state": _voting_state(budget),
        "voter": voter,
        "continue_url": _next_url(budget, voter) if voter is not None else None,
        "code_form": code_form or VotingCodeForm(auto_id="id_code_%s"),
        "census_form": census_form or CensusVoterForm(auto_id="id_census_%s"),
        "is_signed_in": user is not None,
        "is_email_confirmed": user is not None and user.email_confirmed_at is not None,
        "login_url": f"{reverse('accounts:login')}?next={request.path}",
    }
    return render(request, "participation/voting/start.html", context, status=status)


@never_page_cached
@require_http_methods(["GET", "HEAD"])
def vote_start(request: HttpRequest, budget_id: int) -> HttpResponse:
    return _start_page(request, _budget(request, budget_id))


@never_page_cached
@require_POST
def vote_code(request: HttpRequest, budget_id: int) -> HttpResponse:
    budget = _budget(request, budget_id)
    form = VotingCodeForm(request.POST, auto_id="id_code_%s")
    allowed = rate_limit_hit(
        scope=CODE_ATTEMPTS_PER_CLIENT.scope,
        key=address_rate_key(client_address(request)),
        limit=CODE_ATTEMPTS_PER_CLIENT.limit,
        window=CODE_ATTEMPTS_PER_CLIENT.window,
    )
    if not allowed:
        messages.error(request, str(THROTTLED_MESSAGE))
        return throttled(_start_page(request, budget))
    if form.is_valid():
        try:
            voter = services.voter_verify_code(budget=budget, code=form.cleaned_data["code"])
        except ValidationError as error:
            form_errors_add(form, ValidationError({"code": error.messages}))
        else:
            _voter_keep(request, voter, budget_id=budget.pk)
            return redirect(_next_url(budget, voter))
    return _start_page(request, budget, code_form=form)


@never_page_cached
@require_POST
def vote_census(request: HttpRequest, budget_id: int) -> HttpResponse:
    budget = _budget(request, budget_id)
    user = request_user(request)
    if user is None:
        start = reverse("participation:vote_start", args=[budget.pk])
        return redirect(f"{reverse('accounts:login')}?next={start}")
    form = CensusVoterForm(request.POST, auto_id="id_census_%s")
    allowed = rate_limit_hit(
        scope=CNP_ATTEMPTS_PER_ACCOUNT.scope,
        key=str(user.pk),
        limit=CNP_ATTEMPTS_PER_ACCOUNT.limit,
        window=CNP_ATTEMPTS_PER_ACCOUNT.window,
    )
    if not allowed:
        messages.error(request, str(THROTTLED_MESSAGE))
        return throttled(_start_page(request, budget))
    if form.is_valid():
        try:
            voter = services.voter_verify_census(
                budget=budget, user=user, cnp=form.cleaned_data["cnp"]
            )
        except ValidationError as error:
            form_errors_add(form, ValidationError({"cnp": error.messages}))
        else:
            _voter_keep(request, voter, budget_id=budget.pk)
            return redirect(_next_url(budget, voter))
    return _start_page(request, budget, census_form=form)


@never_page_cached
@require_http_methods(["GET", "HEAD"])
def vote_zone(request: HttpRequest, budget_id: int) -> HttpResponse:
    budget = _budget(request, budget_id)
    voter = _voter(request, budget)
    if voter is None:
        return redirect("participation:vote_start", budget_id=budget.pk)
    if voter.budget_zone_id is not None:
        return redirect(
            "participation:vote_ballot", budget_id=budget.pk, zone_id=voter.budget_zone_id
        )
    return render(
        request,
        "participation/voting/zones.html",
        {"budget": budget, "zones": selectors.voting_zone_list(budget=budget), "voter": voter},
    )


def _ballot_page(
    request: HttpRequest,
    *,
    budget: Budget,
    budget_zone: BudgetZone,
    form: BallotForm,
    projects: list[Any],
    voter: Voter,
    status: int = 200,
) -> HttpResponse:
    existing = selectors.voter_ballot(budget=budget, voter_key=voter.key)
    return render(
        request,
        "participation/voting/ballot.html",
        {
            "budget": budget,
            "budget_zone": budget_zone,
            "form": form,
            "projects": projects,
            "voter": voter,
            "existing": existing,
            "state": _voting_state(budget),
            "chosen": {str(value) for value in (form["projects"].value() or [])},
            "may_choose_zone": voter.budget_zone_id is None
            and BudgetZone.objects.filter(budget=budget).count() > 1,
        },
        status=status,
    )


@never_page_cached
@require_http_methods(["GET", "HEAD", "POST"])
def vote_ballot(request: HttpRequest, budget_id: int, zone_id: int) -> HttpResponse:
    budget = _budget(request, budget_id)
    voter = _voter(request, budget)
    if voter is None:
        return redirect("participation:vote_start", budget_id=budget.pk)
    budget_zone = get_object_or_404(
        BudgetZone.objects.select_related("zone"), budget=budget, pk=zone_id
    )
    if voter.budget_zone_id is not None and voter.budget_zone_id != budget_zone.pk:
        return redirect(
            "participation:vote_ballot", budget_id=budget.pk, zone_id=voter.budget_zone_id
        )
    projects = selectors.ballot_project_list(budget_zone=budget_zone)
    if request.method != "POST":
        existing = selectors.voter_ballot(budget=budget, voter_key=voter.key)
        initial = (
            {"projects": sorted(existing.project_ids)}
            if existing is not None and existing.ballot.budget_zone_id == budget_zone.pk
            else {}
        )
        form = BallotForm(initial=initial, projects=projects)
        return _ballot_page(
            request,
            budget=budget,
            budget_zone=budget_zone,
            form=form,
            projects=projects,
            voter=voter,
        )
    form = BallotForm(request.POST, projects=projects)
    if form.is_valid():
        try:
            result = services.ballot_cast(
                budget=budget,
                voter=voter,
                budget_zone=budget_zone,
                project_ids=form.cleaned_data["projects"],
                user=request_user(request),
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            # The voter may change this ballot from this session until voting closes.
            _voter_keep(
                request,
                Voter(**{**voter.__dict__, "may_change": True}),
                budget_id=budget.pk,
            )
            receipts = dict(request.session.get(SESSION_RECEIPTS, {}))
            previous = receipts.get(str(budget.pk), {})
            change_url = (
                request.build_absolute_uri(
                    reverse("participation:vote_change", args=[budget.pk, result.change_token])
                )
                if result.change_token
                else previous.get("change_url")
            )
            receipts[str(budget.pk)] = {
                "receipt": result.ballot.receipt,
                "change_url": change_url if result.ballot.method == VotingMethod.CODE else None,
                "is_change": result.is_change,
            }
            request.session[SESSION_RECEIPTS] = receipts
            return redirect("participation:vote_receipt", budget_id=budget.pk)
    return _ballot_page(
        request, budget=budget, budget_zone=budget_zone, form=form, projects=projects, voter=voter
    )


@never_page_cached
@require_http_methods(["GET", "HEAD"])
def vote_receipt(request: HttpRequest, budget_id: int) -> HttpResponse:
    budget = _budget(request, budget_id)
    voter = _voter(request, budget)
    stored = request.session.get(SESSION_RECEIPTS, {}).get(str(budget.pk))
    if voter is None or not stored:
        return redirect("participation:vote_start", budget_id=budget.pk)
    existing = selectors.voter_ballot(budget=budget, voter_key=voter.key)
    if existing is None or existing.ballot.receipt != stored.get("receipt"):
        return redirect("participation:vote_start", budget_id=budget.pk)
    projects = [
        project
        for project in selectors.ballot_project_list(budget_zone=existing.ballot.budget_zone)
        if project.pk in existing.project_ids
    ]
    return render(
        request,
        "participation/voting/receipt.html",
        {
            "budget": budget,
            "ballot": existing.ballot,
            "receipt": services.receipt_display(existing.ballot.receipt),
            "change_url": stored.get("change_url"),
            "is_change": stored.get("is_change", False),
            "projects": projects,
            "total": sum((project.cost for project in projects), Decimal(0)),
            "is_census": existing.ballot.method == VotingMethod.CENSUS,
        },
    )


@never_page_cached
@require_http_methods(["GET", "HEAD"])
def vote_change(request: HttpRequest, budget_id: int, token: str) -> HttpResponse:
    budget = _budget(request, budget_id)
    voter = services.voter_of_change_token(budget=budget, token=token)
    if voter is None:
        return render(
            request, "participation/voting/change_invalid.html", {"budget": budget}, status=404
        )
    _voter_keep(request, voter, budget_id=budget.pk)
    existing = selectors.voter_ballot(budget=budget, voter_key=voter.key)
    receipts = dict(request.session.get(SESSION_RECEIPTS, {}))
    receipts[str(budget.pk)] = {
        "receipt": existing.ballot.receipt if existing is not None else "",
        "change_url": request.build_absolute_uri(request.path),
        "is_change": True,
    }
    request.session[SESSION_RECEIPTS] = receipts
    return redirect(_next_url(budget, voter))


@never_page_cached
@require_POST
def vote_leave(request: HttpRequest, budget_id: int) -> HttpResponse:
    budget = _budget(request, budget_id)
    _voter_keep(request, None, budget_id=budget.pk)
    receipts = dict(request.session.get(SESSION_RECEIPTS, {}))
    receipts.pop(str(budget.pk), None)
    request.session[SESSION_RECEIPTS] = receipts
    return redirect("participation:vote_start", budget_id=budget.pk)


@never_page_cached
def vote_receipt_check(request: HttpRequest, budget_id: int) -> HttpResponse:
    budget = _budget(request, budget_id)
    if request.method not in {"GET", "HEAD", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    status = None
    checked = False
    if request.method == "POST":
        form = ReceiptCheckForm(request.POST)
        if form.is_valid():
            checked = True
            status = selectors.receipt_status(budget=budget, receipt=form.cleaned_data["receipt"])
    else:
        form = ReceiptCheckForm()
    return render(
        request,
        "participation/voting/receipt_check.html",
        {"budget": budget, "form": form, "checked": checked, "status": status},
    )
