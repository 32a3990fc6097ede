"""The suite's own database checks (root conftest): the guard against testing the wrong
database, and the PostgreSQL-only marker's bookkeeping."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

import conftest


def test_the_guard_accepts_the_database_the_test_command_meant() -> None:
    assert conftest.database_vendor_mismatch(expected="postgresql", actual="postgresql") is None
    assert conftest.database_vendor_mismatch(expected="sqlite", actual="sqlite") is None


def test_the_guard_is_quiet_when_no_database_was_asked_for() -> None:
    assert conftest.database_vendor_mismatch(expected=None, actual="sqlite") is None
    assert conftest.database_vendor_mismatch(expected="", actual="postgresql") is None


def test_the_guard_stops_a_postgresql_run_that_is_really_on_sqlite() -> None:
    problem = conftest.database_vendor_mismatch(expected="postgresql", actual="sqlite")

    assert problem is not None
    assert problem.startswith("DIGIPLACE_TEST_DATABASE=postgresql, but Django is using sqlite")
    assert problem.endswith("this run would not test postgresql.")


def test_the_guard_stops_a_sqlite_run_that_is_really_on_postgresql() -> None:
    problem = conftest.database_vendor_mismatch(expected="sqlite", actual="postgresql")

    assert problem is not None
    assert "but Django is using postgresql" in problem


def test_a_run_on_another_database_than_the_one_meant_stops_at_once() -> None:
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    environment = {**os.environ, "DIGIPLACE_TEST_DATABASE": other}

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:xdist",
            "-q",
            f"{__file__}::test_the_guard_is_quiet_when_no_database_was_asked_for",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert f"DIGIPLACE_TEST_DATABASE={other}, but Django is using {connection.vendor}" in output
    assert "passed" not in output


MARKED_TESTS = """
import pytest


@pytest.mark.postgresql_only(reason="needs PERCENTILE_CONT, which SQLite lacks")
def test_only_on_postgresql():
    pass


def test_on_every_database():
    pass
"""
# The generated tests live outside the repository: their conftest takes the root
# conftest's collection and summary hooks.
HOOKS_CONFTEST = """
import importlib.util

spec = importlib.util.spec_from_file_location("root_conftest", {path!r})
root = importlib.util.module_from_spec(spec)
spec.loader.exec_module(root)
pytest_collection_modifyitems = root.pytest_collection_modifyitems
pytest_terminal_summary = root.pytest_terminal_summary
"""


def _pytest_on(folder: Path, tests: str) -> subprocess.CompletedProcess[str]:
    (folder / "conftest.py").write_text(
        HOOKS_CONFTEST.format(path=str(Path(settings.BASE_DIR) / "conftest.py"))
    )
    (folder / "test_marked.py").write_text(tests)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--ds=config.settings",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(folder),
            str(folder),
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_postgresql_only_tests_are_left_out_elsewhere_with_their_reason(tmp_path: Path) -> None:
    result = _pytest_on(tmp_path, MARKED_TESTS)

    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.OK, output
    if connection.vendor == "postgresql":
        assert "2 passed" in output
        assert "left out" not in output
    else:
        assert "1 passed, 1 deselected" in output
        assert f"left out: PostgreSQL only, this run is on {connection.vendor}" in output
        assert "test_only_on_postgresql: needs PERCENTILE_CONT, which SQLite lacks" in output


def test_a_postgresql_only_mark_without_a_reason_is_refused(tmp_path: Path) -> None:
    result = _pytest_on(
        tmp_path, "import pytest\n\n\n@pytest.mark.postgresql_only\ndef test_it():\n    pass\n"
    )

    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, output
    assert "test_it: postgresql_only needs a reason=..." in output
