"""Limits of the reports module's writes."""

from __future__ import annotations

import datetime

EDIT_WINDOW = datetime.timedelta(minutes=30)
MAX_PHOTOS = 3
# Rate limits: reports per person (account or email) and per source address in one hour.
RATE_LIMIT_WINDOW = datetime.timedelta(hours=1)
MAX_REPORTS_PER_PERSON = 10
MAX_REPORTS_PER_ADDRESS = 20
MAX_DESCRIPTION_LENGTH = 4000
MAX_STRING_ANSWER_LENGTH = 300
MAX_TEXT_ANSWER_LENGTH = 4000
