"""Demo data of the organisations component (called by ``manage.py participation_demo``).

Twelve fictional NGOs per city in the fields the plans name among their local actors
(youth, environment, civic tech, social services, mobility, civic participation): ten
verified, two waiting for verification. Their fiscal codes are valid (control digit from
``identifiers.cui_parse``) yet fictional: ten digits starting with 99, a length no
Romanian fiscal code has reached, so none is a real organisation's. Each description says
it is demo data. Verified ones are linked to the plans demo's working groups and projects
when the plans module resolves them (``core.links``); otherwise they stay unlinked.
"""

from __future__ import annotations

from dataclasses import dataclass

from digiplace.core import links
from digiplace.core.cache_versions import cache_version_bump
from digiplace.core.models import Municipality, User
from digiplace.participation.identifiers import IdentifierError, cui_parse
from digiplace.participation.models import (
    Organisation,
    OrganisationField,
    OrganisationLink,
    OrganisationLinkKind,
    OrganisationStatus,
)

DEMO_NOTE = "Organizație fictivă, date demonstrative (demo)."
BOTOSANI_PLAN = "botosani-iap"
TIMISOARA_PLAN = "timisoara-smart-city-2022-2027"


def demo_cui(number: int) -> str:
    """A valid fictional CUI: "99" and ``number`` in 7 digits, then the control digit."""
    body = f"99{number:07d}"
    for digit in "0123456789":
        try:
            return cui_parse(body + digit).digits
        except IdentifierError:
            continue
    raise ValueError(body)  # pragma: no cover - every body has a control digit


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    field: str
    description: str
    slug: str
    is_verified: bool = True
    # core.links references ("plans.working_group:…", "plans.project:…").
    groups: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()


def _group(plan: str, key: str) -> str:
    return links.ref_make("plans.working_group", f"{plan}/{key}")


def _project(plan: str, key: str) -> str:
    return links.ref_make("plans.project", f"{plan}/{key}")


BOTOSANI = [
    DemoOrganisation(
        "Asociația Tineri pentru Botoșani",
        OrganisationField.EDUCATION,
        "Voluntariat și educație civică pentru elevi și studenți; ateliere despre orașul"
        " inteligent.",
        "tineri-botosani",
        projects=(_project(BOTOSANI_PLAN, "5.2-1"),),
    ),
    DemoOrganisation(
        "Clubul de Voluntariat Luceafărul",
        OrganisationField.EDUCATION,
        "Tineri voluntari care ajută la evenimentele culturale ale orașului.",
        "luceafarul",
        projects=(_project(BOTOSANI_PLAN, "5.3-2"),),
    ),
    DemoOrganisation(
        "Asociația Botoșani Verde",
        OrganisationField.ENVIRONMENT,
        "Plantări de arbori, colectare selectivă și monitorizarea calității aerului în cartiere.",
        "botosani-verde",
        groups=(_group(BOTOSANI_PLAN, "monitoring-wg"),),
        projects=(_project(BOTOSANI_PLAN, "5.4-2"),),
    ),
    DemoOrganisation(
        "Fundația Energie Curată Nord-Est",
        OrganisationField.ENVIRONMENT,
        "Consiliere pentru eficiență energetică în blocuri și școli.",
        "energie-curata",
        projects=(_project(BOTOSANI_PLAN, "5.4-1"),),
    ),
    DemoOrganisation(
        "Cod pentru Botoșani",
        OrganisationField.DIGITAL,
        "Comunitate de tehnologie civică: aplicații pentru cetățeni și date deschise.",
        "cod-botosani",
        groups=(_group(BOTOSANI_PLAN, "monitoring-wg"),),
        projects=(_project(BOTOSANI_PLAN, "5.5-1"),),
    ),
    DemoOrganisation(
        "Asociația Date Deschise Moldova de Nord",
        OrganisationField.DIGITAL,
        "Publică și explică datele publice ale județului.",
        "date-deschise",
        projects=(_project(BOTOSANI_PLAN, "5.5-1"),),
    ),
    DemoOrganisation(
        "Fundația Sprijin pentru Vârstnici",
        OrganisationField.SOCIAL,
        "Ajutor la domiciliu și cursuri de utilizare a serviciilor digitale pentru vârstnici.",
        "sprijin-varstnici",
        projects=(_project(BOTOSANI_PLAN, "5.2-2"),),
    ),
    DemoOrganisation(
        "Asociația Incluziune Socială Botoșani",
        OrganisationField.SOCIAL,
        "Proiecte în zonele urbane marginalizate, prin Grupul de Acțiune Locală.",
        "incluziune",
        projects=(_project(BOTOSANI_PLAN, "5.2-2"), _project(BOTOSANI_PLAN, "5.2-3")),
    ),
    DemoOrganisation(
        "Asociația Bicicliștilor Botoșani",
        OrganisationField.MOBILITY,
        "Pentru piste de biciclete și un transport public electric accesibil.",
        "biciclisti",
        projects=(_project(BOTOSANI_PLAN, "5.1-1"),),
    ),
    DemoOrganisation(
        "Forumul Civic Botoșani",
        OrganisationField.CIVIC,
        "Dezbateri publice și participarea cetățenilor la forumul anual.",
        "forum-civic",
        groups=(_group(BOTOSANI_PLAN, "monitoring-wg"),),
        projects=(_project(BOTOSANI_PLAN, "5.2-1"),),
    ),
    DemoOrganisation(
        "Asociația Cartier Viu",
        OrganisationField.CIVIC,
        "Grup de locatari care organizează întâlniri de cartier.",
        "cartier-viu",
        is_verified=False,
    ),
    DemoOrganisation(
        "Clubul Sportiv Comunitar Botoșani",
        OrganisationField.SPORT,
        "Sport în aer liber pentru copii și adulți.",
        "sport-comunitar",
        is_verified=False,
    ),
]

TIMISOARA = [
    DemoOrganisation(
        "Tineri Timișoreni Activi",
        OrganisationField.EDUCATION,
        "Educație civică în licee: cum se implică tinerii în deciziile orașului.",
        "tineri-activi",
        groups=(_group(TIMISOARA_PLAN, "pt-a1"),),
        projects=(_project(TIMISOARA_PLAN, "A1.SO2.P3"), _project(TIMISOARA_PLAN, "A1.SO2.P5")),
    ),
    DemoOrganisation(
        "Atelierul de Creativitate din Cartier",
        OrganisationField.EDUCATION,
        "Ateliere de creativitate pentru copii și tineri din cartiere.",
        "atelier-cartier",
        groups=(_group(TIMISOARA_PLAN, "pt-a6"),),
        projects=(_project(TIMISOARA_PLAN, "A6.SO3.P1"),),
    ),
    DemoOrganisation(
        "Asociația Bega Curată",
        OrganisationField.ENVIRONMENT,
        "Curățenie pe malurile Begăi și educație pentru reciclare.",
        "bega-curata",
        groups=(_group(TIMISOARA_PLAN, "pt-a5"),),
        projects=(_project(TIMISOARA_PLAN, "A5.SO2.P2"),),
    ),
    DemoOrganisation(
        "Aer Curat Timișoara",
        OrganisationField.ENVIRONMENT,
        "Senzori cetățenești pentru calitatea aerului și date publice.",
        "aer-curat",
        groups=(_group(TIMISOARA_PLAN, "pt-a5"),),
        projects=(_project(TIMISOARA_PLAN, "A5.SO2.P1"),),
    ),
    DemoOrganisation(
        "Civic Tech Timișoara",
        OrganisationField.DIGITAL,
        "Voluntari programatori care construiesc unelte pentru participare și transparență.",
        "civic-tech",
        groups=(_group(TIMISOARA_PLAN, "pt-a1"), _group(TIMISOARA_PLAN, "pt-a2")),
        projects=(_project(TIMISOARA_PLAN, "A1.SO1.P4"), _project(TIMISOARA_PLAN, "A1.SO3.P1")),
    ),
    DemoOrganisation(
        "Laboratorul de Date Civice",
        OrganisationField.DIGITAL,
        "Analize pe datele deschise ale orașului, pe înțelesul tuturor.",
        "date-civice",
        projects=(_project(TIMISOARA_PLAN, "A1.SO3.P7"),),
    ),
    DemoOrganisation(
        "Rețeaua de Sprijin Social Timiș",
        OrganisationField.SOCIAL,
        "Servicii sociale și incluziune prin educație pentru familii vulnerabile.",
        "sprijin-social",
        groups=(_group(TIMISOARA_PLAN, "pt-a2"),),
        projects=(_project(TIMISOARA_PLAN, "A1.SO1.P2"),),
    ),
    DemoOrganisation(
        "Seniori Digitali Timișoara",
        OrganisationField.SOCIAL,
        "Cursuri pentru vârstnici: serviciile publice online, pas cu pas.",
        "seniori-digitali",
        projects=(_project(TIMISOARA_PLAN, "A1.SO2.P1"),),
    ),
    DemoOrganisation(
        "Mobilitate Urbană pentru Toți",
        OrganisationField.MOBILITY,
        "Transport public accesibil, biciclete și mobilitate incluzivă.",
        "mobilitate",
        groups=(_group(TIMISOARA_PLAN, "pt-a7"),),
        projects=(_project(TIMISOARA_PLAN, "A7.P1"),),
    ),
    DemoOrganisation(
        "Forumul Cartierelor Timișoara",
        OrganisationField.CIVIC,
        "Grupuri de inițiativă din cartiere și ascultarea locuitorilor.",
        "forum-cartiere",
        groups=(_group(TIMISOARA_PLAN, "pt-a1"),),
        projects=(_project(TIMISOARA_PLAN, "A1.SO3.P4"), _project(TIMISOARA_PLAN, "A1.SO3.P5")),
    ),
    DemoOrganisation(
        "Asociația Spații Reactivate",
        OrganisationField.CULTURE,
        "Spații abandonate folosite temporar pentru cultură și antreprenoriat.",
        "spatii-reactivate",
        is_verified=False,
    ),
    DemoOrganisation(
        "Sport în Parcuri Timișoara",
        OrganisationField.SPORT,
        "Antrenamente gratuite în parcurile orașului.",
        "sport-parcuri",
        is_verified=False,
    ),
]


def _load_city(
    municipality: Municipality, demo: list[DemoOrganisation], *, first_number: int
) -> list[str]:
    slug = municipality.slug
    registrant = User.objects.filter(email=f"resident@{slug}.example").first()
    cuis = [demo_cui(first_number + index) for index in range(len(demo))]
    existing = set(
        Organisation.objects.filter(municipality=municipality, cui__in=cuis).values_list(
            "cui", flat=True
        )
    )
    new = [
        Organisation(
            municipality=municipality,
            name=entry.name,
            cui=cui,
            field=entry.field,
            description=f"{entry.description}\n\n{DEMO_NOTE}",
            contact_email=f"contact@{entry.slug}.{slug}.example",
            website=f"https://{entry.slug}.{slug}.example",
            # The demo resident registered the pending ones (their page shows the status).
            created_by=registrant if not entry.is_verified else None,
            status=OrganisationStatus.VERIFIED if entry.is_verified else OrganisationStatus.PENDING,
        )
        for entry, cui in zip(demo, cuis, strict=True)
        if cui not in existing
    ]
    Organisation.objects.bulk_create(new)
    by_cui = dict(
        Organisation.objects.filter(municipality=municipality, cui__in=cuis).values_list(
            "cui", "pk"
        )
    )
    wanted = [
        (by_cui[cui], kind, ref)
        for entry, cui in zip(demo, cuis, strict=True)
        if entry.is_verified
        for kind, refs in (
            (OrganisationLinkKind.WORKING_GROUP, entry.groups),
            (OrganisationLinkKind.LOCAL_ACTOR, entry.projects),
        )
        for ref in refs
    ]
    # Only what the plans module resolves (none when it is not installed or not loaded).
    found = links.targets_resolve(
        municipality=municipality, refs=[ref for _pk, _kind, ref in wanted]
    )
    created_links = OrganisationLink.objects.bulk_create(
        [
            OrganisationLink(
                municipality=municipality, organisation_id=pk, kind=kind, target_ref=ref
            )
            for pk, kind, ref in wanted
            if ref in found
        ],
        ignore_conflicts=True,
    )
    if new or created_links:
        cache_version_bump(municipality.pk, "participation")
    return [
        f"Organisations in {slug}: {len(new)} new ({len(demo)} in the demo), "
        f"{len([1 for _pk, _kind, ref in wanted if ref in found])} links to the plans"
    ]


def demo_load(*, botosani: Municipality | None, timisoara: Municipality | None) -> list[str]:
    """Create the demo records once (running again changes nothing); lines to print."""
    lines: list[str] = []
    if botosani is not None:
        lines += _load_city(botosani, BOTOSANI, first_number=1)
    if timisoara is not None:
        lines += _load_city(timisoara, TIMISOARA, first_number=101)
    return lines
