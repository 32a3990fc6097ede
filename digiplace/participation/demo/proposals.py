"""Demo data of the proposals component (called by ``manage.py participation_demo``).

Botoșani's process "Idei pentru un oraș digital" takes proposals on the themes of the city's
Integrated Action Plan for its digital transformation (DigiPlace, URBACT): free Wi-Fi and
smart benches in the relaxation spaces of the Historical Centre and Parcul Tineretului,
digital public services, selective waste collection at the 81 container points, the
electric buses replacing the tramway, energy-efficient lighting, bike lanes. Residents'
supports and comments, and some answers of the city (accepted, rejected with a reason).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from digiplace.core.models import Municipality, User
from digiplace.participation.models import (
    Proposal,
    ProposalCategory,
    ProposalComment,
    ProposalStatus,
    ProposalSupport,
)

from . import process_ensure

PROCESS_SLUG = "idei-oras-digital"
PROCESS_TITLE = {"ro": "Idei pentru un oraș digital", "en": "Ideas for a digital city"}
DEMO_EMAIL = "locuitor{number:02d}@botosani.demo.example"

CATEGORIES = [
    ("servicii-digitale", "Servicii digitale", "Digital services"),
    ("spatii-verzi", "Parcuri și spații de relaxare", "Parks and relaxation spaces"),
    ("mobilitate", "Mobilitate și transport", "Mobility and transport"),
    ("mediu", "Mediu și deșeuri", "Environment and waste"),
    ("iluminat", "Iluminat și siguranță", "Lighting and safety"),
]

RESIDENTS = [
    "Andreea Ursachi",
    "Bogdan Cozma",
    "Camelia Avram",
    "Dorin Manolache",
    "Elena Hrițcu",
    "Florin Onofrei",
    "Gabriela Ionescu",
    "Horia Lupașcu",
    "Ioana Crăciun",
    "Laurențiu Ștefănescu",
    "Mihaela Cojocaru",
    "Nicolae Bejan",
    "Oana Sandu",
    "Petru Rotaru",
    "Raluca Talpă",
    "Sorin Munteanu",
    "Tudora Apostu",
    "Valentin Pintilie",
]


@dataclass(frozen=True)
class DemoProposal:
    title: str
    body: str
    category: str
    author: int
    days_ago: int
    supporters: int
    place: tuple[float, float] | None = None
    status: str = ProposalStatus.PUBLISHED
    answer: str = ""
    comments: tuple[tuple[int, str, int | None], ...] = field(default_factory=tuple)


PROPOSALS = [
    DemoProposal(
        "Wi-Fi gratuit în Parcul Mihai Eminescu",
        "Parcul e plin vara de elevi și studenți. Câteva puncte de acces Wi-Fi gratuit lângă "
        "foișor și la intrarea dinspre Bulevardul Mihai Eminescu ar face din parc un loc unde "
        "se poate învăța și lucra.",
        "spatii-verzi",
        0,
        40,
        17,
        (47.7437, 26.6589),
        ProposalStatus.ACCEPTED,
        "Propunerea se potrivește cu acțiunea planului privind spațiile publice inteligente: "
        "includem parcul în proiectul de Wi-Fi public din 2026.",
        (
            (3, "Foarte bună idee, mai ales pentru elevii de la liceele din zonă.", None),
            (5, "Ar trebui să fie fără înregistrare complicată.", 0),
        ),
    ),
    DemoProposal(
        "Bănci inteligente cu încărcare solară în Centrul Istoric",
        "Pe strada 1 Decembrie și în jurul Bisericii Sf. Nicolae lipsesc locurile de odihnă. "
        "Propun bănci cu panou solar și porturi USB, ca cele din planul de amenajare a "
        "spațiilor de relaxare.",
        "spatii-verzi",
        1,
        35,
        12,
        (47.7440, 26.6690),
        ProposalStatus.EVALUATING,
        "Analizăm amplasarea împreună cu proiectul de revitalizare a Centrului Istoric.",
        ((2, "Și câteva cișmele ar prinde bine vara.", None),),
    ),
    DemoProposal(
        "Programări online la Serviciul de Taxe și Impozite",
        "Cozile de la ghișee sunt lungi în martie. O programare online pe intervale de 15 "
        "minute, cu confirmare pe email, ar scurta mult așteptarea.",
        "servicii-digitale",
        2,
        33,
        21,
        None,
        ProposalStatus.ACCEPTED,
        "Programările online vor fi disponibile din trimestrul următor, în portalul de "
        "servicii digitale al primăriei.",
        (
            (6, "Și plata taxelor direct din aceeași pagină.", None),
            (0, "Da, cu chitanță electronică.", 0),
            (8, "Exact, chitanța să vină și pe email.", 1),
        ),
    ),
    DemoProposal(
        "Certificat de urbanism cerut și primit online",
        "Depunerea documentelor și primirea certificatului semnat electronic, fără drum la "
        "registratură, ca în celelalte orașe din rețeaua DigiPlace.",
        "servicii-digitale",
        3,
        30,
        9,
    ),
    DemoProposal(
        "Camere și senzori la punctele de colectare selectivă",
        "La punctele de colectare din cartierele Grivița și Cișmea, containerele sunt pline "
        "și se aruncă deșeuri lângă ele. Senzori de umplere și camere ca în proiectul pilot "
        "din 2022 ar ajuta la golirea la timp.",
        "mediu",
        4,
        28,
        14,
        (47.7555, 26.6475),
        ProposalStatus.ACCEPTED,
        "Extindem sistemul testat în 2022 la alte puncte de colectare; lista punctelor va fi "
        "publicată.",
        ((9, "Important să fie și informare pentru asociațiile de proprietari.", None),),
    ),
    DemoProposal(
        "Hartă online a punctelor de colectare a deșeurilor",
        "O hartă cu cele 81 de puncte autorizate, ce se colectează la fiecare și în ce zile, "
        "ar ajuta la sortarea corectă.",
        "mediu",
        5,
        26,
        8,
    ),
    DemoProposal(
        "Pistă de biciclete pe Calea Națională",
        "Calea Națională leagă cartierele de centru, dar nu are pistă de biciclete. Propun o "
        "pistă separată de carosabil, de la Piața Mare până la Parcul Tineretului.",
        "mobilitate",
        6,
        24,
        19,
        (47.7510, 26.6600),
        ProposalStatus.EVALUATING,
        "Verificăm lățimea străzii în cadrul Planului de Mobilitate Urbană Durabilă.",
        (
            (10, "Și parcări pentru biciclete la școli.", None),
            (11, "Pe unele porțiuni trotuarul e prea îngust.", 0),
        ),
    ),
    DemoProposal(
        "Afișaje cu sosirea autobuzelor electrice în stații",
        "Odată cu cele 11 autobuze electrice care înlocuiesc tramvaiul, stațiile principale ar "
        "trebui să arate în timp real în câte minute vine următorul autobuz.",
        "mobilitate",
        7,
        22,
        15,
        (47.7479, 26.6655),
    ),
    DemoProposal(
        "Iluminat LED cu senzori pe Aleea Nucului",
        "Aleea e întunecată seara. Stâlpi LED cu senzori de prezență ar da lumină când trece "
        "cineva și ar consuma puțin.",
        "iluminat",
        8,
        20,
        11,
        (47.7395, 26.6520),
        ProposalStatus.ACCEPTED,
        "Aleea intră în proiectul de regenerare a zonei Aleea Nucului, cu sistem de iluminat "
        "eficient energetic.",
    ),
    DemoProposal(
        "Parcare subterană sub Piața Revoluției",
        "Centrul e aglomerat de mașini. O parcare subterană cu 500 de locuri sub Piața "
        "Revoluției ar elibera străzile.",
        "mobilitate",
        9,
        18,
        4,
        (47.7479, 26.6660),
        ProposalStatus.REJECTED,
        "Piața este în zona protejată a Centrului Istoric, iar costul estimat depășește cu mult "
        "bugetul local. Planul de mobilitate prevede în schimb parcări de transfer la "
        "intrările în oraș și transport public electric.",
        ((12, "Înțeleg, dar parcările de transfer trebuie să fie legate de autobuze.", None),),
    ),
    DemoProposal(
        "Aplicație pentru semnalarea gropilor și a problemelor din oraș",
        "O aplicație unde trimiți o fotografie și locul, iar primăria răspunde când rezolvă.",
        "servicii-digitale",
        10,
        16,
        6,
        None,
        ProposalStatus.REJECTED,
        "Platforma are deja acest serviciu: secțiunea „Sesizări” primește problemele cu "
        "fotografie și loc, iar fiecare sesizare are răspunsul primăriei.",
    ),
    DemoProposal(
        "Spațiu de relaxare în scuarul Liceului Pedagogic",
        "Scuarul din fața liceului poate deveni loc de odihnă, cu mobilier urban inteligent, "
        "alei pietonale și iluminat eficient.",
        "spatii-verzi",
        11,
        14,
        10,
        (47.7452, 26.6612),
    ),
    DemoProposal(
        "Ateliere de competențe digitale pentru vârstnici",
        "Multe servicii trec online. La bibliotecă sau la centrele de zi, voluntari ar putea "
        "învăța vârstnicii să folosească plățile online și programările.",
        "servicii-digitale",
        12,
        10,
        13,
        None,
        comments=((13, "Mă ofer voluntar, sunt profesor de informatică.", None),),
    ),
    DemoProposal(
        "Date deschise despre calitatea aerului",
        "Senzori de calitate a aerului în intersecțiile mari și datele publicate deschis, ca "
        "oricine să le poată folosi.",
        "mediu",
        13,
        7,
        5,
        (47.7530, 26.6700),
    ),
    DemoProposal(
        "Treceri de pietoni iluminate lângă școli",
        "Treceri de pietoni cu iluminat suplimentar și semnalizare luminoasă lângă școlile "
        "din cartierul Împărăteasa Elisabeta.",
        "iluminat",
        14,
        3,
        7,
        (47.7585, 26.6550),
    ),
]


def _residents() -> list[User]:
    """The demo residents who write, support and comment (confirmed, without a password)."""
    users = []
    for number, name in enumerate(RESIDENTS, start=1):
        email = DEMO_EMAIL.format(number=number)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(
                email=email,
                full_name=name,
                preferred_language="ro",
                email_confirmed_at=timezone.now(),
            )
            user.set_unusable_password()
            user.save()
        users.append(user)
    return users


def _categories(municipality: Municipality) -> dict[str, ProposalCategory]:
    found = {}
    for position, (slug, name_ro, name_en) in enumerate(CATEGORIES):
        category, _created = ProposalCategory.objects.get_or_create(
            municipality=municipality,
            slug=slug,
            defaults={
                "name": name_ro,
                "name_ro": name_ro,
                "name_en": name_en,
                "position": position,
            },
        )
        found[slug] = category
    return found


def demo_load(*, botosani: Municipality | None, timisoara: Municipality | None) -> list[str]:
    """Create the demo records once (running again changes nothing); lines to print."""
    if botosani is None:
        return []
    now = timezone.now()
    process = process_ensure(
        municipality=botosani,
        slug=PROCESS_SLUG,
        title=PROCESS_TITLE,
        summary={
            "ro": "Propuneți idei pentru transformarea digitală a Botoșaniului.",
            "en": "Propose ideas for the digital transformation of Botoșani.",
        },
        description={
            "ro": "Planul de acțiune integrat pentru transformarea digitală a municipiului "
            "(DigiPlace, URBACT) pune cetățenii în centru. Trimiteți idei despre servicii "
            "publice digitale, spații publice inteligente, mobilitate și mediu; susțineți "
            "și comentați ideile celorlalți. Primăria răspunde fiecărei propuneri.",
            "en": "The city's Integrated Action Plan for its digital transformation "
            "(DigiPlace, URBACT) puts citizens at the centre. Send ideas on digital public "
            "services, smart public spaces, mobility and the environment; support and "
            "comment on others' ideas. The city answers every proposal.",
        },
        proposals_enabled=True,
        proposals_open_from=now - datetime.timedelta(days=45),
        proposals_open_until=now + datetime.timedelta(days=60),
    )
    if Proposal.objects.filter(process=process).exists():
        return []
    categories = _categories(botosani)
    residents = _residents()
    staff = User.objects.filter(email=f"staff@{botosani.slug}.example").first()
    proposals = Proposal.objects.bulk_create(
        [
            Proposal(
                municipality=botosani,
                process=process,
                author=residents[item.author],
                title=item.title,
                body=item.body,
                category=categories[item.category],
                latitude=item.place[0] if item.place else None,
                longitude=item.place[1] if item.place else None,
                status=item.status,
                answer=item.answer,
                answered_by=staff if item.answer else None,
                answered_at=now - datetime.timedelta(days=max(item.days_ago - 5, 1))
                if item.answer
                else None,
                created_at=now - datetime.timedelta(days=item.days_ago),
                support_count=min(item.supporters, len(RESIDENTS)),
            )
            for item in PROPOSALS
        ]
    )
    supports: list[ProposalSupport] = []
    for index, (item, proposal) in enumerate(zip(PROPOSALS, proposals, strict=True)):
        # Each resident supports once: at most as many supporters as demo residents.
        supporters = [
            residents[(index + offset + 1) % len(residents)]
            for offset in range(min(item.supporters, len(residents)))
        ]
        supports.extend(
            ProposalSupport(
                municipality=botosani,
                proposal=proposal,
                user=user,
                created_at=proposal.created_at + datetime.timedelta(hours=offset + 1),
            )
            for offset, user in enumerate(supporters)
        )
    ProposalSupport.objects.bulk_create(supports)
    comment_count = 0
    for item, proposal in zip(PROPOSALS, proposals, strict=True):
        written: list[ProposalComment] = []
        for position, (author, body, parent) in enumerate(item.comments):
            comment = ProposalComment.objects.create(
                municipality=botosani,
                proposal=proposal,
                author=residents[author],
                body=body,
                parent=written[parent] if parent is not None else None,
                created_at=proposal.created_at + datetime.timedelta(days=1, hours=position),
            )
            written.append(comment)
        comment_count += len(written)
    return [
        f"Proposals: {len(proposals)} in “{PROCESS_TITLE['ro']}”, {len(supports)} supports, "
        f"{comment_count} comments."
    ]
