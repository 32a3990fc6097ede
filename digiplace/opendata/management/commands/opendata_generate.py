"""Make the cities' open datasets now (the demo setup runs it; the worker does it on its own
schedule): one line per dataset with the city, the dataset, the new version or "unchanged",
and its rows."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiplace.core.datasets import dataset_spec
from digiplace.core.models import Municipality

from ...services.generate import city_generate


class Command(BaseCommand):
    help = (
        "Make the open datasets of every city (or --city), every dataset they publish "
        "(or --dataset); --force makes a new version even when the data did not change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", help="the municipality's short name (slug)")
        parser.add_argument("--dataset", help="the dataset's slug")
        parser.add_argument("--force", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        cities = Municipality.objects.order_by("slug")
        if options["city"]:
            cities = cities.filter(slug=options["city"])
            if not cities.exists():
                raise CommandError(f"no city {options['city']!r}")
        slug = options["dataset"]
        if slug and dataset_spec(slug) is None:
            raise CommandError(f"no dataset {slug!r} is declared (is its module installed?)")
        failed = 0
        for municipality in cities:
            for result in city_generate(
                municipality, force=options["force"], slugs=[slug] if slug else None
            ):
                if result.error:
                    failed += 1
                    state, rows = f"failed: {result.error}", "-"
                elif result.version is None:
                    state, rows = "unchanged", "-"
                else:
                    state = f"version {result.version.number}"
                    rows = "-" if result.rows is None else str(result.rows)
                self.stdout.write(f"{municipality.slug}\t{result.spec.slug}\t{state}\trows {rows}")
        if failed:
            raise CommandError(f"{failed} dataset(s) failed")
