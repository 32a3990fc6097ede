"""Public pages of the proposals component: the list with its map, a proposal's page
(support, threaded comments, flags, the city's answer and what it became), a new proposal.

Everything is looked up in the host's municipality; hidden proposals answer 404 and hidden
comments never show; authors are named by first name and initial, never by email.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digiplace.core import links
from digiplace.core.http import address_rate_key, client_address
from digiplace.core.photos import MAX_PHOTO_BYTES
from digiplace.core.throttles import throttled
from digiplace.core.uploads import upload_limit, uploads_skipped
from digiplace.core.views.helpers import form_errors_add, request_municipality, request_user

from ..forms.proposals import CommentForm, FlagForm, ProposalFilterForm, ProposalForm
from ..models import FlagTarget, Proposal, ProposalComment, ProposalStatus
from ..selectors import proposals as selectors
from ..services import proposals as services

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

PROPOSALS_PER_PAGE = 20


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.history_restore_request)


def _detail_url(proposal: Proposal) -> str:
    return reverse("participation:proposal_detail", kwargs={"pk": proposal.pk})


def _public_proposal(request: HttpRequest, pk: int) -> Proposal:
    proposal = selectors.proposal_public_get(municipality=request_municipality(request), pk=pk)
    if proposal is None:
        raise Http404
    return proposal


# The list


def _filter_form(request: HttpRequest, municipality: Municipality) -> ProposalFilterForm:
    return ProposalFilterForm(
        request.GET or None,
        processes=selectors.proposal_processes(municipality=municipality),
        categories=selectors.proposal_categories(municipality=municipality),
    )


def _map_features(
    points: list[tuple[int, str, float, float]],
) -> dict[str, Any] | None:
    if not points:
        return None
    url_pattern = reverse("participation:proposal_detail", kwargs={"pk": 0}).replace("/0/", "/{}/")
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
                "properties": {"title": title, "url": url_pattern.format(pk)},
            }
            for pk, title, latitude, longitude in points
        ],
    }


@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    form = _filter_form(request, municipality)
    is_valid = not form.is_bound or form.is_valid()
    filters = form.search_filters()
    page = Paginator(
        selectors.proposal_search(municipality=municipality, filters=filters), PROPOSALS_PER_PAGE
    ).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "proposals": page.object_list,
        "features": _map_features(
            selectors.proposal_map_points(municipality=municipality, filters=filters)
        ),
        "open_processes": selectors.proposal_processes_open(municipality=municipality),
    }
    status = 200 if is_valid else 400
    if _is_htmx(request):
        response = render(request, "participation/proposals/_results.html", context, status=status)
        if not is_valid:
            # htmx swaps no 4xx answer: load the whole page, which shows the form's errors.
            response["HX-Redirect"] = request.get_full_path()
    else:
        response = render(
            request, "participation/proposals/proposal_list.html", context, status=status
        )
    patch_vary_headers(response, ("HX-Request",))
    return response


# A proposal's page


def _became(municipality: Municipality, proposal: Proposal) -> dict[str, str] | None:
    """What the accepted proposal became: a plan project or a budgeting project (its title,
    and its page when one exists)."""
    if proposal.plan_project_ref:
        target = links.target_resolve(municipality=municipality, ref=proposal.plan_project_ref)
        if target is not None:
            return {"kind": "plan", "title": target.title, "url": target.url}
    project = proposal.budget_project
    if project is not None:
        try:
            url = reverse(
                "participation:budget_project_detail",
                kwargs={"pk": project.budget_zone.budget_id, "project_pk": project.pk},
            )
        except NoReverseMatch:
            url = ""
        return {"kind": "budget", "title": f"{project.code} {project.title}", "url": url}
    return None


def _detail_page(
    request: HttpRequest,
    proposal: Proposal,
    *,
    comment_form: CommentForm | None = None,
    flag_form: FlagForm | None = None,
    flag_comment_id: int | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    municipality = request_municipality(request)
    user = request_user(request)
    feature = None
    if proposal.latitude is not None and proposal.longitude is not None:
        feature = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [proposal.longitude, proposal.latitude],
                    },
                    "properties": {"title": proposal.title},
                }
            ],
        }
    context = {
        "proposal": proposal,
        "author": selectors.author_label(proposal.author),
        "feature": feature,
        "threads": selectors.comment_threads(proposal=proposal),
        "is_supported": selectors.proposal_supported_by(proposal=proposal, user=user),
        "can_support": proposal.status not in services.CLOSED_TO_SUPPORT,
        "is_participant": user is not None and user.email_confirmed_at is not None,
        "comment_form": comment_form or CommentForm(),
        "proposal_flag_form": flag_form if flag_form and not flag_comment_id else FlagForm(),
        "comment_flag_form": flag_form if flag_form and flag_comment_id else None,
        "flag_comment_id": flag_comment_id,
        "flag_form_bound": flag_form is not None,
        "became": _became(municipality, proposal),
        "is_rejected": proposal.status == ProposalStatus.REJECTED,
        "action_errors": errors or [],
    }
    return render(request, "participation/proposals/proposal_detail.html", context, status=status)


@require_GET
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _public_proposal(request, pk))


def _refused(response: HttpResponse, error: ValidationError) -> HttpResponse:
    """The page showing a service's refusal: 429 past a rate limit, 403 for an account
    that may not act yet, else 400."""
    if services.is_rate_limited(error):
        return throttled(response)
    codes = {item.code for items in getattr(error, "error_dict", {}).values() for item in items}
    response.status_code = 403 if "email_unconfirmed" in codes else 400
    return response


def _login_first(request: HttpRequest, proposal: Proposal | None = None) -> HttpResponse:
    next_url = _detail_url(proposal) if proposal is not None else request.get_full_path()
    return redirect_to_login(next_url)


@require_POST
def proposal_support(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _public_proposal(request, pk)
    user = request_user(request)
    if user is None:
        return _login_first(request, proposal)
    withdraw = request.POST.get("action") == "withdraw"
    try:
        if withdraw:
            changed = services.proposal_support_withdraw(proposal=proposal, user=user)
        else:
            changed = services.proposal_support(proposal=proposal, user=user)
    except ValidationError as error:
        return _refused(_detail_page(request, proposal, errors=error.messages), error)
    if withdraw:
        text = _("Your support was withdrawn.") if changed else _("You did not support it.")
    else:
        text = _("Thank you for your support.") if changed else _("You support it already.")
    messages.success(request, text)
    return HttpResponseRedirect(_detail_url(proposal) + "#support")


def _client_key(request: HttpRequest) -> str:
    return address_rate_key(client_address(request))


@require_POST
def proposal_comment(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _public_proposal(request, pk)
    user = request_user(request)
    if user is None:
        return _login_first(request, proposal)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent: ProposalComment | None = None
        parent_id = form.cleaned_data.get("parent")
        try:
            services.participant_check(user=user)
            if parent_id:
                parent = selectors.comment_public_get(proposal=proposal, pk=parent_id)
                if parent is None:
                    raise ValidationError(
                        {"parent": [_("The comment you answer is not on this proposal.")]}
                    )
            services.proposal_rate_limit_count(
                limit=services.COMMENT_LIMIT, user=user, address_key=_client_key(request)
            )
            comment = services.proposal_comment_create(
                proposal=proposal, author=user, body=form.cleaned_data["body"], parent=parent
            )
        except ValidationError as error:
            form_errors_add(form, error)
            return _refused(_detail_page(request, proposal, comment_form=form), error)
        messages.success(request, _("Your comment was published."))
        return HttpResponseRedirect(f"{_detail_url(proposal)}#comment-{comment.pk}")
    return _detail_page(request, proposal, comment_form=form, status=400)


def _flag(request: HttpRequest, proposal: Proposal, *, target: str, target_id: int) -> HttpResponse:
    user = request_user(request)
    if user is None:
        return _login_first(request, proposal)
    comment_id = target_id if target == FlagTarget.COMMENT else None
    form = FlagForm(request.POST, auto_id="id_comment_flag_%s" if comment_id else "id_%s")
    if form.is_valid():
        try:
            services.participant_check(user=user)
            services.proposal_rate_limit_count(
                limit=services.FLAG_LIMIT, user=user, address_key=_client_key(request)
            )
            services.content_flag_create(
                municipality=proposal.municipality,
                target=target,
                target_id=target_id,
                reason=form.cleaned_data["reason"],
                user=user,
            )
        except ValidationError as error:
            form_errors_add(form, error)
            page = _detail_page(request, proposal, flag_form=form, flag_comment_id=comment_id)
            return _refused(page, error)
        messages.success(request, _("Thank you. A moderator will look at it."))
        return HttpResponseRedirect(_detail_url(proposal))
    return _detail_page(request, proposal, flag_form=form, flag_comment_id=comment_id, status=400)


@require_POST
def proposal_flag(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _public_proposal(request, pk)
    return _flag(request, proposal, target=FlagTarget.PROPOSAL, target_id=proposal.pk)


@require_POST
def proposal_comment_flag(request: HttpRequest, pk: int, comment_id: int) -> HttpResponse:
    proposal = _public_proposal(request, pk)
    comment = selectors.comment_public_get(proposal=proposal, pk=comment_id)
    if comment is None:
        raise Http404
    return _flag(request, proposal, target=FlagTarget.COMMENT, target_id=comment.pk)


# A new proposal


def _new_form(
    request: HttpRequest, municipality: Municipality, processes: list[Any], data: Any = None
) -> ProposalForm:
    initial = None
    chosen = request.GET.get("process", "")
    if data is None and chosen:
        initial = {"process": chosen}
    return ProposalForm(
        data,
        request.FILES if data is not None else None,
        initial=initial,
        processes=processes,
        categories=selectors.proposal_categories(municipality=municipality),
    )


def _new_page(
    request: HttpRequest,
    municipality: Municipality,
    form: ProposalForm | None,
    *,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "bounds": municipality.bounds, "refusal": refusal}
    return render(request, "participation/proposals/proposal_new.html", context, status=status)


def _new_errors_add(form: ProposalForm, errors: dict[str, list[str]]) -> None:
    for field, field_errors in errors.items():
        for message in field_errors:
            form.add_error(field if field in form.fields else None, message)


@require_http_methods(["GET", "POST"])
@upload_limit(MAX_PHOTO_BYTES)
def proposal_new(request: HttpRequest) -> HttpResponse:
    municipality = request_municipality(request)
    user = request_user(request)
    if user is None:
        return _login_first(request)
    processes = selectors.proposal_processes_open(municipality=municipality)
    try:
        services.participant_check(user=user)
    except ValidationError as error:
        return _new_page(request, municipality, None, refusal=error.messages[0], status=403)
    if not processes:
        return _new_page(
            request,
            municipality,
            None,
            refusal=_("No process takes proposals now. Come back when one opens."),
            status=403 if request.method == "POST" else 200,
        )
    if request.method != "POST":
        return _new_page(request, municipality, _new_form(request, municipality, processes))
    form = _new_form(request, municipality, processes, request.POST)
    is_valid = form.is_valid()
    for name in uploads_skipped(request):
        form.add_error(
            "photo",
            _("The photo “%(name)s” is too large; the limit is %(limit)s.")
            % {"name": name, "limit": filesizeformat(MAX_PHOTO_BYTES)},
        )
        is_valid = False
    data = form.cleaned_data
    arguments: dict[str, Any] = {
        "municipality": municipality,
        "process": form.chosen_process(),
        "title": data.get("title", ""),
        "body": data.get("body", ""),
        "category": form.chosen_category(),
        "latitude": data.get("latitude"),
        "longitude": data.get("longitude"),
    }
    # Every problem at once, the service's checks of the values too; nothing is counted
    # against the rate limits for a form with mistakes.
    input_errors = {
        field: messages_
        for field, messages_ in services.proposal_input_errors(**arguments).items()
        if field not in form.errors
    }
    if input_errors or not is_valid:
        _new_errors_add(form, input_errors)
        return _new_page(request, municipality, form, status=400)
    try:
        services.proposal_rate_limit_count(
            limit=services.PROPOSAL_LIMIT, user=user, address_key=_client_key(request)
        )
        proposal = services.proposal_create(**arguments, author=user, photo=data.get("photo"))
    except ValidationError as error:
        form_errors_add(form, error)
        return _refused(_new_page(request, municipality, form), error)
    messages.success(request, _("Thank you. Your proposal is published."))
    return HttpResponseRedirect(_detail_url(proposal))
