"""``python manage.py ngsi_key CITY [--name NAME] [--entity ID]``: issue a key for a demo or
test client of the NGSI-LD API and MQTT. Prints only the key on standard output (so that
``KEY=$(python manage.py ngsi_key botosani)`` works); errors go to standard error with a
non-zero exit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from digiplace.core.models import Municipality
from digiplace.urbandata.models import Entity
from digiplace.urbandata.services.keys import device_key_issue

DEFAULT_NAME = "NGSI-LD client (manage.py ngsi_key)"


class Command(BaseCommand):
    help = "Issue a new NGSI-LD/MQTT key for a municipality and print it (only the key)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("city", help="the municipality's short name (slug), e.g. botosani")
        parser.add_argument("--name", default=DEFAULT_NAME, help="what uses the key")
        parser.add_argument(
            "--entity",
            default="",
            help="bind the key to this entity id (it may then write only that entity)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(slug=options["city"]).first()
        if municipality is None:
            known = ", ".join(Municipality.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(
                f"No municipality {options['city']!r} (known: {known}); run demo_load first?"
            )
        entity = None
        if options["entity"]:
            entity = Entity.objects.filter(
                municipality=municipality, entity_id=options["entity"]
            ).first()
            if entity is None:
                raise CommandError(f"{municipality.slug} has no entity {options['entity']!r}.")
        try:
            _key, secret = device_key_issue(
                municipality=municipality, name=options["name"], entity=entity
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(secret)
