"""Rate-limit counters, serialised sections and the client address behind proxies, on
whichever database the suite runs on."""

from __future__ import annotations

import datetime
import threading
import time
from typing import Any

import pytest
from django.db import connections, transaction
from django.test import RequestFactory
from django.utils import timezone

from digiplace.core.http import client_address
from digiplace.core.models import RateLimitCounter, SerialisationLock
from digiplace.core.ratelimit import LOCK_SLOTS, rate_limit_hit, rate_limit_reset, serialise_on

HOUR = datetime.timedelta(hours=1)


@pytest.mark.django_db
def test_hits_up_to_the_limit_pass_and_the_next_is_refused() -> None:
    results = [rate_limit_hit(scope="test", key="ana", limit=3, window=HOUR) for _ in range(5)]

    assert results == [True, True, True, False, False]
    assert RateLimitCounter.objects.get(scope="test").hits == 5


@pytest.mark.django_db
def test_keys_and_scopes_are_counted_apart() -> None:
    for _ in range(2):
        rate_limit_hit(scope="test", key="ana", limit=2, window=HOUR)

    assert rate_limit_hit(scope="test", key="ion", limit=2, window=HOUR) is True
    assert rate_limit_hit(scope="other", key="ana", limit=2, window=HOUR) is True
    assert rate_limit_hit(scope="test", key="ana", limit=2, window=HOUR) is False


@pytest.mark.django_db
def test_a_new_window_starts_afresh_and_old_counters_are_removed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = datetime.datetime(2026, 5, 4, 10, 0, 5, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: start)
    assert rate_limit_hit(scope="test", key="ana", limit=1, window=HOUR) is True
    assert rate_limit_hit(scope="test", key="ana", limit=1, window=HOUR) is False

    monkeypatch.setattr(timezone, "now", lambda: start + HOUR)
    assert rate_limit_hit(scope="test", key="ana", limit=1, window=HOUR) is True

    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(days=3))
    assert rate_limit_hit(scope="test", key="ana", limit=1, window=HOUR) is True
    assert RateLimitCounter.objects.count() == 1


@pytest.mark.django_db
def test_reset_forgets_the_hits() -> None:
    rate_limit_hit(scope="test", key="ana", limit=1, window=HOUR)
    rate_limit_reset(scope="test", key="ana")

    assert rate_limit_hit(scope="test", key="ana", limit=1, window=HOUR) is True


@pytest.mark.django_db
def test_a_hit_counted_in_a_failed_transaction_is_rolled_back() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        rate_limit_hit(scope="test", key="ana", limit=1, window=HOUR)
        raise RuntimeError("the write that followed failed")

    assert RateLimitCounter.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_serialise_on_needs_a_transaction() -> None:
    with pytest.raises(RuntimeError):
        serialise_on("reports:person:ana")


@pytest.mark.django_db
def test_serialise_on_keeps_no_personal_data_and_a_bounded_pool_of_rows() -> None:
    with transaction.atomic():
        serialise_on("reports:person:ana@example.org", "reports:address:192.0.2.7")
        serialise_on("reports:person:ana@example.org")
    with transaction.atomic():
        for number in range(3000):
            serialise_on(f"reports:person:{number}@example.org")

    names = list(SerialisationLock.objects.values_list("name", flat=True))
    assert len(names) <= LOCK_SLOTS
    assert all(name.startswith("slot:") for name in names)
    assert not any("example.org" in name or "192.0.2.7" in name for name in names)


@pytest.mark.django_db
def test_counters_store_a_keyed_hash_of_the_key() -> None:
    rate_limit_hit(scope="test", key="ana@example.org", limit=1, window=HOUR)

    stored = RateLimitCounter.objects.get().key
    assert "ana" not in stored
    assert len(stored) == 64


@pytest.mark.django_db(transaction=True)
def test_serialised_sections_on_one_name_run_one_at_a_time() -> None:
    # Each thread checks a counter and then raises it, with a pause between: without the
    # lock, threads would read the same value and lose increments.
    SerialisationLock.objects.all().delete()
    RateLimitCounter.objects.create(scope="test", key="shared", window_start=timezone.now(), hits=0)
    errors: list[BaseException] = []

    def section() -> None:
        try:
            with transaction.atomic():
                serialise_on("reports:person:shared")
                counter = RateLimitCounter.objects.get(key="shared")
                time.sleep(0.02)
                counter.hits += 1
                counter.save(update_fields=["hits"])
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=section) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert RateLimitCounter.objects.get(key="shared").hits == 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_all_counted() -> None:
    # Real concurrency: eight threads, each with its own database connection.
    results: list[bool] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def hit() -> None:
        try:
            for _ in range(5):
                allowed = rate_limit_hit(scope="test", key="crowd", limit=30, window=HOUR)
                with lock:
                    results.append(allowed)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert RateLimitCounter.objects.get(scope="test").hits == 40
    assert results.count(True) == 30
    assert results.count(False) == 10


# The client address


def _request(remote: str, forwarded: str | None = None) -> Any:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_address(_request("198.51.100.4", "203.0.113.9")) == "198.51.100.4"


def test_behind_one_proxy_the_last_forwarded_address_is_the_client(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    # The client forged the first entry; the proxy appended the real one.
    request = _request("127.0.0.1", "10.9.9.9, 203.0.113.9")

    assert client_address(request) == "203.0.113.9"


def test_behind_two_proxies_the_address_the_outer_proxy_saw_is_the_client(
    settings: Any,
) -> None:
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_address(_request("10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.1")) == ("203.0.113.9")


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        (None, "127.0.0.1"),  # no header: the proxy's own address
        ("", "127.0.0.1"),
        ("not-an-address", "127.0.0.1"),
        ("203.0.113.9:51234", "203.0.113.9"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        (" 2001:db8::2 ", "2001:db8::2"),
    ],
)
def test_forwarded_addresses_are_validated(
    settings: Any, forwarded: str | None, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_address(_request("127.0.0.1", forwarded)) == expected
