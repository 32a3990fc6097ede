"""Load the demo municipalities and accounts; running it again updates, never duplicates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from digiplace.core import modules
from digiplace.core.models import (
    Department,
    Municipality,
    MunicipalityHost,
    StaffMembership,
    StaffRole,
    User,
)
from digiplace.core.selectors import municipality_cache_clear

DEMO_FILE = Path(settings.BASE_DIR) / "data" / "demo" / "municipalities.yaml"


def _translated(values: dict[str, str], field: str) -> dict[str, str]:
    return {f"{field}_{language}": text for language, text in values.items()}


class Command(BaseCommand):
    help = "Load (or update) the demo municipalities Botoșani and Timișoara with demo accounts."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        data = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
        password = settings.DEMO_PASSWORD
        self._account(
            "platform-admin@digiplace.example",
            "Platform Administrator",
            password,
            is_staff=True,
            is_superuser=True,
        )
        for entry in data["municipalities"]:
            municipality = self._municipality(entry)
            departments = [self._department(municipality, names) for names in entry["departments"]]
            admin = self._account(f"admin@{entry['slug']}.example", "Demo Administrator", password)
            staff = self._account(f"staff@{entry['slug']}.example", "Demo Staff", password)
            self._account(f"resident@{entry['slug']}.example", "Demo Resident", password)
            StaffMembership.objects.update_or_create(
                municipality=municipality,
                user=admin,
                defaults={"role": StaffRole.ADMIN, "department": departments[0], "modules": []},
            )
            # The demo staff account works in every module (the run command shows them all)
            # but those granted by name only (the local police's enforcement cases).
            StaffMembership.objects.update_or_create(
                municipality=municipality,
                user=staff,
                defaults={
                    "role": StaffRole.STAFF,
                    "department": departments[1],
                    "modules": sorted(
                        spec.code for spec in modules.all_modules() if not spec.grant_required
                    ),
                },
            )
            self._module_accounts(municipality, entry, departments, password)
            municipality_cache_clear(municipality=municipality)
            self.stdout.write(f"Loaded {municipality.slug}: http://{entry['hosts'][0]}:8000/")
        self.stdout.write(
            f"Demo accounts (password {password}): admin@<city>.example, staff@<city>.example, "
            "resident@<city>.example, dispatcher@<city>.example, driver@<city>.example, "
            "transport@<city>.example (made by mobility_demo), platform-admin@digiplace.example"
        )

    def _module_accounts(
        self,
        municipality: Municipality,
        entry: dict[str, Any],
        departments: list[Department],
        password: str,
    ) -> None:
        """Staff accounts for one job each (the waste module's dispatcher and driver), with
        exactly the modules listed: a second load puts back what was changed."""
        by_name = {
            names["ro"]: department
            for names, department in zip(entry["departments"], departments, strict=True)
        }
        for account in entry.get("accounts", []):
            user = self._account(
                f"{account['email']}@{entry['slug']}.example", account["full_name"], password
            )
            StaffMembership.objects.update_or_create(
                municipality=municipality,
                user=user,
                defaults={
                    "role": StaffRole.STAFF,
                    "department": by_name[account["department"]],
                    "modules": sorted(account["modules"]),
                },
            )

    def _municipality(self, entry: dict[str, Any]) -> Municipality:
        latitude, longitude = entry["centre"]
        bounds = entry["bounds"]
        defaults = {
            **_translated(entry["name"], "name"),
            **_translated(entry["description"], "description"),
            "languages": entry["languages"],
            "default_language": entry["default_language"],
            "time_zone": entry["time_zone"],
            "primary_colour": entry["primary_colour"],
            "secondary_colour": entry["secondary_colour"],
            "centre_latitude": latitude,
            "centre_longitude": longitude,
            "default_zoom": entry["default_zoom"],
            "bounds_south": bounds["south"],
            "bounds_west": bounds["west"],
            "bounds_north": bounds["north"],
            "bounds_east": bounds["east"],
            "contact_email": entry["contact_email"],
            "contact_phone": entry["contact_phone"],
            "address": entry["address"],
            "website": entry["website"],
            "email_sender_name": entry.get("email_sender_name", ""),
            "email_sender_address": entry.get("email_sender_address", ""),
        }
        municipality, _created = Municipality.objects.update_or_create(
            slug=entry["slug"], defaults=defaults
        )
        for host in entry["hosts"]:
            MunicipalityHost.objects.update_or_create(
                host=host, defaults={"municipality": municipality}
            )
        return municipality

    def _department(self, municipality: Municipality, names: dict[str, str]) -> Department:
        department, _created = Department.objects.update_or_create(
            municipality=municipality,
            name_ro=names["ro"],
            defaults=_translated(names, "name"),
        )
        return department

    def _account(self, email: str, full_name: str, password: str, **flags: Any) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email, password, full_name=full_name, email_confirmed_at=timezone.now(), **flags
            )
        return user
