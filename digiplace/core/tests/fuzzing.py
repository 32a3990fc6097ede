"""Hypothesis strategies for request parameters that have broken parsers before: random
text, other scripts' digits, huge numbers, inf and nan, extreme dates and offsets, NUL
characters. Shared by the modules' fuzz tests (``test_fuzz.py``)."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

BOTOSANI = "botosani.localhost"
# Enough examples to meet every kind of value on every endpoint, in about a minute a database.
EXAMPLES = 60
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # nothing written under the working tree; the seeds are in the log
)

TRICKY = [
    "",
    " ",
    "0",
    "-1",
    "+1",
    "1.5",
    "inf",
    "-inf",
    "Infinity",
    "nan",
    "NaN",
    "1e309",
    "1_000",
    "0x10",
    "²",
    "#²",
    "¹²³",
    "٣",
    "１２",
    "99999999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "2026-01-01T25:00:00Z",
    "2026-03-01T08:00:00Z",
    "\x00",
    "a\x00b",
    "1\x00",
    ",",
    "1,,2",
    "open,closed",
    "47.7,26.6,47.8,26.7",
    "inf,nan,1,2",
    "#1",
    "pothole",
    "x" * 500,
]
DIGITS = "0123456789²³¹⁴٠١٢٣٤٥٦٧٨٩０１２３४५६.-+eE,:T#"
values = st.one_of(
    st.sampled_from(TRICKY),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet=DIGITS, max_size=30),
    st.dates(min_value=datetime.date(1, 1, 1)).map(datetime.date.isoformat),
    # Naive bounds (Hypothesis wants them so); each moment gets the farthest offset as text.
    st.datetimes(
        min_value=datetime.datetime(1, 1, 2),  # noqa: DTZ001
        max_value=datetime.datetime(9999, 12, 30),  # noqa: DTZ001
    ).map(lambda moment: moment.isoformat() + "-12:00"),
    st.text(max_size=40),
)


def query_strategy(names: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Each parameter the endpoint reads, present or not, plus a few unknown or repeated."""
    known = st.fixed_dictionaries({}, optional=dict.fromkeys(names, values)).map(
        lambda chosen: list(chosen.items())
    )
    extra = st.lists(
        st.tuples(st.one_of(st.sampled_from(names), st.text(min_size=1, max_size=12)), values),
        max_size=2,
    )
    return st.tuples(known, extra).map(lambda parts: parts[0] + parts[1])


def path_with(path: str, pairs: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(pairs)}" if pairs else path


def get(client: Client, path: str, *, host: str = BOTOSANI) -> Any:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(path, HTTP_HOST=host)


def assert_no_server_error(response: Any, path: str) -> None:
    assert response.status_code < 500, (path, response.status_code, response.content[:500])
