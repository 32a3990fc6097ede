"""Demo data of the waste module for Botoșani and Timișoara (after ``demo_load`` and
``urbandata_demo``). Running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from digiplace.core.models import Municipality
from digiplace.waste.demo import demo_load


class Command(BaseCommand):
    help = "Load the waste module's demo data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        botosani = Municipality.objects.filter(slug="botosani").first()
        timisoara = Municipality.objects.filter(slug="timisoara").first()
        for line in demo_load(botosani=botosani, timisoara=timisoara):
            self.stdout.write(line)
