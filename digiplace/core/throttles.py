"""Throttles of the forms that send mail or write for people who need no account.

Each form is limited per client (its address, read by ``client_address``) and per target
(the email address a mail goes to, or the report a flag is about), so that neither one
machine nor many machines aiming at one person can flood it. The counters are core's
fixed-window rows (``rate_limit_hit``); a refused hit is counted too.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from .http import address_rate_key, client_address
from .ratelimit import rate_limit_hit

THROTTLE_WINDOW = datetime.timedelta(hours=1)
THROTTLED_STATUS = 429
THROTTLED_MESSAGE = _(
    "This form was sent too many times from your connection or for this address. "
    "Please wait an hour and try again."
)


@dataclass(frozen=True)
class Throttle:
    """At most ``limit`` submissions of one form per key in ``window``."""

    scope: str
    limit: int
    window: datetime.timedelta = THROTTLE_WINDOW


# Password reset: each sends a mail to the address (if it has an account).
PASSWORD_RESET_PER_ADDRESS = Throttle("password-reset:address", limit=3)
PASSWORD_RESET_PER_CLIENT = Throttle("password-reset:client", limit=10)
# Registration: each creates an account and mails its confirmation link (every attempt
# counts, valid or not, so a few typos are allowed for).
REGISTRATION_PER_ADDRESS = Throttle("registration:address", limit=5)
REGISTRATION_PER_CLIENT = Throttle("registration:client", limit=10)
# "Me too": each may mail a confirmation link to the address.
SUPPORT_PER_ADDRESS = Throttle("support:address", limit=5)
SUPPORT_PER_CLIENT = Throttle("support:client", limit=20)
# Abuse flags: each writes a flag that moderators read.
ABUSE_FLAG_PER_REPORT = Throttle("abuse-flag:report", limit=30)
ABUSE_FLAG_PER_CLIENT = Throttle("abuse-flag:client", limit=10)
# Joining a plan's working group: each writes a request that city staff read and answer.
WORKING_GROUP_JOIN_PER_ADDRESS = Throttle("working-group-join:address", limit=5)
WORKING_GROUP_JOIN_PER_CLIENT = Throttle("working-group-join:client", limit=20)


@dataclass(frozen=True)
class ThrottleCount:
    """Whether a submission is within the per-client and the per-target limit."""

    client_allowed: bool
    target_allowed: bool

    @property
    def allowed(self) -> bool:
        return self.client_allowed and self.target_allowed


def throttles_count(
    request: HttpRequest, *, per_client: Throttle, per_target: Throttle, target: str
) -> ThrottleCount:
    """Count this submission for the request's client and for ``target``. Both are counted,
    whatever the first one answered."""
    client = address_rate_key(client_address(request))
    client_allowed = rate_limit_hit(
        scope=per_client.scope, key=client, limit=per_client.limit, window=per_client.window
    )
    target_allowed = rate_limit_hit(
        scope=per_target.scope,
        key=target.strip().lower(),
        limit=per_target.limit,
        window=per_target.window,
    )
    return ThrottleCount(client_allowed=client_allowed, target_allowed=target_allowed)


def throttles_allow(
    request: HttpRequest, *, per_client: Throttle, per_target: Throttle, target: str
) -> bool:
    """Count this submission (``throttles_count``); False when either limit is passed."""
    return throttles_count(
        request, per_client=per_client, per_target=per_target, target=target
    ).allowed


def throttled(response: HttpResponse) -> HttpResponse:
    """Turn a page that shows ``THROTTLED_MESSAGE`` into a 429 with ``Retry-After``."""
    response.status_code = THROTTLED_STATUS
    response["Retry-After"] = str(int(THROTTLE_WINDOW.total_seconds()))
    return response
