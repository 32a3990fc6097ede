"""Verified voting in participatory budgets: the census list, voting codes, ballots.

Nothing a voter types is kept in clear: a census list is stored as keyed digests of the
personal numeric codes (CNP), a voting code as its keyed digest, and a ballot names its
voter by one of those digests (``Ballot.voter_key``), so that the one-ballot-per-voter
constraint holds whichever account or browser the voter uses. The receipt is a random
public id; the change link of a code voter is a random token kept as a digest.

A verified voter is a :class:`Voter` (kept in the session by the views); every write here
checks it again inside a transaction that serialises on the voter, so that two casts at
the same moment cannot both count.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digiplace.core.models import User
from digiplace.core.ratelimit import serialise_on
from digiplace.participation.identifiers import (
    IdentifierError,
    census_key,
    cnp_digest,
    cnp_parse,
    voting_code_digest,
    voting_code_key,
)
from digiplace.participation.models import (
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    BudgetProjectStatus,
    BudgetZone,
    CensusEntry,
    VotingCode,
    VotingMethod,
)

# Receipts: 12 symbols of Crockford's base 32 (60 random bits), printed in groups of four.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 12
# Crockford's reading rules for what people type: O is 0, I and L are 1.
_RECEIPT_READING = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _identifier_secret() -> str:
    # A dedicated secret when the installation sets one: changing SECRET_KEY then keeps
    # the census list and the printed codes usable.
    secret: str = settings.PARTICIPATION_IDENTIFIER_SECRET or settings.SECRET_KEY
    return secret


def census_digest_key() -> bytes:
    return census_key(_identifier_secret())


def code_digest_key() -> bytes:
    return voting_code_key(_identifier_secret())


def _token_digest(token: str) -> str:
    # Change tokens carry 256 random bits: a plain hash is enough to keep them unusable.
    return hashlib.sha256(f"digiplace.participation.ballot-change:{token}".encode()).hexdigest()


def receipt_new() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def receipt_normalise(text: str) -> str:
    """A receipt as typed, made comparable: capitals, no spaces or dashes, O as 0, I/L as 1."""
    compact = "".join(text.split()).replace("-", "").upper()
    return compact.translate(_RECEIPT_READING)


def receipt_display(receipt: str) -> str:
    """``"7KQM2XWDHB9R"`` as printed: ``"7KQM-2XWD-HB9R"``."""
    return "-".join(receipt[start : start + 4] for start in range(0, len(receipt), 4))


# --- Voting window ---------------------------------------------------------------------------


def _moment_text(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def voting_window_check(*, budget: Budget, now: datetime.datetime | None = None) -> None:
    """ValidationError when voting is not open at ``now``."""
    now = now or timezone.now()
    if now < budget.voting_opens_at:
        raise ValidationError(
            _("Voting has not opened yet: it opens on %(moment)s.")
            % {"moment": _moment_text(budget.voting_opens_at)},
            code="voting_not_open",
        )
    if budget.voting_closed(now):
        raise ValidationError(
            _("Voting is closed: it closed on %(moment)s.")
            % {"moment": _moment_text(budget.voting_closes_at)},
            code="voting_closed",
        )


# --- Voters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Voter:
    """A voter verified for one budget: by a census digest or a code digest (``key``), the
    zone their census line or code is bound to (if any), and whether an existing ballot of
    theirs may be replaced (a census voter signed in, a code voter who came by the change
    link or cast it in this session)."""

    budget_id: int
    method: str
    key: str
    budget_zone_id: int | None = None
    may_change: bool = False
    user_id: int | None = None

    def as_session(self) -> dict[str, Any]:
        return {
            "budget": self.budget_id,
            "method": self.method,
            "key": self.key,
            "zone": self.budget_zone_id,
            "may_change": self.may_change,
            "user": self.user_id,
        }

    @classmethod
    def from_session(cls, data: Any, *, budget_id: int) -> Voter | None:
        if not isinstance(data, dict) or data.get("budget") != budget_id:
            return None
        try:
            return cls(
                budget_id=budget_id,
                method=str(data["method"]),
                key=str(data["key"]),
                budget_zone_id=int(data["zone"]) if data.get("zone") is not None else None,
                may_change=bool(data.get("may_change")),
                user_id=int(data["user"]) if data.get("user") is not None else None,
            )
        except (KeyError, TypeError, ValueError):
            return None


def voter_verify_code(*, budget: Budget, code: str, now: datetime.datetime | None = None) -> Voter:
    """The voter a printed code stands for, or ValidationError (mistyped, unknown, used)."""
    if not budget.code_voting:
        raise ValidationError(_("This vote does not use voting codes."), code="no_codes")
    voting_window_check(budget=budget, now=now)
    try:
        digest = voting_code_digest(code, key=code_digest_key())
    except IdentifierError as error:
        raise ValidationError(str(error), code=error.code) from None
    voting_code = VotingCode.objects.filter(budget=budget, digest=digest).first()
    if voting_code is None:
        raise ValidationError(
            _("This is not a voting code of this vote. Check it against the paper you received."),
            code="code_unknown",
        )
    if voting_code.used_at is not None:
        raise ValidationError(
            _(
                "This code has already been used to vote. To change that ballot, open the "
                "private change link shown on its receipt."
            ),
            code="code_used",
        )
    return Voter(
        budget_id=budget.pk,
        method=VotingMethod.CODE,
        key=digest,
        budget_zone_id=voting_code.budget_zone_id,
    )


def _email_confirmed(user: User) -> bool:
    return user.email_confirmed_at is not None


def voter_verify_census(
    *, budget: Budget, user: User, cnp: str, now: datetime.datetime | None = None
) -> Voter:
    """The census voter a signed-in person's CNP stands for, or ValidationError: an invalid
    CNP, too young on the day of the vote, not on the census list, or already used to vote
    from another account."""
    now = now or timezone.now()
    if not budget.census_voting:
        raise ValidationError(_("This vote does not use the census list."), code="no_census")
    if not _email_confirmed(user):
        raise ValidationError(
            _("Confirm your email address first: follow the link we sent you."),
            code="email_unconfirmed",
        )
    voting_window_check(budget=budget, now=now)
    today = timezone.localdate(now)
    try:
        parsed = cnp_parse(cnp, today=today)
    except IdentifierError as error:
        raise ValidationError(str(error), code=error.code) from None
    # A foreign resident's CNP (7, 8) does not give the century: its latest reading is
    # used, so a foreign resident over a hundred would read as a child (a code still works).
    if parsed.age_on(today) < budget.minimum_age:
        raise ValidationError(
            _("You must be at least %(age)s years old on the day you vote.")
            % {"age": budget.minimum_age},
            code="too_young",
        )
    digest = cnp_digest(parsed, key=census_digest_key())
    entry = CensusEntry.objects.filter(budget=budget, digest=digest).first()
    if entry is None:
        raise ValidationError(
            _(
                "This personal numeric code is not on the census list of this vote. If you "
                "live in the city, ask the town hall for a voting code."
            ),
            code="not_on_census",
        )
    _census_ballot_owner_check(budget=budget, key=digest, user=user)
    return Voter(
        budget_id=budget.pk,
        method=VotingMethod.CENSUS,
        key=digest,
        budget_zone_id=entry.budget_zone_id,
        may_change=True,
        user_id=user.pk,
    )


def _census_ballot_owner_check(*, budget: Budget, key: str, user: User) -> None:
    """One census ballot per CNP and per account: refuse a CNP another account voted with,
    and a second CNP in an account that already voted."""
    owners = list(
        Ballot.objects.filter(budget=budget, voter_key=key).values_list("user_id", flat=True)[:1]
    )
    if owners and owners[0] != user.pk:
        raise ValidationError(
            _("A ballot was already cast with this personal numeric code from another account."),
            code="census_used_elsewhere",
        )
    other = (
        Ballot.objects.filter(budget=budget, user=user, method=VotingMethod.CENSUS)
        .exclude(voter_key=key)
        .exists()
    )
    if other:
        raise ValidationError(
            _("This account has already voted in this budget with another personal numeric code."),
            code="account_used",
        )


def voter_of_account(*, budget: Budget, user: User) -> Voter | None:
    """A signed-in census voter coming back: their ballot makes them verified again."""
    ballot = (
        Ballot.objects.filter(budget=budget, user=user, method=VotingMethod.CENSUS)
        .only("voter_key")
        .first()
    )
    if ballot is None:
        return None
    entry = CensusEntry.objects.filter(budget=budget, digest=ballot.voter_key).first()
    return Voter(
        budget_id=budget.pk,
        method=VotingMethod.CENSUS,
        key=ballot.voter_key,
        budget_zone_id=entry.budget_zone_id if entry is not None else None,
        may_change=True,
        user_id=user.pk,
    )


def voter_of_change_token(*, budget: Budget, token: str) -> Voter | None:
    """The code voter a private change link stands for, or None for an unknown link."""
    if not token or len(token) > 100:
        return None
    ballot = (
        Ballot.objects.filter(
            budget=budget, method=VotingMethod.CODE, change_token_digest=_token_digest(token)
        )
        .only("voter_key")
        .first()
    )
    if ballot is None:
        return None
    code = VotingCode.objects.filter(budget=budget, digest=ballot.voter_key).first()
    return Voter(
        budget_id=budget.pk,
        method=VotingMethod.CODE,
        key=ballot.voter_key,
        budget_zone_id=code.budget_zone_id if code is not None else None,
        may_change=True,
    )


# --- Ballots ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CastResult:
    ballot: Ballot
    is_change: bool
    # The private change link's token, given once when a code voter's ballot is created.
    change_token: str | None = None


def _money(amount: Decimal, currency: str) -> str:
    return f"{formats.number_format(amount, 0, use_l10n=True, force_grouping=True)} {currency}"


def ballot_check(
    *, budget: Budget, budget_zone: BudgetZone, project_ids: Iterable[int]
) -> list[BudgetProject]:
    """The chosen projects, or ValidationError when the ballot breaks a rule: projects of
    this zone and eligible only, between the fewest and the most allowed, within the zone's
    amount."""
    if budget_zone.budget_id != budget.pk:
        raise ValidationError(_("This zone is not part of this budget."), code="zone_foreign")
    wanted = set(project_ids)
    projects = list(
        BudgetProject.objects.filter(
            pk__in=wanted, budget_zone=budget_zone, status=BudgetProjectStatus.ELIGIBLE
        ).order_by("code")
    )
    if len(projects) != len(wanted):
        raise ValidationError(
            _(
                "A project you chose is not on this zone's ballot (another zone's, or not "
                "eligible). Choose again from the list."
            ),
            code="project_foreign",
        )
    count = len(projects)
    if count < budget.min_projects:
        raise ValidationError(
            ngettext(
                "Choose at least %(count)s project.",
                "Choose at least %(count)s projects.",
                budget.min_projects,
            )
            % {"count": budget.min_projects},
            code="too_few",
        )
    if budget.max_projects is not None and count > budget.max_projects:
        raise ValidationError(
            ngettext(
                "Choose at most %(count)s project; you chose %(chosen)s.",
                "Choose at most %(count)s projects; you chose %(chosen)s.",
                budget.max_projects,
            )
            % {"count": budget.max_projects, "chosen": count},
            code="too_many",
        )
    total = sum((project.cost for project in projects), Decimal(0))
    if total > budget_zone.amount:
        raise ValidationError(
            _(
                "The projects you chose cost %(total)s in all, more than this zone's budget "
                "of %(amount)s. Leave out a project and try again."
            )
            % {
                "total": _money(total, budget_zone.currency),
                "amount": _money(budget_zone.amount, budget_zone.currency),
            },
            code="over_budget",
        )
    return projects


def _voter_still_valid(*, budget: Budget, voter: Voter, user: User | None) -> None:
    if voter.method == VotingMethod.CENSUS:
        if not budget.census_voting:
            raise ValidationError(_("This vote does not use the census list."), code="no_census")
        if user is None or user.pk != voter.user_id:
            raise ValidationError(
                _("Sign in with the account you verified with, then try again."),
                code="census_signed_out",
            )
        if not CensusEntry.objects.filter(budget=budget, digest=voter.key).exists():
            raise ValidationError(
                _("Your personal numeric code is no longer on the census list of this vote."),
                code="not_on_census",
            )
        _census_ballot_owner_check(budget=budget, key=voter.key, user=user)
    elif voter.method == VotingMethod.CODE:
        if (
            not budget.code_voting
            or not VotingCode.objects.filter(budget=budget, digest=voter.key).exists()
        ):
            raise ValidationError(
                _("This voting code is no longer valid for this vote."), code="code_unknown"
            )
    else:
        raise ValidationError(_("Verify yourself again to vote."), code="voter_unknown")


def _ballot_create(
    *,
    budget: Budget,
    voter: Voter,
    budget_zone: BudgetZone,
    user: User | None,
    now: datetime.datetime,
) -> tuple[Ballot, str | None]:
    change_token = secrets.token_urlsafe(32) if voter.method == VotingMethod.CODE else None
    for _attempt in range(5):
        receipt = receipt_new()
        if not Ballot.objects.filter(receipt=receipt).exists():
            break
    ballot = Ballot.objects.create(
        municipality_id=budget.municipality_id,
        budget=budget,
        budget_zone=budget_zone,
        voter_key=voter.key,
        method=voter.method,
        user=user if voter.method == VotingMethod.CENSUS else None,
        receipt=receipt,
        change_token_digest=_token_digest(change_token) if change_token else "",
        cast_at=now,
        updated_at=now,
    )
    return ballot, change_token


def ballot_cast(
    *,
    budget: Budget,
    voter: Voter,
    budget_zone: BudgetZone,
    project_ids: Iterable[int],
    user: User | None = None,
    now: datetime.datetime | None = None,
) -> CastResult:
    """Cast or change ``voter``'s ballot in ``budget_zone``; ValidationError, with nothing
    written, for a ballot that breaks a rule, a voter who already voted (a used code, a CNP
    voted with from another account), or a vote outside the voting window."""
    now = now or timezone.now()
    if voter.budget_id != budget.pk:
        raise ValidationError(_("Verify yourself again to vote."), code="voter_unknown")
    voting_window_check(budget=budget, now=now)
    if voter.budget_zone_id is not None and voter.budget_zone_id != budget_zone.pk:
        raise ValidationError(
            _("Your census line or voting code is for another zone: vote in that zone."),
            code="zone_forced",
        )
    projects = ballot_check(budget=budget, budget_zone=budget_zone, project_ids=project_ids)
    names = [f"participation:ballot:{budget.pk}:{voter.key}"]
    if voter.method == VotingMethod.CENSUS and voter.user_id is not None:
        names.append(f"participation:ballot-account:{budget.pk}:{voter.user_id}")
    try:
        with transaction.atomic():
            serialise_on(*names)
            _voter_still_valid(budget=budget, voter=voter, user=user)
            existing = (
                Ballot.objects.select_for_update()
                .filter(budget=budget, voter_key=voter.key)
                .first()
            )
            change_token: str | None = None
            if existing is not None:
                if not voter.may_change:
                    raise ValidationError(
                        _(
                            "This code has already been used to vote. To change that ballot, "
                            "open the private change link shown on its receipt."
                        ),
                        code="code_used",
                    )
                ballot = existing
                ballot.budget_zone = budget_zone
                ballot.updated_at = now
                ballot.save(update_fields=["budget_zone", "updated_at"])
                BallotChoice.objects.filter(ballot=ballot).delete()
            else:
                if voter.method == VotingMethod.CODE:
                    marked = VotingCode.objects.filter(
                        budget=budget, digest=voter.key, used_at__isnull=True
                    ).update(used_at=now)
                    if marked != 1:
                        raise ValidationError(
                            _(
                                "This code has already been used to vote. To change that "
                                "ballot, open the private change link shown on its receipt."
                            ),
                            code="code_used",
                        )
                ballot, change_token = _ballot_create(
                    budget=budget, voter=voter, budget_zone=budget_zone, user=user, now=now
                )
            BallotChoice.objects.bulk_create(
                BallotChoice(municipality_id=budget.municipality_id, ballot=ballot, project=project)
                for project in projects
            )
    except IntegrityError:
        # The unique voter constraint caught a cast that the lock did not (another
        # database's isolation): the other one counted.
        raise ValidationError(
            _("A ballot was already cast for this voter."), code="already_voted"
        ) from None
    return CastResult(ballot=ballot, is_change=existing is not None, change_token=change_token)
