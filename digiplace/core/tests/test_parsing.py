"""The strict parsers of request parameters, the haversine distance and log redaction."""

from __future__ import annotations

import datetime
import logging
import math
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from digiplace.core import geo, parsing
from digiplace.core.parsing import ParseError
from digiplace.core.redaction import RedactSecretsFilter, redact

# Digits that str.isdigit() or int()/float() accept but that are not ASCII digits.
NOT_ASCII_DIGITS = ["²", "¹²", "٣", "１２", "1_000", "1²"]


@pytest.mark.parametrize("value", ["0", "7", "+7", "-7", " 42 ", "0042"])
def test_integers_in_ascii_digits_are_read(value: str) -> None:
    assert parsing.parse_integer(value, name="n") == int(value)


@pytest.mark.parametrize("value", [*NOT_ASCII_DIGITS, "", "1.0", "1e3", "inf", "0x10", "- 1"])
def test_integers_not_in_ascii_digits_are_refused(value: str) -> None:
    with pytest.raises(ParseError) as caught:
        parsing.parse_integer(value, name="page")
    assert str(caught.value) == "page must be a whole number written in digits 0-9."
    assert isinstance(caught.value, ValidationError)


def test_integers_out_of_the_database_range_are_refused() -> None:
    assert parsing.parse_id(str(parsing.INT64_MAX), name="id") == 2**63 - 1
    for value in (str(2**63), "99999999999999999999999", "0", "-1"):
        with pytest.raises(ParseError) as caught:
            parsing.parse_id(value, name="id")
        assert caught.value.code == "out_of_range"
    with pytest.raises(ParseError):
        parsing.parse_integer("9" * 5000, name="n")  # no int() of a huge text either


def test_id_lists() -> None:
    assert parsing.parse_id_list(" 3, 1,,2 ", name="ids", maximum_count=3) == (3, 1, 2)
    with pytest.raises(ParseError, match="At most 3 ids values"):
        parsing.parse_id_list("1,2,3,4", name="ids", maximum_count=3)
    with pytest.raises(ParseError):
        parsing.parse_id_list("1,²", name="ids", maximum_count=3)


@pytest.mark.parametrize("value", ["47.5", "-0.5", "90", "-180", "26.", ".5", "+1"])
def test_coordinates_in_range_are_read(value: str) -> None:
    assert parsing.parse_longitude(value) == float(value)


@pytest.mark.parametrize(
    "value", ["inf", "-inf", "nan", "1e2", "91", "-90.0001", "²", "٤٥", "", "1,5", "1e400"]
)
def test_latitudes_that_are_not_finite_or_out_of_range_are_refused(value: str) -> None:
    with pytest.raises(ParseError):
        parsing.parse_latitude(value)


def test_radius_is_positive_and_bounded() -> None:
    assert parsing.parse_radius("250.5", maximum=1000) == 250.5
    for value in ("0", "-5", "1001", "inf", "nan", "²"):
        with pytest.raises(ParseError):
            parsing.parse_radius(value, maximum=1000)


def test_bounding_box_puts_edges_in_order_and_clamps_them_to_the_world() -> None:
    assert parsing.parse_bounding_box("47.8,26.7,47.7,26.6") == (47.7, 26.6, 47.8, 26.7)
    # A map zoomed out past the world's edges.
    assert parsing.parse_bounding_box("-95.5,-301.2,95,181") == (-90, -180, 90, 180)
    for value in ("47.7,26.6,47.8", "inf,26.6,47.8,26.7", "47.7,²,47.8,26.7", "1,2,3,10001"):
        with pytest.raises(ParseError):
            parsing.parse_bounding_box(value)


def test_dates_are_iso_and_within_the_supported_years() -> None:
    assert parsing.parse_date("2026-02-28", name="d") == datetime.date(2026, 2, 28)
    for value, code in [
        ("0001-01-01", "out_of_range"),
        ("9999-12-31", "out_of_range"),
        ("2026-02-30", "invalid_date"),
        ("²026-01-01", "invalid"),
        ("26-01-01", "invalid"),
        ("2026-1-1", "invalid"),
    ]:
        with pytest.raises(ParseError) as caught:
            parsing.parse_date(value, name="d")
        assert caught.value.code == code, value


def test_extreme_accepted_days_survive_a_day_and_a_time_zone_shift() -> None:
    with timezone.override(datetime.timezone(datetime.timedelta(hours=14))):
        start = parsing.day_start(parsing.MIN_DATE)
        end = parsing.day_end(parsing.MAX_DATE)
    assert start.astimezone(datetime.UTC) == datetime.datetime(
        1899, 12, 31, 10, tzinfo=datetime.UTC
    )
    assert (end + datetime.timedelta(days=1)).year == 3000


def test_datetimes() -> None:
    with timezone.override(ZoneInfo("Europe/Bucharest")):
        moment = parsing.parse_datetime("2026-03-01", name="t")
    assert moment == datetime.datetime(2026, 3, 1, tzinfo=ZoneInfo("Europe/Bucharest"))
    assert parsing.parse_datetime("2026-03-01T08:30:00Z", name="t") == datetime.datetime(
        2026, 3, 1, 8, 30, tzinfo=datetime.UTC
    )
    with pytest.raises(ParseError):
        parsing.parse_datetime("2026-03-01T08:30", name="t", require_zone_with_time=True)
    for value in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "2026-03-01T25:00Z"):
        with pytest.raises(ParseError):
            parsing.parse_datetime(value, name="t")


def test_text_without_nul_and_not_too_long() -> None:
    assert parsing.parse_text("  groapă ", name="q", max_length=6) == "groapă"
    with pytest.raises(ParseError) as caught:
        parsing.parse_text("a\x00b", name="q")
    assert caught.value.code == "null_characters_not_allowed"
    with pytest.raises(ParseError):
        parsing.parse_text("x" * 7, name="q", max_length=6)


def test_haversine_distance() -> None:
    # One degree of latitude on the mean-radius sphere; the antipode is half the circumference.
    assert geo.distance_metres(47.0, 26.0, 48.0, 26.0) == pytest.approx(111_195.08, abs=0.01)
    assert geo.distance_metres(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * 6_371_008.8)
    assert geo.distance_metres(47.7487, 26.6695, 47.7487, 26.6695) == 0.0


def test_bounding_box_holds_the_circle() -> None:
    south, west, north, east = geo.bounding_box(47.7487, 26.6695, 1000)
    assert geo.distance_metres(47.7487, 26.6695, north, 26.6695) == pytest.approx(1000)
    assert geo.distance_metres(47.7487, 26.6695, 47.7487, east) == pytest.approx(1000)
    assert south < 47.7487 < north and west < 26.6695 < east


def test_api_keys_are_redacted_from_logged_urls() -> None:
    assert redact("GET /open311/v2/requests.json?api_key=s3cret&x=1 HTTP/1.1") == (
        "GET /open311/v2/requests.json?api_key=[redacted]&x=1 HTTP/1.1"
    )
    assert redact("/x?a=1&api%5Fkey=s3cret") == "/x?a=1&api%5Fkey=[redacted]"
    assert redact("/x?my_api_key=1") == "/x?my_api_key=1"
    assert redact("/x?API_KEY=s3cret") == "/x?API_KEY=[redacted]"

    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s', ("GET /?api_key=abc", 200), None
    )
    assert RedactSecretsFilter().filter(record)
    assert record.getMessage() == '"GET /?api_key=[redacted]" 200'


def test_gunicorn_access_log_redacts_api_keys() -> None:
    from types import SimpleNamespace

    from gunicorn.config import Config

    from config.gunicorn import RedactingLogger

    config = Config()
    config.set("logger_class", "config.gunicorn.RedactingLogger")
    logger = RedactingLogger(config)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/open311/v2/requests.json?api_key=s3cret",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/open311/v2/requests.json",
        "QUERY_STRING": "api_key=s3cret",
    }
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    request = SimpleNamespace(headers=[("REFERER", "https://a.example/?api_key=s3cret")])
    atoms = logger.atoms(response, request, environ, datetime.timedelta(seconds=1))
    assert "s3cret" not in " ".join(str(value) for value in atoms.values())
    assert atoms["r"] == "POST /open311/v2/requests.json?api_key=[redacted] HTTP/1.1"


def test_gunicorn_access_log_lines_hold_no_personal_data() -> None:
    """The configured access-log format: no client address, Referer or user agent; emails
    in the request line blanked; the request id the application answered."""
    from types import SimpleNamespace

    from gunicorn.config import Config

    from config import gunicorn as gunicorn_settings

    config = Config()
    config.set("access_log_format", gunicorn_settings.access_log_format)
    logger = gunicorn_settings.RedactingLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/accounts/?email=ana.pop@example.ro",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/accounts/",
        "QUERY_STRING": "email=ana.pop@example.ro",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_USER_AGENT": "Mozilla/5.0 (Ana's phone)",
    }
    response = SimpleNamespace(
        status="200 OK", headers=[("X-Request-ID", "req-42")], sent=10, status_code=200
    )
    request = SimpleNamespace(
        headers=[("REFERER", "https://mail.example/ana"), ("USER-AGENT", "Ana's phone")]
    )
    atoms = logger.atoms(response, request, environ, datetime.timedelta(seconds=1))
    line = config.access_log_format % atoms

    assert "request_id=req-42" in line
    assert '"GET /accounts/?email=' in line and " 200 " in line
    for personal in ("203.0.113.7", "ana.pop@example.ro", "Ana's phone", "mail.example"):
        assert personal not in line


def test_the_development_server_and_console_logs_are_redacted() -> None:
    """As configured in settings.LOGGING: the request lines of ``runserver`` and anything
    logged to the console pass the filter before they are written."""
    for logger_name in ("django.server", "django.request"):
        logger = logging.getLogger(logger_name)
        handlers = logger.handlers or logging.getLogger().handlers
        handler = next(
            item
            for item in handlers
            if any(isinstance(check, RedactSecretsFilter) for check in item.filters)
        )
        record = logging.LogRecord(
            logger_name,
            logging.INFO,
            __file__,
            1,
            '"%s" %s %s',
            ("GET /open311/v2/requests.json?api_key=s3cret HTTP/1.1", "200", "10"),
            None,
        )
        record.server_time = "30/Nov/2026 08:00:00"
        assert handler.filter(record)
        assert "s3cret" not in handler.format(record)
        assert "api_key=[redacted]" in handler.format(record)
