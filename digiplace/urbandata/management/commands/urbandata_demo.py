"""Demo data for urban data in Botoșani and Timișoara (after ``demo_load``): Timișoara's 55
air-quality stations with 30 days of history. Running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from digiplace.core.models import Municipality
from digiplace.urbandata.demo import demo_load


class Command(BaseCommand):
    help = "Load urban data's demo data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        botosani = Municipality.objects.filter(slug="botosani").first()
        timisoara = Municipality.objects.filter(slug="timisoara").first()
        for line in demo_load(botosani=botosani, timisoara=timisoara):
            self.stdout.write(line)
