"""Demo data for the participation module in Botoșani and Timișoara (after ``demo_load``):
the processes and zones, Botoșani's tramway-or-electric-bus consultation, a Timișoara
survey on digital services, proposals, Timișoara's participatory budget (8 zones), the
annual public forum, the NGO registry. Running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from digiplace.core.models import Municipality
from digiplace.participation.demo import (
    budgeting,
    meetings,
    organisations,
    processes,
    proposals,
    surveys,
)

# In this order: later components may use the processes and zones of earlier ones.
COMPONENTS = (processes, surveys, proposals, budgeting, meetings, organisations)


class Command(BaseCommand):
    help = "Load the participation module's demo data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        botosani = Municipality.objects.filter(slug="botosani").first()
        timisoara = Municipality.objects.filter(slug="timisoara").first()
        for component in COMPONENTS:
            with transaction.atomic():
                lines = component.demo_load(botosani=botosani, timisoara=timisoara)
            for line in lines:
                self.stdout.write(line)
