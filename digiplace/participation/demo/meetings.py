"""Demo data of the meetings component (called by ``manage.py participation_demo``).

Botoșani: the annual public forum in a hybrid format (plan §3 and §5.2, "Annual Public
Forum in a hybrid format": live streaming, online questions, a position paper with the
main take-aways), last year's edition with its minutes, position paper and answered
questions, and this year's taking registrations. Timișoara: "ascultare în cartier", the
plan's mechanism for listening to the inhabitants of each neighbourhood, in the first two
budgeting zones (skipped if the zones are not there).
"""

from __future__ import annotations

import datetime
import logging
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.utils import timezone

from digiplace.core.models import Municipality
from digiplace.participation.models import ForumQuestion, ForumQuestionStatus, Meeting, Zone

from . import process_ensure

logger = logging.getLogger(__name__)

FORUM_PROCESS = "forum-public-anual"
LISTENING_PROCESS = "ascultare-in-cartier"

AGENDA_RO = """17:00 Deschidere: primarul și echipa de digitalizare
17:20 Ce poate și ce nu poate face tehnologia smart city pentru cetățeni
17:50 Transportul public: tramvai sau autobuze electrice, rezultatele consultării
18:30 Întrebări din sală și online, votate de participanți
19:15 Concluziile pentru documentul de poziție"""
AGENDA_EN = """17:00 Opening: the mayor and the digital transformation team
17:20 What smart-city technology can and cannot do for citizens
17:50 Public transport: tramway or electric buses, the consultation's results
18:30 Questions from the room and online, upvoted by participants
19:15 Conclusions for the position paper"""

DESCRIPTION_RO = (
    "Forumul public anual al Municipiului Botoșani, în format hibrid: în sală și online, "
    "cu transmisiune în direct și întrebări de la participanții online. Cetățeni, ONG-uri, "
    "firme locale și instituții publice discută strategia smart city a orașului; "
    "concluziile intră într-un document de poziție."
)
DESCRIPTION_EN = (
    "Botoșani's annual public forum in a hybrid format: in the room and online, streamed "
    "live, with questions from online participants. Citizens, NGOs, local businesses and "
    "public institutions discuss the city's smart-city strategy; the conclusions go into a "
    "position paper."
)

MINUTES = "\n".join(
    [
        "Forumul public anual, ediția %(year)d, s-a desfășurat în format hibrid, la Primăria "
        "Municipiului Botoșani și online.",
        "",
        "Teme discutate:",
        "1. Ce poate și ce nu poate face tehnologia smart city pentru cetățeni: e-ticketing, "
        "managementul centralizat al traficului, servicii publice digitale.",
        "2. Modernizarea transportului local: tramvai sau autobuze electrice; s-a convenit "
        "organizarea unei consultări publice dedicate.",
        "3. Protecția datelor: datele colectate vor fi folosite în beneficiul cetățenilor, "
        "anonimizate și în acord cu reglementările privind viața privată.",
        "4. Mobilitate verde: stații de încărcare pentru autoturisme electrice și hibride.",
        "5. Capacitatea instituțională: un birou dedicat digitalizării în primărie.",
        "",
        "Întrebările participanților, cu răspunsurile date, sunt publicate mai jos. "
        "Concluziile sunt rezumate în documentul de poziție.",
    ]
)

# (question, answer, votes, asked in the room)
ARCHIVED_QUESTIONS = [
    (
        "Tramvai sau autobuze electrice: cine decide și cum putem participa?",
        "Decizia va urma unei consultări publice deschise tuturor locuitorilor, pe "
        "platforma de participare; rezultatele vor fi prezentate la forumul următor.",
        42,
        False,
    ),
    (
        "Cum sunt protejate datele colectate de e-ticketing și de sistemul de "
        "management al traficului?",
        "Datele sunt stocate securizat, anonimizate și folosite doar în beneficiul "
        "cetățenilor, în acord cu reglementările privind protecția datelor.",
        31,
        False,
    ),
    (
        "Vor exista stații de încărcare pentru mașini electrice și hibride?",
        "Da: tranziția spre o mobilitate verde și digitală include stații de încărcare "
        "publice; amplasamentele vor fi propuse în consultare.",
        24,
        False,
    ),
    (
        "Cine se ocupă de digitalizare în primărie?",
        "Planul prevede un birou dedicat digitalizării, care coordonează proiectele smart city.",
        17,
        True,
    ),
    (
        "Cum se pot implica ONG-urile în grupul local URBACT?",
        "Grupul local este deschis ONG-urilor, firmelor și instituțiilor; înscrierea se "
        "face la primărie, iar întâlnirile sunt anunțate pe platformă.",
        12,
        True,
    ),
]

POSITION_PAPER_HTML = """<!doctype html><html lang="ro"><head><meta charset="utf-8">
<style>body{font-family:sans-serif;font-size:11pt;line-height:1.4;margin:2cm}
h1{font-size:18pt}h2{font-size:13pt;margin-top:1.2em}</style></head><body>
<h1>Document de poziție: Forumul public anual %(year)d</h1>
<p>Municipiul Botoșani, împreună cu ONG-uri, firme locale și instituții publice.</p>
<h2>1. Un dialog deschis și accesibil</h2>
<p>Forumul se organizează anual, în format hibrid, cu transmisiune în direct și întrebări
de la participanții online, pentru a aduce administrația mai aproape de cetățeni.</p>
<h2>2. Transportul public</h2>
<p>Alegerea între tramvai și autobuze electrice se face după o consultare publică.</p>
<h2>3. Date în beneficiul cetățenilor</h2>
<p>Datele orașului sunt folosite anonimizat și stocate securizat.</p>
<h2>4. Mobilitate verde</h2>
<p>Stații de încărcare pentru autoturisme electrice și hibride.</p>
<h2>5. Capacitate instituțională</h2>
<p>Un birou dedicat digitalizării coordonează proiectele smart city.</p>
</body></html>"""


def _local(municipality: Municipality, day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=ZoneInfo(municipality.time_zone)
    )


def _position_paper(year: int) -> bytes | None:
    try:
        from weasyprint import HTML
    except ImportError:  # pragma: no cover - WeasyPrint is a dependency
        return None
    pdf: bytes = HTML(string=POSITION_PAPER_HTML % {"year": year}).write_pdf()
    return pdf


def _forum_load(botosani: Municipality) -> list[str]:
    process = process_ensure(
        municipality=botosani,
        slug=FORUM_PROCESS,
        title={"ro": "Forumul public anual", "en": "Annual public forum"},
        summary={
            "ro": "Dezbaterea anuală, în sală și online, despre orașul inteligent.",
            "en": "The yearly debate, in the room and online, on the smart city.",
        },
    )
    if Meeting.objects.filter(municipality=botosani, process=process).exists():
        return []
    today = timezone.localdate()
    upcoming_day = today + datetime.timedelta(days=24)
    past_day = upcoming_day - datetime.timedelta(days=364)
    common = {
        "municipality": botosani,
        "process": process,
        "place_name": "Primăria Municipiului Botoșani, Sala de consiliu",
        "address": "Piața Revoluției 1, Botoșani",
        "latitude": botosani.centre_latitude,
        "longitude": botosani.centre_longitude,
        "stream_url": botosani.website or "",
        "questions_enabled": True,
        "is_published": True,
        "description": DESCRIPTION_RO,
        "description_ro": DESCRIPTION_RO,
        "description_en": DESCRIPTION_EN,
        "agenda": AGENDA_RO,
        "agenda_ro": AGENDA_RO,
        "agenda_en": AGENDA_EN,
    }
    past_title = f"Forumul public anual {past_day.year}"
    past = Meeting.objects.create(
        slug=f"forum-public-{past_day.year}",
        title=past_title,
        title_ro=past_title,
        title_en=f"Annual public forum {past_day.year}",
        starts_at=_local(botosani, past_day, 17),
        ends_at=_local(botosani, past_day, 20),
        capacity=120,
        registration_open=False,
        minutes=MINUTES % {"year": past_day.year},
        **common,
    )
    paper = _position_paper(past_day.year)
    if paper is not None:
        past.position_paper.save(f"{past.slug}.pdf", ContentFile(paper), save=True)
    ForumQuestion.objects.bulk_create(
        ForumQuestion(
            municipality=botosani,
            meeting=past,
            body=body,
            answer=answer,
            vote_count=votes,
            in_room=in_room,
            status=ForumQuestionStatus.ANSWERED,
            created_at=past.starts_at + datetime.timedelta(minutes=90 + number * 5),
        )
        for number, (body, answer, votes, in_room) in enumerate(ARCHIVED_QUESTIONS)
    )
    upcoming_title = f"Forumul public anual {upcoming_day.year}"
    Meeting.objects.create(
        slug=f"forum-public-{upcoming_day.year}",
        title=upcoming_title,
        title_ro=upcoming_title,
        title_en=f"Annual public forum {upcoming_day.year}",
        starts_at=_local(botosani, upcoming_day, 17),
        ends_at=_local(botosani, upcoming_day, 20),
        capacity=120,
        registration_open=True,
        **common,
    )
    return [
        f"Botoșani: the annual public forum, {past_day.year} (minutes, position paper, "
        f"{len(ARCHIVED_QUESTIONS)} answered questions) and {upcoming_day.year} "
        "(taking registrations)."
    ]


def _zone_point(zone: Zone, municipality: Municipality) -> tuple[float, float] | None:
    """The zone's centre (of its area), if it has an area inside the city."""
    if not zone.geometry:
        return None
    try:
        from shapely.geometry import shape

        centre = shape(zone.geometry).representative_point()
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    latitude, longitude = float(centre.y), float(centre.x)
    if not municipality.contains_point(latitude, longitude):
        return None
    return latitude, longitude


def _listening_load(timisoara: Municipality) -> list[str]:
    zones = list(Zone.objects.for_municipality(timisoara).order_by("position", "slug")[:2])
    if not zones:
        return ["Timișoara: no zones yet, so no neighbourhood listening meetings."]
    process = process_ensure(
        municipality=timisoara,
        slug=LISTENING_PROCESS,
        title={"ro": "Ascultare în cartier", "en": "Neighbourhood listening"},
        summary={
            "ro": "Mecanismul de ascultare a locuitorilor fiecărui cartier.",
            "en": "Listening to the inhabitants of each neighbourhood.",
        },
    )
    today = timezone.localdate()
    created = []
    for number, zone in enumerate(zones):
        slug = f"ascultare-{zone.slug}"[:80]
        if Meeting.objects.filter(municipality=timisoara, slug=slug).exists():
            continue
        day = today + datetime.timedelta(days=10 + 7 * number)
        point = _zone_point(zone, timisoara)
        name_ro = getattr(zone, "name_ro", None) or zone.name
        name_en = getattr(zone, "name_en", None) or zone.name
        title_ro = f"Ascultare în cartier: {name_ro}"
        Meeting.objects.create(
            municipality=timisoara,
            process=process,
            slug=slug,
            title=title_ro,
            title_ro=title_ro,
            title_en=f"Neighbourhood listening: {name_en}",
            description_ro=(
                "Locuitorii cartierului spun ce îi preocupă; primăria ascultă, notează și "
                "răspunde. Ce se aude aici intră în propunerile și în bugetul participativ "
                "al zonei."
            ),
            description_en=(
                "The neighbourhood's inhabitants say what concerns them; the city hall "
                "listens, takes notes and answers. What is heard here feeds the zone's "
                "proposals and participatory budget."
            ),
            agenda_ro="18:00 Cuvânt de deschidere\n18:10 Locuitorii au cuvântul\n19:30 Ce urmează",
            agenda_en="18:00 Welcome\n18:10 The inhabitants speak\n19:30 Next steps",
            starts_at=_local(timisoara, day, 18),
            ends_at=_local(timisoara, day, 20),
            place_name=name_ro,
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
            capacity=60,
            registration_open=True,
            is_published=True,
        )
        created.append(name_ro)
    if not created:
        return []
    return [f"Timișoara: neighbourhood listening meetings in {', '.join(created)}."]


def demo_load(*, botosani: Municipality | None, timisoara: Municipality | None) -> list[str]:
    """Create the demo records once (running again changes nothing); lines to print."""
    lines: list[str] = []
    if botosani is not None:
        lines += _forum_load(botosani)
    if timisoara is not None:
        lines += _listening_load(timisoara)
    return lines
