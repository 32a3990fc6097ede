"""Demo data of the mobility module for Botoșani and Timișoara (after ``demo_load`` and
``urbandata_demo``). Running it again changes nothing but the calendars' window."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from digiplace.core.models import Municipality
from digiplace.mobility.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load the mobility module's demo data: bus networks, fleet, chargers, parking (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        botosani = Municipality.objects.filter(slug="botosani").first()
        timisoara = Municipality.objects.filter(slug="timisoara").first()
        for line in demo_load(botosani=botosani, timisoara=timisoara):
            self.stdout.write(line)
