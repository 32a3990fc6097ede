"""Demo data of the processes component (called by ``manage.py participation_demo``): the
processes the cities' plans name that no other component owns. Botoșani's consultation on
its digital transformation strategy (IAP §3: "public consultation on the new strategy",
"public information campaign", "analysing the outcome") and Timișoara's DECIDEM, the
umbrella of Ambition 1 "Every Citizen Has a Voice". Zones are the budgeting demo's."""

from __future__ import annotations

import datetime

from django.utils import timezone

from digiplace.core import links
from digiplace.core.models import Municipality
from digiplace.participation.models import Phase, Process

from . import process_ensure

BOTOSANI_SLUG = "strategia-transformare-digitala"
TIMISOARA_SLUG = "decidem"
# Plan projects the processes serve (the plans demo loads data/plans/*.yaml).
BOTOSANI_PROJECT = links.ref_make("plans.project", "botosani-iap/5.4-4")
TIMISOARA_PROJECT = links.ref_make("plans.project", "timisoara-smart-city-2022-2027/A1.SO3.P1")


def _phases_ensure(process: Process, phases: list[dict[str, object]]) -> None:
    """The phases, created once (a process that has phases keeps them)."""
    if Phase.objects.filter(process=process).exists():
        return
    rows = []
    for position, phase in enumerate(phases):
        title = phase["title"]
        description = phase.get("description", {"ro": "", "en": ""})
        starts_on, ends_on = phase["starts_on"], phase["ends_on"]
        assert isinstance(title, dict) and isinstance(description, dict)
        assert isinstance(starts_on, datetime.date) and isinstance(ends_on, datetime.date)
        rows.append(
            Phase(
                municipality_id=process.municipality_id,
                process=process,
                position=position,
                title=title["ro"],
                title_ro=title["ro"],
                title_en=title["en"],
                description=description["ro"],
                description_ro=description["ro"],
                description_en=description["en"],
                starts_on=starts_on,
                ends_on=ends_on,
            )
        )
    Phase.objects.bulk_create(rows)


def _botosani(municipality: Municipality, today: datetime.date) -> Process:
    now = timezone.now()
    process = process_ensure(
        municipality=municipality,
        slug=BOTOSANI_SLUG,
        title={
            "ro": "Strategia de transformare digitală — consultare",
            "en": "The digital transformation strategy — consultation",
        },
        summary={
            "ro": "Spuneți-ne cum vreți să arate serviciile digitale ale Primăriei Botoșani.",
            "en": "Tell us how you want Botoșani City Hall's digital services to be.",
        },
        description={
            "ro": (
                "Planul de Acțiune Integrat pentru transformarea digitală a municipiului "
                "Botoșani prevede o consultare publică asupra noii strategii, o campanie de "
                "informare despre noile tehnologii pe care Primăria intenționează să le "
                "folosească și analiza rezultatelor consultării. Viziunea: până în 2030, o "
                "administrație publică locală proactivă și eficientă, cu un grad ridicat de "
                "informatizare și de acces al populației la serviciile online, în dialog "
                "permanent cu cetățenii.\n\nTrimiteți propuneri pentru acțiuni care pot "
                "intra în plan."
            ),
            "en": (
                "Botoșani's Integrated Action Plan for digital transformation provides for a "
                "public consultation on the new strategy, a campaign informing citizens of "
                "the new technologies the City Hall intends to use, and an analysis of the "
                "consultation's outcome. The vision: by 2030, a proactive and efficient "
                "local public administration with a high degree of computerisation and of "
                "access to online services, in permanent dialogue with its citizens.\n\n"
                "Send proposals for actions that can be part of the plan."
            ),
        },
        scope="city",
        plan_project_ref=BOTOSANI_PROJECT,
        proposals_enabled=True,
        proposals_open_from=now - datetime.timedelta(days=7),
        proposals_open_until=now + datetime.timedelta(days=21),
    )
    day = datetime.timedelta(days=1)
    _phases_ensure(
        process,
        [
            {
                "title": {"ro": "Campania de informare", "en": "Information campaign"},
                "description": {
                    "ro": "Ce tehnologii noi intenționează Primăria să folosească și de ce.",
                    "en": "Which new technologies the City Hall intends to use, and why.",
                },
                "starts_on": today - 30 * day,
                "ends_on": today - 8 * day,
            },
            {
                "title": {"ro": "Consultarea publică", "en": "Public consultation"},
                "description": {
                    "ro": "Cetățeni, firme și instituții trimit propuneri și observații.",
                    "en": "Citizens, businesses and institutions send proposals and comments.",
                },
                "starts_on": today - 7 * day,
                "ends_on": today + 21 * day,
            },
            {
                "title": {"ro": "Analiza rezultatelor", "en": "Analysing the outcome"},
                "description": {
                    "ro": "Câți cetățeni au participat și ce au propus; răspunsul Primăriei.",
                    "en": "How many citizens took part and what they proposed; the answer.",
                },
                "starts_on": today + 22 * day,
                "ends_on": today + 50 * day,
            },
            {
                "title": {"ro": "Adoptarea strategiei", "en": "Adopting the strategy"},
                "starts_on": today + 51 * day,
                "ends_on": today + 90 * day,
            },
        ],
    )
    return process


def _timisoara(municipality: Municipality, today: datetime.date) -> Process:
    process = process_ensure(
        municipality=municipality,
        slug=TIMISOARA_SLUG,
        title={
            "ro": "DECIDEM — Fiecare cetățean are o voce",
            "en": "DECIDEM — Every Citizen Has a Voice",
        },
        summary={
            "ro": "Platforma publică de participare a Timișoarei: consultări, propuneri, buget.",
            "en": "Timișoara's public participation platform: consultations, proposals, budget.",
        },
        description={
            "ro": (
                "Cu o populație de peste 325 de mii de locuitori în oraș și de peste 440 de "
                "mii în zona metropolitană, Timișoara are premisele unei comunități urbane "
                "coezive. Automatizarea, transparentizarea și trasabilitatea procesului de "
                "consultare prin mijloace digitale pot contribui la revigorarea spiritului "
                "civic și participativ (Strategia de Smart City și Transformare Digitală "
                "2022–2027, Ambiția 1)."
            ),
            "en": (
                "With a city population over 325k, and a metropolitan area population over "
                "440k, Timișoara has the premises for a cohesive urban community. Automation, "
                "transparency and traceability of the consultation process through digital "
                "means can contribute to reviving the civic and participatory spirit (Smart "
                "City and Digital Transformation Strategy 2022–2027, Ambition 1)."
            ),
        },
        scope="city",
        plan_project_ref=TIMISOARA_PROJECT,
    )
    _phases_ensure(
        process,
        [
            {
                "title": {
                    "ro": "Strategia de Smart City 2022–2027",
                    "en": "Smart City Strategy 2022–2027",
                },
                "description": {
                    "ro": "Consultări, bugetare participativă pe 8 zone, ascultarea cartierelor.",
                    "en": "Consultations, participatory budgeting in 8 zones, neighbourhood "
                    "listening.",
                },
                "starts_on": datetime.date(2022, 1, 1),
                "ends_on": max(datetime.date(2027, 12, 31), today),
            }
        ],
    )
    return process


def demo_load(*, botosani: Municipality | None, timisoara: Municipality | None) -> list[str]:
    """Create the demo records once (running again changes nothing); lines to print."""
    today = timezone.localdate()
    lines = []
    for municipality, slug, make in (
        (botosani, BOTOSANI_SLUG, _botosani),
        (timisoara, TIMISOARA_SLUG, _timisoara),
    ):
        if municipality is None:
            continue
        if Process.objects.filter(municipality=municipality, slug=slug).exists():
            continue
        process = make(municipality, today)
        lines.append(
            f"{municipality.name}: process “{process.title}” with {process.phases.count()} phases"
        )
    return lines
