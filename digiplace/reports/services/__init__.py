"""Writes of the reports module (signatures agreed between the web, staff and Open311 parts).

Every function validates first and raises django.core.exceptions.ValidationError with a
dict of field → messages (in the active language) before writing anything; writes happen
in one transaction; notifications go out after commit.

Error keys of ``report_create``: ``category``, ``location``, ``description``, ``address``,
``attribute[<code>]`` (one per question, as Open311 names the parameter), ``photos``,
``reporter_name``, ``reporter_email``, ``reporter_phone``, ``device_id`` and ``__all__``
(rate limits).
"""

from __future__ import annotations

from digiplace.core.photos import MAX_PHOTO_BYTES

from ..selectors import DUPLICATE_RADIUS_METRES
from .attributes import attributes_clean
from .constants import (
    EDIT_WINDOW,
    MAX_DESCRIPTION_LENGTH,
    MAX_PHOTOS,
    MAX_REPORTS_PER_ADDRESS,
    MAX_REPORTS_PER_PERSON,
    RATE_LIMIT_WINDOW,
)
from .creation import (
    report_create,
    report_edit_description,
    report_flag_abuse,
    report_follow_link_renew,
    report_input_errors,
    report_support,
    report_support_confirm,
    report_support_later,
    report_support_withdraw,
)
from .routing import department_for
from .staff import (
    report_assign,
    report_change_status,
    report_merge,
    report_moderate,
    report_recategorise,
    report_respond,
)
from .subscriptions import subscription_create, subscription_delete

__all__ = [
    "DUPLICATE_RADIUS_METRES",
    "EDIT_WINDOW",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_PHOTOS",
    "MAX_PHOTO_BYTES",
    "MAX_REPORTS_PER_ADDRESS",
    "MAX_REPORTS_PER_PERSON",
    "RATE_LIMIT_WINDOW",
    "attributes_clean",
    "department_for",
    "report_assign",
    "report_change_status",
    "report_create",
    "report_edit_description",
    "report_flag_abuse",
    "report_follow_link_renew",
    "report_input_errors",
    "report_merge",
    "report_moderate",
    "report_recategorise",
    "report_respond",
    "report_support",
    "report_support_confirm",
    "report_support_later",
    "report_support_withdraw",
    "subscription_create",
    "subscription_delete",
]
