"""Demo data for the reports module: categories with questions, areas, routing, a few hundred
reports in each demo municipality with staff answers, and one Open311 API key per city.

Runs after ``demo_load``; running it again changes nothing. The areas are a plain grid over
each city's bounds (demo areas, not official neighbourhood boundaries).
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from digiplace.core.models import Department, Municipality, StaffMembership
from digiplace.reports.models import (
    ApiKey,
    Category,
    CategoryAttribute,
    Neighbourhood,
    ReplyTemplate,
    Report,
    ReportStatus,
    ReportUpdate,
    UpdateKind,
)

DEMO_DEVICE = "digiplace-demo"
# How long after a report the city answers an open one, in the demo.
STATUS_DELAY = datetime.timedelta(hours=6)

# service code, Romanian name, English name, days to close, department index (demo_load order)
CATEGORIES = [
    ("overflowing-container", "Container plin", "Overflowing container", 2, 2),
    ("illegal-dumping", "Depozitare ilegală de deșeuri", "Illegal dumping", 5, 2),
    ("pothole", "Groapă în carosabil", "Pothole", 14, 0),
    ("street-light", "Iluminat public defect", "Broken street light", 7, 0),
    ("pavement", "Trotuar deteriorat", "Damaged pavement", 30, 0),
    ("graffiti", "Graffiti", "Graffiti", 21, 1),
    ("abandoned-vehicle", "Vehicul abandonat", "Abandoned vehicle", 30, 1),
    ("green-spaces", "Spații verzi neîngrijite", "Green spaces", 14, 1),
    ("transport-stop", "Stație de transport public", "Public-transport stop", 14, 1),
    ("other", "Altă problemă", "Other problem", 30, 1),
]
AREAS = [
    ("north-west", "Zona de nord-vest", "North-west area"),
    ("north-east", "Zona de nord-est", "North-east area"),
    ("south-west", "Zona de sud-vest", "South-west area"),
    ("south-east", "Zona de sud-est", "South-east area"),
]
DESCRIPTIONS = {
    "overflowing-container": "Containerul de la colțul blocului este plin și gunoiul e pe jos.",
    "illegal-dumping": "Moloz și saci de gunoi aruncați lângă gardul parcului.",
    "pothole": "Groapă adâncă pe banda din dreapta, periculoasă pentru bicicliști.",
    "street-light": "Stâlpul de iluminat nu funcționează de o săptămână.",
    "pavement": "Dale sparte pe trotuar, se împiedică pietonii.",
    "graffiti": "Graffiti pe fațada clădirii de lângă stație.",
    "abandoned-vehicle": "Mașină fără numere, parcată de luni de zile.",
    "green-spaces": "Iarba nu a fost tunsă, bănci rupte în scuar.",
    "transport-stop": "Panoul de informare din stație este spart.",
    "other": "Capac de canal lipsă pe alee.",
}
RESPONSES: dict[str, str] = {
    ReportStatus.ACKNOWLEDGED: "Am primit sesizarea și am transmis-o echipei de teren.",
    ReportStatus.IN_PROGRESS: "Echipa lucrează la rezolvare.",
    ReportStatus.PLANNED: "Intervenția este planificată în programul lunii viitoare.",
    ReportStatus.WAITING: "Vă rugăm să ne trimiteți o fotografie a locului, ca să știm ce echipă "
    "să trimitem.",
    ReportStatus.FIXED: "Problema a fost rezolvată. Vă mulțumim!",
    ReportStatus.NOT_RESPONSIBLE: "Zona aparține altui administrator; am transmis sesizarea.",
    ReportStatus.UNABLE_TO_FIX: "Nu putem interveni până la finalizarea lucrărilor din zonă.",
}
STATUS_WEIGHTS = [
    (ReportStatus.NEW, 12),
    (ReportStatus.ACKNOWLEDGED, 12),
    (ReportStatus.IN_PROGRESS, 10),
    (ReportStatus.PLANNED, 6),
    (ReportStatus.WAITING, 4),
    (ReportStatus.FIXED, 50),
    (ReportStatus.NOT_RESPONSIBLE, 5),
    (ReportStatus.UNABLE_TO_FIX, 5),
]

# Reply templates: category service code (None: any category), title and text in Romanian,
# then in English.
REPLY_TEMPLATES: list[tuple[str | None, str, str, str, str]] = [
    (
        None,
        "Mulțumim, am preluat sesizarea",
        "Vă mulțumim pentru sesizare. Am transmis-o echipei de teren și vă scriem din nou "
        "când problema este rezolvată.",
        "Thank you, we are on it",
        "Thank you for your report. We have passed it to the field team and will write "
        "again when the problem is solved.",
    ),
    (
        None,
        "Avem nevoie de mai multe detalii",
        "Vă rugăm să ne spuneți mai exact unde se află problema (un reper apropiat sau "
        "numărul clădirii) și, dacă puteți, să adăugați o fotografie.",
        "We need more details",
        "Please tell us more precisely where the problem is (a nearby landmark or the "
        "building number) and, if you can, add a photo.",
    ),
    (
        None,
        "Problema a fost rezolvată",
        "Problema a fost rezolvată. Vă mulțumim că ne ajutați să ținem orașul în ordine!",
        "The problem is solved",
        "The problem has been solved. Thank you for helping us keep the city in good order!",
    ),
    (
        None,
        "Nu este în grija primăriei",
        "Zona nu este administrată de primărie. Am transmis sesizarea administratorului "
        "responsabil.",
        "Not the city's responsibility",
        "This area is not managed by the city. We have passed your report to its administrator.",
    ),
    (
        "overflowing-container",
        "Golire programată",
        "Containerul va fi golit la următoarea cursă a operatorului de salubrizare, în cel "
        "mult 48 de ore.",
        "Emptying scheduled",
        "The container will be emptied on the waste operator's next round, within 48 hours.",
    ),
    (
        "pothole",
        "Reparație în programul de asfaltare",
        "Groapa a fost inclusă în programul de reparații al carosabilului. Până atunci, "
        "locul va fi semnalizat.",
        "Repair in the paving programme",
        "The pothole has been added to the road repair programme. Until then, the spot will "
        "be marked with signs.",
    ),
    (
        "street-light",
        "Echipa de iluminat a fost anunțată",
        "Am anunțat echipa de iluminat public; stâlpul va fi verificat în cel mult 7 zile.",
        "Street-lighting crew notified",
        "We have notified the street-lighting crew; the pole will be checked within 7 days.",
    ),
]


def _grid(municipality: Municipality) -> list[tuple[str, str, str, list[float]]]:
    middle_latitude = (municipality.bounds_south + municipality.bounds_north) / 2
    middle_longitude = (municipality.bounds_west + municipality.bounds_east) / 2
    south, west = municipality.bounds_south, municipality.bounds_west
    north, east = municipality.bounds_north, municipality.bounds_east
    boxes = [
        [middle_latitude, west, north, middle_longitude],
        [middle_latitude, middle_longitude, north, east],
        [south, west, middle_latitude, middle_longitude],
        [south, middle_longitude, middle_latitude, east],
    ]
    return [(slug, ro, en, box) for (slug, ro, en), box in zip(AREAS, boxes, strict=True)]


class Command(BaseCommand):
    help = "Load the reports demo (categories, areas, reports, an Open311 key) for each city."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reports", type=int, default=250, help="reports per city")

    def handle(self, *args: Any, reports: int, **options: Any) -> None:
        for municipality in Municipality.objects.filter(slug__in=["botosani", "timisoara"]):
            with transaction.atomic():
                key = self._load(municipality, reports)
            self.stdout.write(
                f"Reports demo for {municipality.slug}: Open311 API key for the demo app: {key}"
            )

    def _load(self, municipality: Municipality, count: int) -> str:
        departments = list(Department.objects.filter(municipality=municipality).order_by("id"))
        categories = []
        for position, (code, name_ro, name_en, sla, department_index) in enumerate(CATEGORIES):
            category, _created = Category.objects.update_or_create(
                municipality=municipality,
                service_code=code,
                defaults={
                    "name_ro": name_ro,
                    "name_en": name_en,
                    "sla_days": sla,
                    "position": position,
                    "department": departments[min(department_index, len(departments) - 1)]
                    if departments
                    else None,
                },
            )
            categories.append(category)
        self._questions(municipality, categories)
        self._reply_templates(municipality, categories)
        areas = []
        for slug, name_ro, name_en, (south, west, north, east) in _grid(municipality):
            ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
            area, _created = Neighbourhood.objects.update_or_create(
                municipality=municipality,
                slug=slug,
                defaults={
                    "name_ro": name_ro,
                    "name_en": name_en,
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "min_latitude": south,
                    "min_longitude": west,
                    "max_latitude": north,
                    "max_longitude": east,
                },
            )
            areas.append((area, (south, west, north, east)))
        key, _created = ApiKey.objects.get_or_create(
            municipality=municipality,
            name="DigiPlace demo app",
            defaults={"contact_email": f"developer@{municipality.slug}.example"},
        )
        if not Report.objects.filter(municipality=municipality, device_id=DEMO_DEVICE).exists():
            self._reports(municipality, categories, areas, count)
        return key.key

    def _reply_templates(self, municipality: Municipality, categories: list[Category]) -> None:
        by_code = {category.service_code: category for category in categories}
        for position, (code, title_ro, text_ro, title_en, text_en) in enumerate(REPLY_TEMPLATES):
            ReplyTemplate.objects.update_or_create(
                municipality=municipality,
                category=by_code[code] if code else None,
                position=position,
                defaults={
                    "title_ro": title_ro,
                    "text_ro": text_ro,
                    "title_en": title_en,
                    "text_en": text_en,
                    "is_active": True,
                },
            )

    def _questions(self, municipality: Municipality, categories: list[Category]) -> None:
        by_code = {category.service_code: category for category in categories}
        CategoryAttribute.objects.update_or_create(
            category=by_code["overflowing-container"],
            code="container-type",
            defaults={
                "municipality": municipality,
                "datatype": "singlevaluelist",
                "required": False,
                "description_ro": "Ce fel de container?",
                "description_en": "Which kind of container?",
                "values": [
                    {"key": "mixed", "name": "Mixed waste / Deșeuri menajere"},
                    {"key": "plastic", "name": "Plastic and metal / Plastic și metal"},
                    {"key": "paper", "name": "Paper / Hârtie"},
                    {"key": "glass", "name": "Glass / Sticlă"},
                ],
            },
        )
        CategoryAttribute.objects.update_or_create(
            category=by_code["pothole"],
            code="depth-cm",
            defaults={
                "municipality": municipality,
                "datatype": "number",
                "required": False,
                "description_ro": "Cât de adâncă este groapa (cm)?",
                "description_en": "How deep is the pothole (cm)?",
            },
        )

    def _reports(
        self,
        municipality: Municipality,
        categories: list[Category],
        areas: list[tuple[Neighbourhood, tuple[float, float, float, float]]],
        count: int,
    ) -> None:
        rng = random.Random(f"demo-{municipality.slug}")  # noqa: S311 - demo data, not security
        staff = (
            StaffMembership.objects.filter(municipality=municipality, is_active=True)
            .select_related("user")
            .first()
        )
        now = timezone.now()
        statuses = [status for status, _weight in STATUS_WEIGHTS]
        weights = [weight for _status, weight in STATUS_WEIGHTS]
        new_reports = []
        for _number in range(count):
            category = rng.choice(categories)
            area, (south, west, north, east) = rng.choice(areas)
            created = now - datetime.timedelta(days=rng.uniform(0, 360), hours=rng.uniform(0, 23))
            status = rng.choices(statuses, weights)[0]
            closed = None
            if status in (
                ReportStatus.FIXED,
                ReportStatus.NOT_RESPONSIBLE,
                ReportStatus.UNABLE_TO_FIX,
            ):
                closed = min(
                    now,
                    created + datetime.timedelta(days=rng.uniform(0.5, 2.2) * category.sla_days),
                )
            new_reports.append(
                Report(
                    municipality=municipality,
                    category=category,
                    neighbourhood=area,
                    department=category.department,
                    status=status,
                    description=DESCRIPTIONS[category.service_code],
                    latitude=rng.uniform(south, north),
                    longitude=rng.uniform(west, east),
                    reporter_name="Demo",
                    reporter_email=f"demo-reporter@{municipality.slug}.example",
                    is_anonymous=True,
                    device_id=DEMO_DEVICE,
                    locale="ro",
                    created_at=created,
                    updated_at=closed
                    or (created if status == ReportStatus.NEW else created + STATUS_DELAY),
                    closed_at=closed,
                    expected_at=created + datetime.timedelta(days=category.sla_days),
                    editable_until=created,
                )
            )
        reports = Report.objects.bulk_create(new_reports)
        updates = []
        for report in reports:
            updates.append(
                ReportUpdate(
                    municipality=municipality,
                    report=report,
                    kind=UpdateKind.CREATED,
                    new_status=ReportStatus.NEW,
                    created_at=report.created_at,
                )
            )
            if report.status != ReportStatus.NEW:
                updates.append(
                    ReportUpdate(
                        municipality=municipality,
                        report=report,
                        kind=UpdateKind.STATUS,
                        old_status=ReportStatus.NEW,
                        new_status=report.status,
                        text=RESPONSES.get(report.status, ""),
                        author=staff.user if staff else None,
                        created_at=report.updated_at,
                    )
                )
        ReportUpdate.objects.bulk_create(updates)
