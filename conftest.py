"""Fixtures shared by every test: the two demo-like municipalities and their people.

Also the suite's database checks: the run fails at once when it is not on the database the
test command meant (``DIGIPLACE_TEST_DATABASE``), and tests marked ``postgresql_only`` are
left out, with their reasons listed, elsewhere than on PostgreSQL.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation

from digiplace.core.models import Municipality, StaffMembership, StaffRole, User
from digiplace.core.page_cache import local_pages
from digiplace.core.tests.factories import (
    MunicipalityFactory,
    StaffMembershipFactory,
    UserFactory,
)

EXPECTED_DATABASE_VARIABLE = "DIGIPLACE_TEST_DATABASE"
POSTGRESQL_ONLY_KEY = pytest.StashKey[list[str]]()
# Fixtures through which a test reaches the database (pytest-django's, and ``live_server``).
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
    }
)


def database_vendor_mismatch(*, expected: str | None, actual: str) -> str | None:
    """Why the run must stop when Django's database is not the one the test command meant."""
    if not expected or expected == actual:
        return None
    return (
        f"{EXPECTED_DATABASE_VARIABLE}={expected}, but Django is using {actual} "
        f"(DATABASE_URL {'set' if os.environ.get('DATABASE_URL') else 'not set'}): "
        f"this run would not test {expected}."
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    problem = database_vendor_mismatch(
        expected=os.environ.get(EXPECTED_DATABASE_VARIABLE), actual=connection.vendor
    )
    if problem:
        pytest.exit(problem, returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept: list[pytest.Item] = []
    left_out: list[pytest.Item] = []
    reasons: list[str] = []
    for item in items:
        marker = item.get_closest_marker("postgresql_only")
        if marker is None:
            kept.append(item)
            continue
        reason = marker.kwargs.get("reason")
        if not reason:
            raise pytest.UsageError(f"{item.nodeid}: postgresql_only needs a reason=...")
        left_out.append(item)
        reasons.append(f"{item.nodeid}: {reason}")
    if not left_out or connection.vendor == "postgresql":
        return
    config.hook.pytest_deselected(items=left_out)
    items[:] = kept
    config.stash[POSTGRESQL_ONLY_KEY] = reasons
    # Under pytest-xdist the workers collect; the controller prints what they send back.
    if hasattr(config, "workeroutput"):
        config.workeroutput["postgresql_only"] = reasons


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    # pytest-xdist's hook, in the controller: the reasons a worker left tests out.
    reasons = getattr(node, "workeroutput", {}).get("postgresql_only", [])
    config = getattr(node, "config", None)
    if config is not None and reasons:
        config.stash[POSTGRESQL_ONLY_KEY] = reasons


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reasons = terminalreporter.config.stash.get(POSTGRESQL_ONLY_KEY, [])
    if reasons:
        terminalreporter.section(f"left out: PostgreSQL only, this run is on {connection.vendor}")
        for line in reasons:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _isolate_per_test_state(request: pytest.FixtureRequest) -> None:
    # The host → municipality cache and the active language must not leak between tests.
    # The cache is in the database: cleared once the test has its database.
    if request.node.get_closest_marker("django_db") or DATABASE_FIXTURES.intersection(
        request.fixturenames
    ):
        request.getfixturevalue("_django_db_helper")
        cache.clear()
        local_pages.clear()
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture
def botosani(db: None) -> Municipality:
    return MunicipalityFactory.create(
        slug="botosani",
        name_ro="Municipiul Botoșani",
        name_en="Botoșani Municipality",
        name="Municipiul Botoșani",
        hosts=["botosani.localhost"],
    )


@pytest.fixture
def timisoara(db: None) -> Municipality:
    return MunicipalityFactory.create(
        slug="timisoara",
        name_ro="Municipiul Timișoara",
        name_en="Timișoara Municipality",
        name="Municipiul Timișoara",
        centre_latitude=45.7537,
        centre_longitude=21.2257,
        bounds_south=45.69,
        bounds_west=21.13,
        bounds_north=45.81,
        bounds_east=21.33,
        hosts=["timisoara.localhost"],
        primary_colour="#6d1f3b",
    )


@pytest.fixture
def resident(db: None) -> User:
    return UserFactory.create(email="resident@example.org", full_name="Ana Popescu")


@pytest.fixture
def botosani_staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani, user=UserFactory.create(email="staff@botosani.example")
    )


@pytest.fixture
def botosani_admin(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="admin@botosani.example"),
        role=StaffRole.ADMIN,
    )


@pytest.fixture
def timisoara_admin(timisoara: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=timisoara,
        user=UserFactory.create(email="admin@timisoara.example"),
        role=StaffRole.ADMIN,
    )
