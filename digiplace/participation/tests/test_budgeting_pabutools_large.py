"""The two large approval elections against pabutools, in the test suite too.

``test_budgeting_rules.py`` compares greedy, equal shares and equal shares with add1 with
pabutools on the other 13 approval elections of ``../shared/data/pabulib/``; the two large
ones, left there to the benchmark, are compared here, so that every approval election is
compared by a test. pabutools' CPU times measured on this machine (one run each):

=================================  ========  =======================  ==================
election                           greedy    equal shares, no compl.  equal shares, add1
=================================  ========  =======================  ==================
Netherlands_Amsterdam_621.pb       1.0 s     (within add1's)          35 s (8 increments)
Poland_Lodz_2022.pb (90,494 vot.)  28 s      30 s                     > 5 min (see below)
=================================  ========  =======================  ==================

On Lodz, add1 needs 58 increments, and pabutools reruns the whole method for each (about
30 s of CPU a run: about half an hour in all), too long for a test: there equal shares is
compared without completion (the method add1 reruns) and greedy; our add1 outcome on Lodz
is checked for what holds whatever the reference says in ``test_budgeting_rules.py``, and
compared with pabutools by ``bench/run-pb``'s equal-shares figures when asked to.

These tests take about two minutes of CPU in all.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

from digiplace.participation.budgeting.pabulib import election_read
from digiplace.participation.budgeting.rules import (
    approval_election_from_pabulib,
    equal_shares_select,
    greedy_select,
)
from digiplace.participation.tests.test_budgeting_rules import (
    APPROVAL_FILES,
    COMPARED_FILES,
)

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "pabulib"
LARGE_CASES = [
    ("Netherlands_Amsterdam_621.pb", "greedy"),
    ("Netherlands_Amsterdam_621.pb", "mes"),
    ("Netherlands_Amsterdam_621.pb", "mes+add1"),
    ("Poland_Lodz_2022.pb", "greedy"),
    ("Poland_Lodz_2022.pb", "mes"),
]


def test_every_approval_election_is_compared_with_pabutools_by_a_test():
    here = {name for name, _ in LARGE_CASES}
    there = {path.name for path in COMPARED_FILES}

    assert here.isdisjoint(there)
    assert here | there == {path.name for path in APPROVAL_FILES}


@cache
def _pabutools_election(name: str):  # type: ignore[no-untyped-def]
    return parse_pabulib(str(DATA / name))


@cache
def _our_election(name: str):  # type: ignore[no-untyped-def]
    return approval_election_from_pabulib(election_read(DATA / name))


@pytest.mark.parametrize(("name", "rule"), LARGE_CASES, ids=lambda value: value[:20])
def test_large_election_outcome_equals_pabutools(name, rule):
    instance, profile = _pabutools_election(name)
    election = _our_election(name)

    if rule == "greedy":
        reference = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
        ours = greedy_select(election).selected
    elif rule == "mes":
        reference = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
        ours = equal_shares_select(election).selected
    else:
        reference = method_of_equal_shares(
            instance, profile, sat_class=Cost_Sat, voter_budget_increment=1
        )
        ours = equal_shares_select(election, completion="add1").selected

    assert set(ours) == {project.name for project in reference}
    assert len(ours) == len(reference)
