"""Demo data of the budgeting component (called by ``manage.py participation_demo``).

Timișoara: the participatory budget of its plan (Ambition 1, "Every Citizen Has a Voice":
8 zones with 500,000 lei each), with residents' projects in each zone, staff reviews (a few
not eligible, with reasons), generated ballots, voting closed and the results published
with the Method of Equal Shares by the same service staff use. Botoșani: a budget open for
voting in three neighbourhoods, so that the demo shows voting.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from decimal import Decimal

from django.utils import timezone

from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.models import Municipality
from digiplace.participation.demo import process_ensure
from digiplace.participation.identifiers import (
    VOTING_CODE_ALPHABET,
    IdentifierError,
    voting_code_check,
    voting_code_digest,
)
from digiplace.participation.models import (
    Ballot,
    BallotChoice,
    Budget,
    BudgetProject,
    BudgetProjectStatus,
    BudgetRule,
    BudgetZone,
    VotingCode,
    VotingMethod,
    Zone,
)
from digiplace.participation.services.budgeting_results import budget_results_publish
from digiplace.participation.services.voting import code_digest_key

ZONE_AMOUNT = Decimal(500_000)

# Timișoara's neighbourhoods grouped into the plan's 8 zones: (slug, Romanian, English).
TIMISOARA_ZONES = [
    ("cetate", "Cetate – Centru", "Cetate – City centre"),
    ("iosefin-elisabetin", "Iosefin – Elisabetin", "Iosefin – Elisabetin"),
    ("fabric", "Fabric – Tipografilor", "Fabric – Tipografilor"),
    ("circumvalatiunii", "Circumvalațiunii – Dâmbovița", "Circumvalațiunii – Dâmbovița"),
    ("lipovei-aradului", "Calea Lipovei – Calea Aradului", "Calea Lipovei – Calea Aradului"),
    ("sagului-fratelia", "Calea Șagului – Fratelia", "Calea Șagului – Fratelia"),
    ("soarelui", "Soarelui – Complexul Studențesc", "Soarelui – Student Campus"),
    ("freidorf-ronat", "Freidorf – Ronaț – Plopi", "Freidorf – Ronaț – Plopi"),
]

# Projects any zone might propose: (title with {place}, cost in lei, category).
PROJECT_IDEAS = [
    ("Loc de joacă incluziv în {place}", 185_000, "Spații de joacă"),
    ("Colectare separată cu pubele îngropate în {place}", 140_000, "Mediu"),
    ("Plantare a 120 de arbori în {place}", 95_000, "Spații verzi"),
    ("Stații de reparat biciclete și rastele în {place}", 48_000, "Mobilitate"),
    ("Iluminat cu LED și senzori de prezență în {place}", 230_000, "Siguranță"),
    ("Grădină comunitară cu irigare prin picurare în {place}", 72_000, "Spații verzi"),
    ("Treceri de pietoni iluminate lângă școlile din {place}", 160_000, "Siguranță"),
    ("Wi-Fi public gratuit în {place}", 60_000, "Digital"),
    ("Teren de sport multifuncțional în {place}", 320_000, "Sport"),
    ("Bănci solare cu încărcare USB în {place}", 38_000, "Digital"),
    ("Fântâni de apă potabilă în {place}", 55_000, "Sănătate"),
    ("Piste de biciclete protejate în {place}", 410_000, "Mobilitate"),
]

# Where each zone's projects are (real places of each zone).
TIMISOARA_PLACES = {
    "cetate": ["Piața Victoriei", "Parcul Central", "Piața Unirii", "Piața Libertății"],
    "iosefin-elisabetin": ["Piața Bălcescu", "Parcul Doina", "Strada Iosif Nemoianu"],
    "fabric": ["Piața Traian", "Parcul Regina Maria", "Strada Ștefan cel Mare"],
    "circumvalatiunii": ["Parcul Copiilor", "Calea Circumvalațiunii", "Piața Dâmbovița"],
    "lipovei-aradului": ["Parcul Pădurice", "Calea Aradului", "Calea Lipovei"],
    "sagului-fratelia": ["Calea Șagului", "Parcul Fratelia", "Strada Martir Ioan Stanciu"],
    "soarelui": ["Complexul Studențesc", "Parcul Tineretului", "Calea Martirilor"],
    "freidorf-ronat": ["Parcul Freidorf", "Strada Ronaț", "Calea Torontalului"],
}

INELIGIBLE = {
    # zone slug -> (idea index, reason): the reviews the public sees.
    "cetate": (
        8,
        "Piața Victoriei este monument istoric: un teren de sport nu poate fi amplasat "
        "acolo (avizul Direcției pentru Cultură este negativ).",
    ),
    "lipovei-aradului": (
        11,
        "Traseul pe Calea Aradului este deja în proiectul de modernizare finanțat prin PNRR; "
        "nu poate fi finanțat de două ori.",
    ),
    "freidorf-ronat": (
        7,
        "Terenul propus aparține CFR, nu municipiului; proiectul nu se poate realiza pe "
        "domeniul public local.",
    ),
}

BOTOSANI_ZONES = [
    ("centru", "Centru", "City centre"),
    ("imparat-traian", "Împărat Traian", "Împărat Traian"),
    ("grivita", "Grivița", "Grivița"),
]
BOTOSANI_PLACES = {
    "centru": ["Piața Revoluției", "Parcul Mihai Eminescu"],
    "imparat-traian": ["Strada Izvoarelor", "Strada Zimbrului"],
    "grivita": ["Strada Grivița", "Parcul Tineretului"],
}


def _zones_ensure(municipality: Municipality, zones: list[tuple[str, str, str]]) -> list[Zone]:
    result = []
    for position, (slug, name_ro, name_en) in enumerate(zones, start=1):
        zone = Zone.objects.filter(municipality=municipality, slug=slug).first()
        if zone is None:
            zone = Zone(municipality=municipality, slug=slug, position=position)
            zone.name = name_ro
            zone.name_ro = name_ro  # type: ignore[attr-defined]
            zone.name_en = name_en  # type: ignore[attr-defined]
            zone.save()
        result.append(zone)
    return result


def _projects(
    *,
    budget_zone: BudgetZone,
    places: list[str],
    count: int,
    rng: random.Random,
    first_code: int,
    ineligible: tuple[int, str] | None,
    reviewed_at: datetime.datetime,
) -> list[BudgetProject]:
    ideas = rng.sample(range(len(PROJECT_IDEAS)), count)
    if ineligible is not None and ineligible[0] not in ideas:
        ideas[-1] = ineligible[0]
    projects = []
    for offset, idea in enumerate(ideas):
        title, cost, category = PROJECT_IDEAS[idea]
        place = places[offset % len(places)]
        # Costs vary around the idea's estimate, rounded to the hundred lei.
        cost = int(round(cost * rng.uniform(0.85, 1.15), -2))
        is_ineligible = ineligible is not None and idea == ineligible[0]
        projects.append(
            BudgetProject(
                municipality=budget_zone.municipality,
                budget_zone=budget_zone,
                code=f"P{first_code + offset}",
                title=title.format(place=place),
                description=(
                    f"Propunere a locuitorilor din zona {budget_zone.zone.name}: "
                    f"{title.format(place=place).lower()}. Costul cuprinde proiectarea, "
                    "execuția și întreținerea în primul an."
                ),
                cost=Decimal(min(cost, int(budget_zone.amount))),
                category=category,
                status=(
                    BudgetProjectStatus.INELIGIBLE
                    if is_ineligible
                    else BudgetProjectStatus.ELIGIBLE
                ),
                review_reason=ineligible[1] if is_ineligible and ineligible else "",
                reviewed_at=reviewed_at,
                created_at=reviewed_at - datetime.timedelta(days=20),
            )
        )
    return BudgetProject.objects.bulk_create(projects)


def _ballots(
    *,
    budget_zone: BudgetZone,
    projects: list[BudgetProject],
    voters: int,
    rng: random.Random,
    cast_at: datetime.datetime,
    prefix: str,
) -> None:
    eligible = [p for p in projects if p.status == BudgetProjectStatus.ELIGIBLE]
    popularity = [rng.uniform(0.3, 3.0) for _ in eligible]
    ballots: list[Ballot] = []
    chosen: list[list[BudgetProject]] = []
    for number in range(voters):
        wanted = rng.randint(1, 4)
        picks: list[BudgetProject] = []
        total = Decimal(0)
        for project in rng.choices(eligible, weights=popularity, k=wanted * 2):
            if project in picks or total + project.cost > budget_zone.amount:
                continue
            picks.append(project)
            total += project.cost
            if len(picks) == wanted:
                break
        receipt = f"{prefix}-{budget_zone.zone.slug[:12]}-{number:04d}"
        ballots.append(
            Ballot(
                municipality=budget_zone.municipality,
                budget=budget_zone.budget,
                budget_zone=budget_zone,
                voter_key=hashlib.sha256(f"demo:{receipt}".encode()).hexdigest(),
                method=VotingMethod.CODE,
                receipt=receipt,
                cast_at=cast_at,
                updated_at=cast_at,
                imported=True,
            )
        )
        chosen.append(picks)
    created = Ballot.objects.bulk_create(ballots, batch_size=1_000)
    BallotChoice.objects.bulk_create(
        [
            BallotChoice(municipality=budget_zone.municipality, ballot=ballot, project=project)
            for ballot, picks in zip(created, chosen, strict=True)
            for project in picks
        ],
        batch_size=2_000,
    )


def _timisoara(timisoara: Municipality) -> list[str]:
    process = process_ensure(
        municipality=timisoara,
        slug="bugetare-participativa-2026",
        title={
            "ro": "Bugetare participativă 2026",
            "en": "Participatory budgeting 2026",
        },
        summary={
            "ro": "8 zone, câte 500.000 lei fiecare: locuitorii propun proiecte și votează.",
            "en": "8 zones with 500,000 lei each: residents propose projects and vote.",
        },
    )
    if Budget.objects.filter(process=process).exists():
        return []
    now = timezone.now()
    budget = Budget(
        municipality=timisoara,
        process=process,
        rule=BudgetRule.MES,
        submission_opens_at=now - datetime.timedelta(days=90),
        submission_closes_at=now - datetime.timedelta(days=60),
        voting_opens_at=now - datetime.timedelta(days=30),
        voting_closes_at=now - datetime.timedelta(days=2),
        minimum_age=14,
        min_projects=1,
    )
    budget.title = "Bugetare participativă 2026"
    budget.title_ro = "Bugetare participativă 2026"  # type: ignore[attr-defined]
    budget.title_en = "Participatory budgeting 2026"  # type: ignore[attr-defined]
    budget.description_ro = (  # type: ignore[attr-defined]
        "„Fiecare cetățean are o voce”: Timișoara împarte 4.000.000 lei în 8 zone. "
        "Locuitorii au propus proiecte, Primăria le-a verificat, iar voturile au fost "
        "numărate cu Metoda Partajelor Egale."
    )
    budget.description_en = (  # type: ignore[attr-defined]
        '"Every Citizen Has a Voice": Timișoara shares 4,000,000 lei among 8 zones. '
        "Residents proposed projects, the City Hall checked them, and the votes were "
        "counted with the Method of Equal Shares."
    )
    budget.save()
    rng = random.Random(2026)  # noqa: S311 - demo data, repeatable
    zones = _zones_ensure(timisoara, TIMISOARA_ZONES)
    code = 1
    ballot_total = 0
    for zone in zones:
        budget_zone = BudgetZone.objects.create(
            municipality=timisoara, budget=budget, zone=zone, amount=ZONE_AMOUNT, currency="RON"
        )
        count = rng.randint(6, 10)
        projects = _projects(
            budget_zone=budget_zone,
            places=TIMISOARA_PLACES[zone.slug],
            count=count,
            rng=rng,
            first_code=code,
            ineligible=INELIGIBLE.get(zone.slug),
            reviewed_at=budget.voting_opens_at - datetime.timedelta(days=5),
        )
        code += count
        voters = rng.randint(120, 320)
        ballot_total += voters
        _ballots(
            budget_zone=budget_zone,
            projects=projects,
            voters=voters,
            rng=rng,
            cast_at=budget.voting_opens_at + datetime.timedelta(days=3),
            prefix="tm26",
        )
    cache_version_bump(timisoara.pk, "participation")
    results = budget_results_publish(actor=None, budget=budget)
    winners = sum(len(result.selected) for result in results)
    return [
        f"Timișoara: participatory budget, 8 zones, {code - 1} projects, {ballot_total} "
        f"ballots; results published (equal shares): {winners} projects selected."
    ]


def _botosani(botosani: Municipality) -> list[str]:
    process = process_ensure(
        municipality=botosani,
        slug="buget-participativ-cartiere",
        title={
            "ro": "Bugetul participativ al cartierelor",
            "en": "Neighbourhood participatory budget",
        },
    )
    if Budget.objects.filter(process=process).exists():
        return []
    now = timezone.now()
    budget = Budget(
        municipality=botosani,
        process=process,
        rule=BudgetRule.MES,
        submission_opens_at=now - datetime.timedelta(days=45),
        submission_closes_at=now - datetime.timedelta(days=15),
        voting_opens_at=now - datetime.timedelta(days=3),
        voting_closes_at=now + datetime.timedelta(days=21),
        minimum_age=16,
        min_projects=1,
        max_projects=3,
    )
    budget.title = "Bugetul participativ al cartierelor"
    budget.title_ro = "Bugetul participativ al cartierelor"  # type: ignore[attr-defined]
    budget.title_en = "Neighbourhood participatory budget"  # type: ignore[attr-defined]
    budget.save()
    rng = random.Random(7)  # noqa: S311 - demo data, repeatable
    code = 1
    for zone in _zones_ensure(botosani, BOTOSANI_ZONES):
        budget_zone = BudgetZone.objects.create(
            municipality=botosani,
            budget=budget,
            zone=zone,
            amount=Decimal(300_000),
            currency="RON",
        )
        _projects(
            budget_zone=budget_zone,
            places=BOTOSANI_PLACES[zone.slug],
            count=5,
            rng=rng,
            first_code=code,
            ineligible=None,
            reviewed_at=budget.voting_opens_at - datetime.timedelta(days=2),
        )
        code += 5
    cache_version_bump(botosani.pk, "participation")
    return [f"Botoșani: participatory budget open for voting, 3 zones, {code - 1} projects."]


DEMO_CODE_COUNT = 5


def demo_voting_codes(count: int = DEMO_CODE_COUNT) -> list[str]:
    """The demo's voting codes, the same on every run (so that the run command can print
    them again: only their digests are stored, as for real codes)."""
    rng = random.Random("digiplace-demo-voting-codes")  # noqa: S311 - demo data, repeatable
    codes: list[str] = []
    while len(codes) < count:
        body = "".join(rng.choice(VOTING_CODE_ALPHABET) for _ in range(11))
        for last in VOTING_CODE_ALPHABET:
            try:
                codes.append(voting_code_check(body + last))
            except IdentifierError:
                continue
            break
    return codes


def _botosani_codes(botosani: Municipality) -> list[str]:
    """Demo voting codes for Botoșani's open vote (any zone), printed on every run."""
    budget = Budget.objects.filter(
        municipality=botosani, process__slug="buget-participativ-cartiere"
    ).first()
    if budget is None:
        return []
    key = code_digest_key()
    codes = demo_voting_codes()
    known = set(VotingCode.objects.filter(budget=budget).values_list("digest", flat=True))
    missing = [
        VotingCode(municipality=botosani, budget=budget, digest=digest, batch=1)
        for digest in (voting_code_digest(code, key=key) for code in codes)
        if digest not in known
    ]
    if missing:
        VotingCode.objects.bulk_create(missing)
        cache_version_bump(botosani.pk, "participation")
    return [f"Botoșani: demo voting codes (one vote each): {', '.join(codes)}"]


def demo_load(*, botosani: Municipality | None, timisoara: Municipality | None) -> list[str]:
    """Create the demo records once (running again changes nothing); lines to print."""
    lines: list[str] = []
    if timisoara is not None:
        lines += _timisoara(timisoara)
    if botosani is not None:
        lines += _botosani(botosani)
        lines += _botosani_codes(botosani)
    return lines
