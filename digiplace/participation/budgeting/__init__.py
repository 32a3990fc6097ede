"""Participatory budgeting's pure engine: Pabulib files and the counting rules.

Plain Python and numpy, no database: the models hand in a zone's budget, its projects' costs
and the ballots as sets of project ids (``ApprovalElection``) and get back dataclasses.

- ``pabulib``: ``election_read``/``election_parse`` and ``election_write``/``election_save``.
- ``rules``: ``greedy_select`` and ``equal_shares_select`` (``completion="add1"``), each with
  the explanation of its outcome.
"""

from digiplace.participation.budgeting.pabulib import (
    Election,
    PabulibError,
    election_parse,
    election_read,
    election_save,
    election_write,
)
from digiplace.participation.budgeting.rules import (
    ApprovalElection,
    BudgetingError,
    EqualSharesOutcome,
    GreedyOutcome,
    approval_election_from_pabulib,
    equal_shares_select,
    greedy_select,
)

__all__ = [
    "ApprovalElection",
    "BudgetingError",
    "Election",
    "EqualSharesOutcome",
    "GreedyOutcome",
    "PabulibError",
    "approval_election_from_pabulib",
    "election_parse",
    "election_read",
    "election_save",
    "election_write",
    "equal_shares_select",
    "greedy_select",
]
