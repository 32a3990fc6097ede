"""Writes of residents in the proposals component: a new proposal, a support (once per
account, withdrawn at will), a comment or a reply, a flag (once per account and item).

Only an active account with a confirmed email acts. Every refusal is a ValidationError
with a message in the active language, raised before anything is written; the rate
limits (per account and per client address) are counted by ``proposal_rate_limit_count``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digiplace.core.models import Municipality, User
from digiplace.core.photos import photo_clean
from digiplace.core.ratelimit import rate_limit_hit

from ..models import (
    ContentFlag,
    FlagTarget,
    ForumQuestion,
    Process,
    Proposal,
    ProposalCategory,
    ProposalComment,
    ProposalStatus,
    ProposalSupport,
)

RATE_LIMIT_WINDOW = datetime.timedelta(hours=1)
MAX_TITLE_LENGTH = 200
MAX_BODY_LENGTH = 5000
MAX_COMMENT_LENGTH = 3000
MAX_REASON_LENGTH = 500
# Statuses in which a proposal takes no more supports.
CLOSED_TO_SUPPORT = (ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN)


@dataclass(frozen=True)
class RateLimit:
    """At most ``per_account`` actions per account and ``per_address`` per client address
    in an hour, with the message a person is shown once past either."""

    scope: str
    per_account: int
    per_address: int
    message: str | Promise


PROPOSAL_LIMIT = RateLimit(
    "participation.proposal",
    per_account=5,
    per_address=10,
    message=gettext_lazy(
        "You have sent many proposals in the last hour. Please wait an hour before sending "
        "another; nothing was saved."
    ),
)
COMMENT_LIMIT = RateLimit(
    "participation.comment",
    per_account=20,
    per_address=40,
    message=gettext_lazy(
        "You have written many comments in the last hour. Please wait a while before "
        "writing another; nothing was saved."
    ),
)
FLAG_LIMIT = RateLimit(
    "participation.flag",
    per_account=10,
    per_address=20,
    message=gettext_lazy(
        "You have flagged many items in the last hour. Please wait a while before flagging "
        "another; nothing was saved."
    ),
)


def _error(
    message: str, *, field: str = NON_FIELD_ERRORS, code: str = "invalid"
) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def proposal_rate_limit_count(*, limit: RateLimit, user: User, address_key: str) -> None:
    """Count one attempt of ``user`` from the client ``address_key`` (core.http's
    ``address_rate_key``); raise ValidationError (code ``rate_limited``) once either is
    past its limit. Both counters move, whatever the first answered."""
    account_allowed = rate_limit_hit(
        scope=f"{limit.scope}:account",
        key=str(user.pk),
        limit=limit.per_account,
        window=RATE_LIMIT_WINDOW,
    )
    address_allowed = rate_limit_hit(
        scope=f"{limit.scope}:address",
        key=address_key,
        limit=limit.per_address,
        window=RATE_LIMIT_WINDOW,
    )
    if not (account_allowed and address_allowed):
        raise _error(str(limit.message), code="rate_limited")


def is_rate_limited(error: ValidationError) -> bool:
    errors = getattr(error, "error_dict", {}).values()
    return any(item.code == "rate_limited" for items in errors for item in items)


def participant_check(*, user: User | None) -> User:
    """The account may act: signed in, active, its email confirmed."""
    if user is None or not user.is_active:
        raise _error(_("Log in to take part."), code="login_required")
    if user.email_confirmed_at is None:
        raise _error(
            _(
                "Confirm your email address first: open the link we sent you when you "
                "registered. Until then you can read, but not take part."
            ),
            code="email_unconfirmed",
        )
    return user


# A new proposal


def proposal_input_errors(
    *,
    municipality: Municipality,
    process: Process | None,
    title: str,
    body: str,
    category: ProposalCategory | None,
    latitude: float | None,
    longitude: float | None,
) -> dict[str, list[str]]:
    """Every problem of a new proposal's values at once, by field (empty when none)."""
    errors: dict[str, list[str]] = {}
    if process is None or process.municipality_id != municipality.pk:
        errors.setdefault("process", []).append(_("Choose the process of your proposal."))
    elif not process.proposals_open():
        errors.setdefault("process", []).append(_("This process does not take proposals now."))
    if not title.strip():
        errors.setdefault("title", []).append(_("Give your proposal a title."))
    elif len(title.strip()) > MAX_TITLE_LENGTH:
        errors.setdefault("title", []).append(
            _("Use at most %(limit)d characters.") % {"limit": MAX_TITLE_LENGTH}
        )
    if not body.strip():
        errors.setdefault("body", []).append(_("Describe your proposal."))
    elif len(body.strip()) > MAX_BODY_LENGTH:
        errors.setdefault("body", []).append(
            _("Use at most %(limit)d characters.") % {"limit": MAX_BODY_LENGTH}
        )
    if category is not None and category.municipality_id != municipality.pk:
        errors.setdefault("category", []).append(_("Choose one of the categories offered."))
    if (latitude is None) != (longitude is None):
        errors.setdefault("latitude", []).append(
            _("Give both the latitude and the longitude, or neither.")
        )
    elif (
        latitude is not None
        and longitude is not None
        and not municipality.contains_point(latitude, longitude)
    ):
        errors.setdefault("latitude", []).append(
            _("This place is outside %(city)s. Choose a place in the city.")
            % {"city": municipality.name}
        )
    return errors


def proposal_create(
    *,
    municipality: Municipality,
    process: Process | None,
    author: User | None,
    title: str,
    body: str,
    category: ProposalCategory | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    photo: IO[bytes] | Any | None = None,
) -> Proposal:
    """A resident's new proposal in a process that takes proposals now; the photo is
    re-encoded without its metadata (GPS position, camera). Raises ValidationError with
    every problem by field; nothing is written then."""
    user = participant_check(user=author)
    errors = proposal_input_errors(
        municipality=municipality,
        process=process,
        title=title,
        body=body,
        category=category,
        latitude=latitude,
        longitude=longitude,
    )
    clean = None
    if photo is not None and not errors:
        try:
            clean = photo_clean(photo)
        except ValidationError as error:
            errors.setdefault("photo", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    assert process is not None  # proposal_input_errors refuses a missing one
    proposal = Proposal(
        municipality=municipality,
        process=process,
        author=user,
        title=title.strip(),
        body=body.strip(),
        category=category,
        latitude=latitude,
        longitude=longitude,
    )
    with transaction.atomic():
        if clean is not None:
            proposal.photo.save(str(clean.file.name), clean.file, save=False)
        proposal.save()
    return proposal


# Supports


def proposal_support(*, proposal: Proposal, user: User | None) -> bool:
    """Support the proposal once; False when this account supports it already."""
    person = participant_check(user=user)
    if proposal.status in CLOSED_TO_SUPPORT:
        raise _error(_("This proposal takes no more supports."), code="closed")
    try:
        with transaction.atomic():
            ProposalSupport.objects.create(
                municipality_id=proposal.municipality_id, proposal=proposal, user=person
            )
            Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
    except IntegrityError:
        return False
    return True


def proposal_support_withdraw(*, proposal: Proposal, user: User | None) -> bool:
    """Withdraw the account's support; False when it gave none."""
    person = participant_check(user=user)
    with transaction.atomic():
        deleted, _count = ProposalSupport.objects.filter(proposal=proposal, user=person).delete()
        if deleted:
            Proposal.objects.filter(pk=proposal.pk, support_count__gt=0).update(
                support_count=F("support_count") - 1
            )
    return bool(deleted)


# Comments


def proposal_comment_create(
    *,
    proposal: Proposal,
    author: User | None,
    body: str,
    parent: ProposalComment | None = None,
) -> ProposalComment:
    """A comment on the proposal, or a reply to one of its visible comments."""
    user = participant_check(user=author)
    text = (body or "").strip()
    if not text:
        raise _error(_("Write your comment."), field="body", code="required")
    if len(text) > MAX_COMMENT_LENGTH:
        raise _error(
            _("Use at most %(limit)d characters.") % {"limit": MAX_COMMENT_LENGTH}, field="body"
        )
    if parent is not None and (parent.proposal_id != proposal.pk or parent.is_hidden):
        raise _error(_("The comment you answer is not on this proposal."), field="parent")
    return ProposalComment.objects.create(
        municipality_id=proposal.municipality_id,
        proposal=proposal,
        parent=parent,
        author=user,
        body=text,
    )


# Flags


def _flag_target_exists(*, municipality: Municipality, target: str, target_id: int) -> bool:
    if target == FlagTarget.PROPOSAL:
        return Proposal.objects.filter(
            municipality=municipality, pk=target_id, is_hidden=False
        ).exists()
    if target == FlagTarget.COMMENT:
        return ProposalComment.objects.filter(
            municipality=municipality, pk=target_id, is_hidden=False, proposal__is_hidden=False
        ).exists()
    if target == FlagTarget.QUESTION:
        return (
            ForumQuestion.objects.filter(municipality=municipality, pk=target_id)
            .exclude(status="hidden")
            .exists()
        )
    return False


def content_flag_create(
    *, municipality: Municipality, target: str, target_id: int, reason: str, user: User | None
) -> ContentFlag:
    """A resident flags a proposal, a comment or a forum question for the moderators,
    once per item. Raises ValidationError (code ``flagged_already`` the second time)."""
    person = participant_check(user=user)
    text = (reason or "").strip()
    if not text:
        raise _error(_("Say what is wrong with it."), field="reason", code="required")
    if len(text) > MAX_REASON_LENGTH:
        raise _error(
            _("Use at most %(limit)d characters.") % {"limit": MAX_REASON_LENGTH},
            field="reason",
        )
    if target not in FlagTarget.values or not _flag_target_exists(
        municipality=municipality, target=target, target_id=target_id
    ):
        raise _error(_("There is nothing to flag here."), code="not_found")
    already = _("You have flagged this already; a moderator will look at it.")
    if ContentFlag.objects.filter(target=target, target_id=target_id, flagged_by=person).exists():
        raise _error(already, code="flagged_already")
    try:
        with transaction.atomic():
            return ContentFlag.objects.create(
                municipality=municipality,
                target=target,
                target_id=target_id,
                reason=text,
                flagged_by=person,
            )
    except IntegrityError as error:  # the same person flagged it in another request
        raise _error(already, code="flagged_already") from error
