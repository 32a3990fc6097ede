"""Print the winners of a participatory-budgeting election in a Pabulib ``.pb`` file.

``python manage.py pb_tally FILE.pb --rule greedy|mes`` writes the selected project ids, one
per line in the order the rule selected them, and nothing else on standard output. ``mes`` is
the Method of Equal Shares with cost utilities completed by add1. Every error goes to
standard error with a non-zero exit status.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext

from digiplace.participation.budgeting.pabulib import PabulibError, election_read
from digiplace.participation.budgeting.rules import (
    BudgetingError,
    approval_election_from_pabulib,
    equal_shares_select,
    greedy_select,
)

RULES = ("greedy", "mes")


class Command(BaseCommand):
    help = "Print the project ids an approval election in a Pabulib .pb file selects, one a line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the election, a Pabulib .pb file")
        parser.add_argument(
            "--rule",
            required=True,
            help="greedy (by approvals) or mes (Method of Equal Shares with add1 completion)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rule = options["rule"]
        if rule not in RULES:
            raise CommandError(
                gettext("Unknown rule %(rule)s: use greedy or mes.") % {"rule": rule}
            )
        try:
            election = approval_election_from_pabulib(election_read(options["file"]))
            if rule == "greedy":
                selected = greedy_select(election).selected
            else:
                selected = equal_shares_select(election, completion="add1").selected
        except (PabulibError, BudgetingError) as error:
            raise CommandError(str(error)) from None
        for project_id in selected:
            self.stdout.write(project_id)
