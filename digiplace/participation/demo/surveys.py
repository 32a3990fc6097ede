"""Demo data of the surveys component (called by ``manage.py participation_demo``).

- Botoșani: the public consultation on the future of public transport, tramway or
  electric buses (Botoșani's plan, §5.1, activity 1.1: replace the tramway with 11 electric
  buses; then charging stations, roads freed of rails, GPS passenger information,
  automatic ticket validation). Open, results live, a few hundred responses.
- Timișoara: a survey on the use of digital services like its DESI survey (West
  University of Timișoara, November 2021 - January 2022, 1,413 respondents; 457 open
  answers grouped into five clusters). Closed, results after close, about 1,400 generated
  responses and 457 open answers, grouped by ``participation.themes`` and stored as themes.

Answers are generated from a fixed random seed and written with ``bulk_create``; a
survey already there is left alone.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.models import Municipality
from digiplace.participation.demo import process_ensure
from digiplace.participation.models import (
    Answer,
    Question,
    QuestionKind,
    QuestionOption,
    Response,
    ResultsVisibility,
    Survey,
    Theme,
)
from digiplace.participation.themes import themes_find

BOTOSANI_SLUG = "viitorul-transportului-public"
TIMISOARA_SLUG = "servicii-digitale-timisoara"
BOTOSANI_RESPONSES = 340
TIMISOARA_RESPONSES = 1400
TIMISOARA_OPEN_ANSWERS = 457


# --- Building surveys from plain descriptions ----------------------------------------------


@dataclass
class OptionSpec:
    key: str
    ro: str
    en: str


@dataclass
class QuestionSpec:
    key: str
    kind: str
    ro: str
    en: str
    options: list[OptionSpec] = field(default_factory=list)
    required: bool = False
    max_choices: int | None = None
    has_other: bool = False
    scale: tuple[int, int] = (1, 5)
    scale_labels: tuple[tuple[str, str], tuple[str, str]] | None = None  # (ro, en) low, high
    shown_if: tuple[str, list[str]] | None = None
    help_ro: str = ""
    help_en: str = ""


def _options(*rows: tuple[str, str, str]) -> list[OptionSpec]:
    return [OptionSpec(key, ro, en) for key, ro, en in rows]


def _survey_build(
    *, municipality: Municipality, survey: Survey, specs: list[QuestionSpec]
) -> dict[str, tuple[Question, dict[str, QuestionOption]]]:
    built: dict[str, tuple[Question, dict[str, QuestionOption]]] = {}
    for position, spec in enumerate(specs, start=1):
        low, high = spec.scale
        labels = spec.scale_labels or (("", ""), ("", ""))
        question = Question.objects.create(
            municipality=municipality,
            survey=survey,
            position=position,
            kind=spec.kind,
            text=spec.ro,
            text_ro=spec.ro,
            text_en=spec.en,
            help_text=spec.help_ro,
            help_text_ro=spec.help_ro,
            help_text_en=spec.help_en,
            required=spec.required,
            max_choices=spec.max_choices,
            has_other=spec.has_other,
            scale_min=low,
            scale_max=high,
            scale_min_label=labels[0][0],
            scale_min_label_ro=labels[0][0],
            scale_min_label_en=labels[0][1],
            scale_max_label=labels[1][0],
            scale_max_label_ro=labels[1][0],
            scale_max_label_en=labels[1][1],
            shown_if_question=built[spec.shown_if[0]][0] if spec.shown_if else None,
        )
        options = QuestionOption.objects.bulk_create(
            QuestionOption(
                municipality=municipality,
                question=question,
                key=option.key,
                label=option.ro,
                label_ro=option.ro,
                label_en=option.en,
                position=index,
            )
            for index, option in enumerate(spec.options)
        )
        if spec.shown_if:
            condition_options = built[spec.shown_if[0]][1]
            question.shown_if_options.set([condition_options[key] for key in spec.shown_if[1]])
        built[spec.key] = (question, {option.key: option for option in options})
    return built


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _scale(rng: random.Random, weights: Sequence[float], low: int = 1) -> int:
    return low + rng.choices(range(len(weights)), weights=weights)[0]


@dataclass
class ResponsePlan:
    """One generated response: per question key, what to answer."""

    choices: dict[str, list[str]] = field(default_factory=dict)
    other: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)
    ranks: dict[str, dict[str, int]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    is_anonymous: bool = False
    language: str = "ro"


def _responses_write(
    *,
    municipality: Municipality,
    survey: Survey,
    built: dict[str, tuple[Question, dict[str, QuestionOption]]],
    plans: list[ResponsePlan],
    start: datetime.datetime,
    end: datetime.datetime,
    rng: random.Random,
    before_insert: Callable[[dict[tuple[str, int], Answer]], None] | None = None,
) -> None:
    """Responses and their answers in bulk. ``before_insert`` gets the open answers by
    (question key, plan index) before they are written (to set their themes)."""
    span = (end - start).total_seconds()
    moments = sorted(start + datetime.timedelta(seconds=rng.random() * span) for _ in plans)
    responses = Response.objects.bulk_create(
        Response(
            municipality=municipality,
            survey=survey,
            respondent_key=hashlib.sha256(f"demo:{survey.slug}:{index}".encode()).hexdigest(),
            is_anonymous=plan.is_anonymous,
            language=plan.language,
            started_at=moment - datetime.timedelta(minutes=rng.randint(2, 30)),
            submitted_at=moment,
        )
        for index, (plan, moment) in enumerate(zip(plans, moments, strict=True))
    )
    answers: list[Answer] = []
    texts: dict[tuple[str, int], Answer] = {}

    city = municipality.pk

    def add(response: Response, question: Question, **values: Any) -> Answer:
        answer = Answer(
            municipality_id=city, response_id=response.pk, question_id=question.pk, **values
        )
        answers.append(answer)
        return answer

    for index, (plan, response) in enumerate(zip(plans, responses, strict=True)):
        for key, keys in plan.choices.items():
            question, options = built[key]
            for option_key in keys:
                add(response, question, option_id=options[option_key].pk)
        for key, text in plan.other.items():
            add(response, built[key][0], is_other=True, text=text)
        for key, number in plan.numbers.items():
            add(response, built[key][0], number=number)
        for key, ranks in plan.ranks.items():
            question, options = built[key]
            for option_key, number in ranks.items():
                add(response, question, option_id=options[option_key].pk, number=number)
        for key, text in plan.texts.items():
            texts[(key, index)] = add(response, built[key][0], text=text)
    if before_insert is not None:
        before_insert(texts)
    Answer.objects.bulk_create(answers, batch_size=2000)


def _survey_create(
    *,
    municipality: Municipality,
    process_slug: str,
    process: dict[str, Any],
    survey: dict[str, Any],
) -> Survey:
    parent = process_ensure(municipality=municipality, slug=process_slug, **process)
    values: dict[str, Any] = {}
    for name, value in survey.items():
        if isinstance(value, dict):
            values[name] = value["ro"]
            values[f"{name}_ro"] = value["ro"]
            values[f"{name}_en"] = value["en"]
        else:
            values[name] = value
    return Survey.objects.create(municipality=municipality, process=parent, **values)


# --- Botoșani: tramway or electric buses ---------------------------------------------------

BOTOSANI_QUESTIONS = [
    QuestionSpec(
        "choice",
        QuestionKind.SINGLE,
        "Ce variantă preferați pentru transportul public din Botoșani?",
        "Which option do you prefer for Botoșani's public transport?",
        _options(
            (
                "buses",
                "Înlocuirea tramvaiului cu 11 autobuze electrice",
                "Replace the tram with 11 electric buses",
            ),
            ("tram", "Reabilitarea liniei de tramvai", "Rehabilitate the tram line"),
            (
                "both",
                "Ambele: tramvai pe axa principală, autobuze electrice în cartiere",
                "Both: the tram on the main axis, electric buses in the neighbourhoods",
            ),
            ("none", "Nu am o preferință", "No preference"),
        ),
        required=True,
        has_other=True,
    ),
    QuestionSpec(
        "why_tram",
        QuestionKind.LONG_TEXT,
        "De ce ați păstra tramvaiul?",
        "Why would you keep the tram?",
        shown_if=("choice", ["tram", "both"]),
    ),
    QuestionSpec(
        "frequency",
        QuestionKind.SINGLE,
        "Cât de des folosiți transportul public în Botoșani?",
        "How often do you use public transport in Botoșani?",
        _options(
            ("daily", "Zilnic", "Every day"),
            ("weekly", "De câteva ori pe săptămână", "A few times a week"),
            ("monthly", "De câteva ori pe lună", "A few times a month"),
            ("rarely", "Rar sau niciodată", "Rarely or never"),
        ),
        required=True,
    ),
    QuestionSpec(
        "priorities",
        QuestionKind.MULTIPLE,
        "Ce contează cel mai mult pentru dumneavoastră? (cel mult trei)",
        "What matters most to you? (three at most)",
        _options(
            ("often", "Vehicule mai dese", "More frequent vehicles"),
            ("on_time", "Punctualitatea", "Punctuality"),
            ("comfort", "Confortul (aer condiționat, locuri)", "Comfort (air conditioning, seats)"),
            ("price", "Prețul biletului", "Ticket price"),
            ("quiet", "Mai puțin zgomot", "Less noise"),
            ("clean_air", "Aer mai curat", "Cleaner air"),
            (
                "access",
                "Acces ușor pentru persoane cu dizabilități",
                "Step-free access for disabled people",
            ),
        ),
        max_choices=3,
        has_other=True,
        required=True,
    ),
    QuestionSpec(
        "satisfaction",
        QuestionKind.SCALE,
        "Cât de mulțumit sunteți acum de transportul public?",
        "How satisfied are you with public transport today?",
        scale_labels=(
            ("deloc mulțumit", "not satisfied at all"),
            ("foarte mulțumit", "very satisfied"),
        ),
        required=True,
    ),
    QuestionSpec(
        "works",
        QuestionKind.RANKING,
        "Ordonați lucrările care ar însoți schimbarea, de la cea mai importantă",
        "Rank the works that would come with the change, most important first",
        _options(
            ("charging", "Stații de încărcare pe traseu", "Charging stations along the route"),
            (
                "roads",
                "Reabilitarea străzilor după scoaterea șinelor",
                "Rebuilding the streets once the rails are removed",
            ),
            ("gps", "Informare GPS a călătorilor în stații", "GPS passenger information at stops"),
            (
                "tickets",
                "Validatoare automate de bilete (20 de unități)",
                "Automatic ticket validators (20 units)",
            ),
            (
                "cameras",
                "Supraveghere video în intersecții și stații",
                "Video surveillance at crossings and stops",
            ),
        ),
        help_ro="Puteți ordona doar o parte dintre ele.",
        help_en="You may rank only some of them.",
    ),
    QuestionSpec(
        "rating",
        QuestionKind.MATRIX,
        "Cum apreciați transportul public de azi?",
        "How do you rate today's public transport?",
        _options(
            ("freq", "Frecvența", "Frequency"),
            ("clean", "Curățenia", "Cleanliness"),
            ("safety", "Siguranța", "Safety"),
            ("info", "Informarea călătorilor", "Passenger information"),
        ),
        scale_labels=(("foarte slab", "very poor"), ("foarte bine", "very good")),
    ),
    QuestionSpec(
        "ideas",
        QuestionKind.LONG_TEXT,
        "Alte sugestii pentru transportul public",
        "Other suggestions for public transport",
    ),
]

WHY_TRAM = [
    "Tramvaiul face parte din istoria orașului și ar trebui modernizat, nu desființat.",
    "Șinele există deja; reabilitarea lor ar costa mai puțin decât drumurile noi.",
    "Tramvaiul este electric de zeci de ani și transportă mai mulți oameni odată.",
    "Pe axa principală tramvaiul e mai rapid decât autobuzul în trafic.",
    "Aș păstra tramvaiul pentru turiști și pentru centrul vechi.",
    "Tramvaiul nu depinde de baterii care trebuie schimbate după câțiva ani.",
]
IDEAS = [
    "Stații acoperite și bănci în cartierul {place}.",
    "Autobuze mai dese seara și în weekend, mai ales spre {place}.",
    "Bilet unic valabil o oră pe toate liniile.",
    "Plata cu cardul direct în autobuz.",
    "Aplicație cu ora reală de sosire în stație.",
    "Linie directă între {place} și gară.",
    "Piste de biciclete pe străzile eliberate de șine.",
    "Abonament redus pentru elevi și pensionari.",
]
BOTOSANI_PLACES = ["Grivița", "Cătămărăști-Deal", "Bucovina", "Parcul Tineretului", "Centrul Vechi"]


def _botosani_plans(rng: random.Random) -> list[ResponsePlan]:
    plans: list[ResponsePlan] = []
    for _ in range(BOTOSANI_RESPONSES):
        plan = ResponsePlan(
            is_anonymous=rng.random() < 0.3, language="ro" if rng.random() < 0.93 else "en"
        )
        choice = _weighted(rng, {"buses": 52, "tram": 21, "both": 17, "none": 7, "other": 3})
        if choice == "other":
            plan.other["choice"] = rng.choice(
                ["Troleibuze", "Microbuze electrice pe cartiere", "Mai întâi un studiu de trafic"]
            )
        else:
            plan.choices["choice"] = [choice]
        if choice in {"tram", "both"} and rng.random() < 0.6:
            plan.texts["why_tram"] = rng.choice(WHY_TRAM)
        plan.choices["frequency"] = [
            _weighted(rng, {"daily": 34, "weekly": 29, "monthly": 17, "rarely": 20})
        ]
        weights = {
            "often": 30,
            "on_time": 24,
            "comfort": 14,
            "price": 18,
            "quiet": 6,
            "clean_air": 16,
            "access": 9,
        }
        picked = rng.sample(list(weights), k=3, counts=[weights[key] for key in weights])
        plan.choices["priorities"] = sorted(set(picked))[: rng.randint(1, 3)]
        if rng.random() < 0.04:
            plan.other["priorities"] = rng.choice(["Curățenia în stații", "Wi-Fi în autobuze"])
        plan.numbers["satisfaction"] = _scale(rng, [18, 27, 31, 17, 7])
        if rng.random() < 0.75:
            order = ["charging", "roads", "gps", "tickets", "cameras"]
            rng.shuffle(order)
            order.sort(
                key=lambda key: (
                    rng.random()
                    * {"roads": 1.0, "charging": 1.4, "gps": 1.8, "tickets": 2.2, "cameras": 2.6}[
                        key
                    ]
                )
            )
            plan.ranks["works"] = {
                key: rank for rank, key in enumerate(order[: rng.randint(2, 5)], start=1)
            }
        if rng.random() < 0.8:
            plan.ranks["rating"] = {
                "freq": _scale(rng, [20, 30, 30, 15, 5]),
                "clean": _scale(rng, [10, 25, 35, 22, 8]),
                "safety": _scale(rng, [5, 15, 35, 32, 13]),
                "info": _scale(rng, [30, 30, 22, 13, 5]),
            }
        if rng.random() < 0.22:
            plan.texts["ideas"] = rng.choice(IDEAS).format(place=rng.choice(BOTOSANI_PLACES))
        plans.append(plan)
    return plans


def _botosani_load(municipality: Municipality, rng: random.Random) -> list[str]:
    if Survey.objects.filter(municipality=municipality, slug=BOTOSANI_SLUG).exists():
        return []
    now = timezone.now()
    survey = _survey_create(
        municipality=municipality,
        process_slug="consultare-transport-public",
        process={
            "title": {
                "ro": "Consultare publică: viitorul transportului public urban",
                "en": "Public consultation: the future of urban public transport",
            },
            "summary": {
                "ro": (
                    "Tramvai sau 11 autobuze electrice? Primăria consultă locuitorii "
                    "înainte de decizie."
                ),
                "en": (
                    "Tram or 11 electric buses? The city hall consults residents before deciding."
                ),
            },
            "description": {
                "ro": (
                    "Planul de transformare digitală al Botoșaniului (§5.1, mobilitate "
                    "urbană) propune înlocuirea sistemului de tramvai cu 11 autobuze "
                    "electrice, cu stații de încărcare, străzi reabilitate după scoaterea "
                    "șinelor, informare GPS și validatoare automate. Decizia se ia după "
                    "consultarea publică."
                ),
                "en": (
                    "Botoșani's digital transformation plan (§5.1, urban mobility) "
                    "proposes replacing the tram system with 11 electric buses, with "
                    "charging stations, streets rebuilt once the rails are removed, GPS "
                    "information and automatic ticket validators. The decision follows "
                    "the public consultation."
                ),
            },
        },
        survey={
            "slug": BOTOSANI_SLUG,
            "title": {
                "ro": "Viitorul transportului public: tramvai sau autobuze electrice?",
                "en": "The future of public transport: tram or electric buses?",
            },
            "description": {
                "ro": (
                    "Primăria Botoșani propune înlocuirea tramvaiului cu 11 autobuze electrice "
                    "(Eltrans S.A.), finanțate din fonduri europene și din PNRR. Spuneți-ne ce "
                    "preferați și ce contează pentru dumneavoastră. Durează cinci minute."
                ),
                "en": (
                    "Botoșani City Hall proposes replacing the tram with 11 electric buses "
                    "(Eltrans S.A.), funded by the EU and the National Recovery and Resilience "
                    "Plan. Tell us what you prefer and what matters to you. It takes five minutes."
                ),
            },
            "opens_at": now - datetime.timedelta(days=20),
            "closes_at": now + datetime.timedelta(days=40),
            "results_visibility": ResultsVisibility.LIVE,
            "is_published": True,
        },
    )
    built = _survey_build(municipality=municipality, survey=survey, specs=BOTOSANI_QUESTIONS)
    plans = _botosani_plans(rng)
    _responses_write(
        municipality=municipality,
        survey=survey,
        built=built,
        plans=plans,
        start=survey.opens_at,
        end=now - datetime.timedelta(hours=1),
        rng=rng,
    )
    return [f"Botoșani: consultation “{survey.title}” with {len(plans)} responses"]


# --- Timișoara: digital services -----------------------------------------------------------

TIMISOARA_QUESTIONS = [
    QuestionSpec(
        "internet",
        QuestionKind.SINGLE,
        "Dumneavoastră sau cineva din gospodărie aveți acces la internet acasă?",
        "Do you or anyone in your household have access to the internet at home?",
        _options(("yes", "Da", "Yes"), ("no", "Nu", "No"), ("unsure", "Nu știu", "I don't know")),
        required=True,
    ),
    QuestionSpec(
        "no_internet",
        QuestionKind.SINGLE,
        "De ce nu aveți internet acasă?",
        "Why is there no internet at home?",
        _options(
            ("cost", "Costă prea mult", "It costs too much"),
            ("need", "Nu am nevoie", "I don't need it"),
            ("skills", "Nu știu să îl folosesc", "I don't know how to use it"),
        ),
        has_other=True,
        shown_if=("internet", ["no"]),
    ),
    QuestionSpec(
        "use",
        QuestionKind.SINGLE,
        "Cât de des folosiți internetul?",
        "How often do you use the internet?",
        _options(
            ("daily", "Zilnic", "Every day"),
            ("weekly", "Cel puțin o dată pe săptămână", "At least once a week"),
            ("rarely", "Mai rar", "Less often"),
            ("never", "Niciodată", "Never"),
        ),
        required=True,
    ),
    QuestionSpec(
        "services",
        QuestionKind.MULTIPLE,
        "Ce servicii online ați folosit în ultimele 12 luni?",
        "Which online services have you used in the last 12 months?",
        _options(
            ("banking", "Internet banking", "Online banking"),
            ("shopping", "Cumpărături online", "Online shopping"),
            ("taxes", "Plata online a taxelor locale", "Paying local taxes online"),
            (
                "tickets",
                "Bilete de transport prin SMS sau aplicație",
                "Transport tickets by text message or app",
            ),
            ("health", "Programări medicale online", "Online medical appointments"),
            ("city_forms", "Cereri online la Primărie", "Online requests to the City Hall"),
        ),
        has_other=True,
    ),
    QuestionSpec(
        "ease",
        QuestionKind.SCALE,
        "Cât de ușor vă este să rezolvați online o problemă cu Primăria?",
        "How easy is it for you to sort out a matter with the City Hall online?",
        scale_labels=(("foarte greu", "very hard"), ("foarte ușor", "very easy")),
        required=True,
    ),
    QuestionSpec(
        "satisfaction",
        QuestionKind.MATRIX,
        "Cât de mulțumit sunteți de următoarele servicii ale orașului?",
        "How satisfied are you with these services of the city?",
        _options(
            ("website", "Site-ul Primăriei", "The City Hall's website"),
            ("tax", "Plata online a taxelor", "Paying taxes online"),
            ("works", "Informarea despre lucrări", "Information about public works"),
            ("decidem", "Platforma DECIDEM", "The DECIDEM platform"),
        ),
        scale_labels=(("deloc", "not at all"), ("foarte", "very")),
    ),
    QuestionSpec(
        "first",
        QuestionKind.RANKING,
        "Ce ar trebui digitalizat mai întâi?",
        "What should be digitalised first?",
        _options(
            ("permits", "Certificatele și autorizațiile", "Certificates and permits"),
            ("payments", "Plățile către Primărie", "Payments to the City Hall"),
            ("appointments", "Programările la ghișeu", "Appointments at the counter"),
            ("reports", "Sesizările", "Reports of problems"),
            ("transport", "Transportul public", "Public transport"),
        ),
    ),
    QuestionSpec(
        "problem",
        QuestionKind.LONG_TEXT,
        "Ce problemă a orașului ar trebui rezolvată cu ajutorul tehnologiei?",
        "Which problem of the city should technology help solve?",
    ),
]

# The five clusters of the 457 open answers of DESI Timișoara 2021 (Timișoara's strategy).
THEME_NAMES = {
    "admin": ("Digitalizarea administrației", "Digitalisation of the administration"),
    "vision": ("Viziune strategică și plan de acțiune", "Strategic vision and action plan"),
    "mobility": ("Infrastructură urbană și mobilitate", "Urban infrastructure and mobility"),
    "green": (
        "Mediu, spații verzi și activități în aer liber",
        "Environment, green areas and outdoor activities",
    ),
    "voice": (
        "Comunicarea cu cetățenii și participarea",
        "Communication with citizens and participation",
    ),
}
THEME_WEIGHTS = {"admin": 31, "mobility": 27, "green": 17, "voice": 14, "vision": 11}

_OPENERS_RO = ["", "", "Aș vrea ", "Ar fi util să avem ", "Propun ", "Cel mai urgent: ", "Sper la "]
_CLOSERS_RO = ["", "", ".", ".", ", cât mai repede.", ", vă rog.", "!"]
_OPENERS_EN = ["", "I would like ", "We need ", "Please consider "]
_CLOSERS_EN = ["", ".", ", please.", " as soon as possible."]

# Each phrase carries words of its theme that come back across the theme's phrases.
THEME_PHRASES_RO: dict[str, list[str]] = {
    "admin": [
        "acte și documente eliberate online, fără drum la ghișeu",
        "cereri și formulare depuse online, fără cozi la ghișeu",
        "digitalizarea documentelor și a actelor de la ghișeu",
        "certificatul de urbanism cerut online, fără hârtii la ghișeu",
        "documente online între instituții, fără acte cărate de la un ghișeu la altul",
        "plata taxelor online și chitanțe digitale în loc de cozi la ghișeu",
        "digitalizarea arhivei și dosare urmărite online",
        "formulare online simple în locul hârtiilor",
        "semnătură electronică pentru cererile online",
        "funcționari instruiți pentru digitalizarea cererilor și a documentelor",
        "digitalizarea școlilor, cu catalog electronic și documente online",
        "un cont online al cetățeanului pentru toate cererile și documentele",
    ],
    "vision": [
        "o strategie clară de dezvoltare pe termen lung",
        "un plan de investiții cu priorități și termene publice",
        "transparența investițiilor și a bugetului",
        "investiții urmărite public de la plan până la final",
        "planificare urbană pe termen lung, nu decizii de moment",
        "o strategie cu obiective, termene și indicatori de progres",
        "un calendar public al investițiilor și al priorităților",
        "un plan de dezvoltare urbană și control asupra construcțiilor ilegale",
    ],
    "mobility": [
        "semafoare inteligente ca să scadă traficul",
        "locurile libere de parcare afișate pe hartă",
        "transport public cu prioritate în trafic și ora de sosire afișată în stații",
        "piste de biciclete separate de traficul mașinilor",
        "trafic fluent la orele de vârf, fără blocaje de mașini",
        "parcări de reședință și mai puține mașini parcate pe trotuare",
        "mai puține mașini în trafic și autobuze mai dese",
        "bilet unic pentru autobuz și tramvai, ca să lăsăm mașina acasă",
        "străzi reparate și trafic fluidizat",
        "senzori de trafic în intersecții și semafoare adaptive",
    ],
    "green": [
        "senzori care măsoară poluarea aerului",
        "mai multe parcuri și spații verzi îngrijite",
        "colectarea deșeurilor și reciclarea urmărite digital",
        "copaci plantați și spații verzi protejate",
        "aer curat și mai puțină poluare",
        "parcuri cu locuri de joacă și sport în aer liber",
        "malurile Begăi amenajate ca spațiu verde pentru plimbări",
        "containere inteligente pentru deșeuri și reciclare",
    ],
    "voice": [
        "consultarea cetățenilor înainte de deciziile importante",
        "sesizări trimise din telefon și un răspuns rapid pentru cetățeni",
        "informarea cetățenilor despre decizii și lucrări",
        "participarea cetățenilor prin platforma DECIDEM",
        "dezbateri publice online în care cetățenii își spun opinia",
        "notificări pentru cetățeni despre întreruperile de apă și căldură",
        "cetățenii să propună și să voteze proiecte",
        "dialog direct între cetățeni și aleși",
    ],
}
THEME_PHRASES_EN: dict[str, list[str]] = {
    "admin": [
        "documents online instead of queues at the counter",
        "online requests and documents with an electronic signature",
    ],
    "vision": ["a clear long-term strategy and a public plan of investments"],
    "mobility": [
        "smart traffic lights and less traffic at rush hour",
        "bike lanes separated from car traffic",
    ],
    "green": ["cleaner air and more green parks", "smart bins for waste and recycling"],
    "voice": [
        "citizens consulted before important decisions",
        "citizens reporting problems from their phone and getting answers",
    ],
}


def _open_answer(rng: random.Random, theme: str) -> str:
    if rng.random() < 0.06:
        opener, closer = rng.choice(_OPENERS_EN), rng.choice(_CLOSERS_EN)
        phrase = rng.choice(THEME_PHRASES_EN[theme])
    else:
        opener, closer = rng.choice(_OPENERS_RO), rng.choice(_CLOSERS_RO)
        phrase = rng.choice(THEME_PHRASES_RO[theme])
        if rng.random() < 0.25:
            # Two ideas of the same theme in one answer.
            second = rng.choice(THEME_PHRASES_RO[theme])
            if second != phrase:
                phrase = f"{phrase} și {second}"
    text = f"{opener}{phrase}{closer}".strip()
    return text[0].upper() + text[1:]


def _timisoara_plans(rng: random.Random) -> tuple[list[ResponsePlan], dict[int, str]]:
    """The responses, and the generating theme of each open answer (by plan index)."""
    plans: list[ResponsePlan] = []
    truth: dict[int, str] = {}
    open_indexes = set(rng.sample(range(TIMISOARA_RESPONSES), TIMISOARA_OPEN_ANSWERS))
    for index in range(TIMISOARA_RESPONSES):
        plan = ResponsePlan(
            is_anonymous=rng.random() < 0.4, language="ro" if rng.random() < 0.95 else "en"
        )
        internet = _weighted(rng, {"yes": 91, "no": 7, "unsure": 2})
        plan.choices["internet"] = [internet]
        if internet == "no":
            reason = _weighted(rng, {"cost": 35, "need": 35, "skills": 25, "other": 5})
            if reason == "other":
                plan.other["no_internet"] = "Folosesc internetul doar la serviciu"
            else:
                plan.choices["no_internet"] = [reason]
        use = _weighted(rng, {"daily": 78, "weekly": 12, "rarely": 6, "never": 4})
        plan.choices["use"] = [use]
        if use != "never":
            rates = {
                "banking": 0.62,
                "shopping": 0.58,
                "taxes": 0.41,
                "tickets": 0.47,
                "health": 0.29,
                "city_forms": 0.18,
            }
            used = [key for key, rate in rates.items() if rng.random() < rate]
            if used:
                plan.choices["services"] = used
            if rng.random() < 0.03:
                plan.other["services"] = rng.choice(
                    ["Programare la pașapoarte", "Înscrierea la grădiniță"]
                )
        plan.numbers["ease"] = _scale(rng, [14, 24, 33, 20, 9])
        if rng.random() < 0.85:
            plan.ranks["satisfaction"] = {
                "website": _scale(rng, [10, 22, 38, 22, 8]),
                "tax": _scale(rng, [6, 14, 30, 34, 16]),
                "works": _scale(rng, [22, 32, 28, 13, 5]),
                "decidem": _scale(rng, [15, 20, 35, 20, 10]),
            }
        if rng.random() < 0.7:
            keys = ["permits", "payments", "appointments", "reports", "transport"]
            bias = {
                "permits": 1.0,
                "appointments": 1.3,
                "payments": 1.6,
                "transport": 1.8,
                "reports": 2.1,
            }
            keys.sort(key=lambda key: rng.random() * bias[key])
            plan.ranks["first"] = {
                key: rank for rank, key in enumerate(keys[: rng.randint(1, 5)], start=1)
            }
        if index in open_indexes:
            theme = _weighted(rng, THEME_WEIGHTS)
            truth[index] = theme
            plan.texts["problem"] = _open_answer(rng, theme)
        plans.append(plan)
    return plans, truth


def _themes_store(
    *,
    municipality: Municipality,
    question: Question,
    texts: dict[tuple[str, int], Answer],
    truth: dict[int, str],
) -> list[Theme]:
    """Group the open answers with ``themes_find``; each theme named after the cluster most
    of its answers were written for (as staff would rename it), else by its top terms."""
    keyed = sorted((index, answer) for (key, index), answer in texts.items() if key == "problem")
    found = themes_find(
        [answer.text for _index, answer in keyed], count=len(THEME_NAMES), question=question.text
    )
    themes: list[Theme] = []
    used: set[str] = set()
    for position, group in enumerate(found.themes):
        sources = Counter(truth[keyed[member][0]] for member in group.answer_indexes)
        source, count = sources.most_common(1)[0]
        named = count * 2 > len(group.answer_indexes) and source not in used
        if named:
            used.add(source)
        # Theme labels are one text (staff write them in the city's language).
        label = THEME_NAMES[source][0] if named else ", ".join(group.terms[:3])
        themes.append(
            Theme(
                municipality=municipality,
                question=question,
                label=label,
                terms=group.terms,
                position=position,
                renamed=named,
            )
        )
    Theme.objects.bulk_create(themes)
    for (_index, answer), assigned in zip(keyed, found.assignment, strict=True):
        if assigned is not None:
            answer.theme_id = themes[assigned].pk
    return themes


def _timisoara_load(municipality: Municipality, rng: random.Random) -> list[str]:
    if Survey.objects.filter(municipality=municipality, slug=TIMISOARA_SLUG).exists():
        return []
    opens = datetime.datetime(2021, 11, 1, 8, 0, tzinfo=datetime.UTC)
    closes = datetime.datetime(2022, 1, 31, 22, 0, tzinfo=datetime.UTC)
    survey = _survey_create(
        municipality=municipality,
        process_slug="desi-timisoara",
        process={
            "title": {
                "ro": "DESI Timișoara: utilizarea tehnologiei în oraș",
                "en": "DESI Timișoara: the use of technology in the city",
            },
            "summary": {
                "ro": (
                    "Barometrul calității vieții: cum folosesc locuitorii internetul și "
                    "serviciile digitale."
                ),
                "en": (
                    "Quality of Life Barometer: how residents use the internet and "
                    "digital services."
                ),
            },
        },
        survey={
            "slug": TIMISOARA_SLUG,
            "title": {
                "ro": "Cum folosiți serviciile digitale?",
                "en": "How do you use digital services?",
            },
            "description": {
                "ro": (
                    "Sondaj despre utilizarea tehnologiei informației și comunicațiilor, "
                    "după modelul indicelui european DESI, parte a Barometrului calității "
                    "vieții în Timișoara (noiembrie 2021 – ianuarie 2022). Răspunsurile "
                    "deschise au fost grupate pe teme."
                ),
                "en": (
                    "A survey on the use of information and communication technology, after the "
                    "European DESI index, part of Timișoara's Quality of Life Barometer (November "
                    "2021 – January 2022). The open answers were grouped into themes."
                ),
            },
            "opens_at": opens,
            "closes_at": closes,
            "results_visibility": ResultsVisibility.AFTER_CLOSE,
            "is_published": True,
        },
    )
    built = _survey_build(municipality=municipality, survey=survey, specs=TIMISOARA_QUESTIONS)
    plans, truth = _timisoara_plans(rng)
    themes: list[Theme] = []

    def themes_set(texts: dict[tuple[str, int], Answer]) -> None:
        themes.extend(
            _themes_store(
                municipality=municipality, question=built["problem"][0], texts=texts, truth=truth
            )
        )

    _responses_write(
        municipality=municipality,
        survey=survey,
        built=built,
        plans=plans,
        start=opens,
        end=closes,
        rng=rng,
        before_insert=themes_set,
    )
    return [
        f"Timișoara: survey “{survey.title}” with {len(plans)} responses, "
        f"{len(truth)} open answers in {len(themes)} themes"
    ]


def demo_load(*, botosani: Municipality | None, timisoara: Municipality | None) -> list[str]:
    """Create the demo records once (running again changes nothing); lines to print."""
    lines: list[str] = []
    loaders: list[tuple[Municipality | None, Callable[[Municipality, random.Random], list[str]]]]
    loaders = [(botosani, _botosani_load), (timisoara, _timisoara_load)]
    for municipality, load in loaders:
        if municipality is None:
            continue
        # Demo data: a seeded generator, so every load gives the same responses.
        rng = random.Random(f"surveys:{municipality.slug}")  # noqa: S311
        written = load(municipality, rng)
        if written:
            cache_version_bump(municipality.pk, "participation")
        lines.extend(written)
    return lines
