"""``manage.py pb_tally``: the winners' ids alone on standard output; errors on standard error
with a non-zero exit status, through ``call_command`` and through a real process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import greedy_utilitarian_welfare

from digiplace.participation.budgeting.pabulib import election_read

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "pabulib"
ASSEN = DATA / "Netherlands_Assen_2024.pb"
ANIN = DATA / "Poland_Warszawa_2019_Anin.pb"
ORDINAL = DATA / "Poland_Krakow_2020_Swoszowice.pb"


def official_winners(path: Path) -> set[str]:
    return {p.project_id for p in election_read(path).projects if p.fields["selected"] == "1"}


def tally(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("pb_tally", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_mes_prints_the_official_equal_shares_winners_one_a_line():
    stdout, stderr = tally(str(ASSEN), "--rule", "mes")

    lines = stdout.splitlines()
    assert stdout.endswith("\n")
    assert set(lines) == official_winners(ASSEN)
    assert len(lines) == len(set(lines))
    assert stderr == ""


def test_greedy_prints_the_pabutools_greedy_winners():
    instance, profile = parse_pabulib(str(ANIN))
    expected = {p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)}

    stdout, _ = tally(str(ANIN), "--rule", "greedy")

    assert set(stdout.splitlines()) == expected


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["/nonexistent/election.pb", "--rule", "mes"], "No such file"),
        ([str(ASSEN), "--rule", "borda"], "Unknown rule borda: use greedy or mes."),
        ([str(ORDINAL), "--rule", "greedy"], "ordinal ballots; the rules count approval"),
    ],
)
def test_errors_raise_a_command_error_and_print_nothing(arguments, message):
    stdout = io.StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("pb_tally", *arguments, stdout=stdout)
    assert stdout.getvalue() == ""


def test_a_malformed_file_names_its_line(tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text(
        "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;5\n"
        "VOTES\nvoter_id;vote\nv1;1\nv2;7\n",
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match=r"Line 11: The vote names an unknown project: 7\."):
        tally(str(bad), "--rule", "mes")


def run_manage(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DIGIPLACE_MODE": "test", "DIGIPLACE_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "manage.py", "pb_tally", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_real_process_prints_only_the_ids():
    done = run_manage(str(ASSEN), "--rule", "mes")

    assert done.returncode == 0, done.stderr
    assert set(done.stdout.splitlines()) == official_winners(ASSEN)
    assert done.stderr == ""


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["/nonexistent/election.pb", "--rule", "greedy"],
            "No such file: /nonexistent/election.pb",
        ),
        ([str(ASSEN), "--rule", "borda"], "Unknown rule borda"),
        ([str(ORDINAL), "--rule", "mes"], "ordinal ballots"),
    ],
)
def test_a_real_process_reports_errors_on_standard_error(arguments, message):
    done = run_manage(*arguments)

    assert done.returncode != 0
    assert done.stdout == ""
    assert message in done.stderr
