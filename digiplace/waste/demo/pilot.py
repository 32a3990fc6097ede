"""Botoșani's small-scale action: cameras at 3 of its 81 points, watched by the local
police's dispatcher, to test whether video surveillance raises sorting compliance.

The cameras started about nine, seven and a half and six weeks ago (a week or two apart, so
that a site still without its camera is a comparison for one that has it). For six weeks
before each start the dispatcher checked the site by hand twice a day and recorded what was
seen; from the start the camera analytics report it, three times a day, with references to
footage now and then (never images). Correct use is about 62% before and about 78% after,
reached over the camera's first week, with day-to-day noise; wrong fractions, waste left
outside and bulky waste dumped make up the rest, vandalism now and then.

An awareness campaign ran for a week in one camera site's neighbourhood, three weeks after
its camera started, and raised compliance there a little more. Two "bulky waste dumped"
observations became enforcement cases: one closed with a fine, one under investigation.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import TYPE_CHECKING

from ..compliance import ObservationKind
from ..models import (
    CameraSite,
    Campaign,
    CaseStatus,
    CollectionPoint,
    EnforcementCase,
    Observation,
    ObservationSource,
)
from ._common import city_zone

if TYPE_CHECKING:
    from digiplace.core.models import Municipality, User

# The watched points, and how many days ago each camera started.
SITES = (("p007", 63), ("p034", 52), ("p058", 42))
WATCHED_BEFORE = datetime.timedelta(weeks=6)
RATE_BEFORE = 0.62
RATE_AFTER = 0.78
RAMP_DAYS = 7
SITE_OFFSETS = (-0.02, 0.0, 0.02)
DAILY_NOISE = 0.05
# The campaign: at the first site, from three weeks after its camera started, for a week.
CAMPAIGN_SITE = 0
CAMPAIGN_STARTS_AFTER = datetime.timedelta(weeks=3)
CAMPAIGN_DAYS = 7
CAMPAIGN_GAIN = 0.04
# How the wrong uses split, and how often someone damages the point on a day.
WRONG_SHARES = (
    (ObservationKind.WRONG_FRACTION, 0.55),
    (ObservationKind.WASTE_OUTSIDE, 0.35),
    (ObservationKind.BULKY_DUMPED, 0.10),
)
VANDALISM_PER_DAY = 0.03
# Hand checks (about half an hour each) and the analytics' reports, local times.
CHECKS = ((9, 10, 6, 10), (17, 10, 6, 10))  # hour, minutes spread, events from, to
REPORTS = ((8, 40, 8, 14), (13, 40, 8, 14), (18, 40, 8, 14))
FOOTAGE_SHARE = 0.4
FINE_LEI = Decimal("1000.00")


def _rate(
    site: int,
    day: datetime.date,
    start: datetime.date,
    campaign: tuple[datetime.date, datetime.date] | None,
    randomness: random.Random,
) -> float:
    base = RATE_BEFORE
    if day >= start:
        progress = min((day - start).days / RAMP_DAYS, 1.0)
        base += (RATE_AFTER - RATE_BEFORE) * progress
    if campaign is not None and site == CAMPAIGN_SITE and day > campaign[0]:
        base += CAMPAIGN_GAIN * min((day - campaign[0]).days / CAMPAIGN_DAYS, 1.0)
    rate = base + SITE_OFFSETS[site] + randomness.gauss(0, DAILY_NOISE)
    return min(max(rate, 0.05), 0.98)


def _split(events: int, rate: float, randomness: random.Random) -> dict[ObservationKind, int]:
    correct = sum(randomness.random() < rate for _event in range(events))
    counts = {ObservationKind.CORRECT_USE: correct}
    kinds = [kind for kind, _share in WRONG_SHARES]
    shares = [share for _kind, share in WRONG_SHARES]
    for _event in range(events - correct):
        kind = randomness.choices(kinds, weights=shares)[0]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _observations(
    *,
    site: CameraSite,
    number: int,
    first: datetime.date,
    now: datetime.datetime,
    zone: datetime.tzinfo,
    campaign: tuple[datetime.date, datetime.date] | None,
    dispatcher: User | None,
    randomness: random.Random,
) -> list[Observation]:
    rows: list[Observation] = []
    start = site.camera_started_on
    day = first
    while day <= now.astimezone(zone).date():
        rate = _rate(number, day, start, campaign, randomness)
        by_camera = day >= start
        slots = REPORTS if by_camera else CHECKS
        for hour, spread, low, high in slots:
            local = datetime.datetime.combine(
                day, datetime.time(hour, randomness.randrange(spread)), tzinfo=zone
            )
            moment = local.astimezone(datetime.UTC)
            if moment > now:
                continue
            counts = _split(randomness.randint(low, high), rate, randomness)
            if randomness.random() < VANDALISM_PER_DAY / len(slots):
                counts[ObservationKind.VANDALISM] = 1
            for kind, count in counts.items():
                if count < 1:
                    continue
                # The analytics keep a clip of what went wrong now and then, of every dump.
                filmed = by_camera and kind is not ObservationKind.CORRECT_USE
                kept = kind is ObservationKind.BULKY_DUMPED or randomness.random() < FOOTAGE_SHARE
                footage = f"CAM{number + 1}-{local:%Y-%m-%dT%H:%M}" if filmed and kept else ""
                rows.append(
                    Observation(
                        municipality_id=site.municipality_id,
                        site=site,
                        observed_at=moment,
                        kind=kind.value,
                        count=count,
                        footage_ref=footage,
                        source=ObservationSource.ANALYTICS
                        if by_camera
                        else ObservationSource.DISPATCHER,
                        recorded_by=None if by_camera else dispatcher,
                        created_at=moment + datetime.timedelta(minutes=30),
                    )
                )
        day += datetime.timedelta(days=1)
    return rows


def _cases(
    observations: list[Observation], *, now: datetime.datetime, dispatcher: User | None
) -> int:
    """Two cases from the latest bulky-waste dumps the cameras filmed, at different sites."""
    dumps = sorted(
        (
            row
            for row in observations
            if row.kind == ObservationKind.BULKY_DUMPED and row.footage_ref
        ),
        key=lambda row: row.observed_at,
        reverse=True,
    )
    chosen: list[Observation] = []
    for row in dumps:
        if row.observed_at < now - datetime.timedelta(days=3) and all(
            row.site_id != other.site_id for other in chosen
        ):
            chosen.append(row)
        if len(chosen) == 2:
            break
    if len(chosen) < 2:
        return 0
    investigating, fined = sorted(chosen, key=lambda row: row.observed_at, reverse=True)
    fined_at = fined.observed_at + datetime.timedelta(hours=2)
    EnforcementCase.objects.create(
        municipality_id=fined.municipality_id,
        observation=fined,
        status=CaseStatus.CLOSED,
        fine_issued=True,
        fine_amount_lei=FINE_LEI,
        notes="Mobilier abandonat lângă containere. Autorul a fost identificat după înregistrare; "
        "amendă aplicată, deșeurile ridicate de operatorul de salubrizare.",
        opened_by=dispatcher,
        opened_at=fined_at,
        closed_at=min(fined_at + datetime.timedelta(days=9), now),
    )
    EnforcementCase.objects.create(
        municipality_id=investigating.municipality_id,
        observation=investigating,
        status=CaseStatus.INVESTIGATING,
        notes="Saci cu resturi din construcții lăsați lângă containere; se verifică înregistrarea.",
        opened_by=dispatcher,
        opened_at=investigating.observed_at + datetime.timedelta(hours=3),
    )
    return 2


def pilot_load(
    *, municipality: Municipality, now: datetime.datetime, dispatcher: User | None
) -> list[str]:
    """Camera sites, observations, the campaign and the cases, once (call inside a
    transaction, after the points)."""
    if CameraSite.objects.filter(municipality=municipality).exists():
        return []
    zone = city_zone(municipality)
    today = now.astimezone(zone).date()
    points = {
        point.code: point
        for point in CollectionPoint.objects.filter(
            municipality=municipality, code__in=[code for code, _days in SITES]
        )
    }
    if len(points) < len(SITES):
        return []
    randomness = random.Random(f"waste-demo-pilot-{municipality.slug}")  # noqa: S311
    sites = [
        CameraSite.objects.create(
            municipality=municipality,
            point=points[code],
            camera_started_on=today - datetime.timedelta(days=days_ago),
            notes=f"CAM{number + 1}: cameră cu vedere spre toate containerele punctului.",
        )
        for number, (code, days_ago) in enumerate(SITES)
    ]
    first_site = sites[CAMPAIGN_SITE]
    campaign_start = first_site.camera_started_on + CAMPAIGN_STARTS_AFTER
    campaign_end = campaign_start + datetime.timedelta(days=CAMPAIGN_DAYS - 1)
    neighbourhood = first_site.point.neighbourhood
    campaign = Campaign.objects.create(
        municipality=municipality,
        name=f"Sortăm corect în {neighbourhood}",
        description=(
            "Voluntari și agenți ai Poliției Locale au explicat la punctele de colectare ce se "
            "pune în fiecare container; pliante în cutiile poștale ale blocurilor din cartier."
        ),
        neighbourhood=neighbourhood,
        starts_on=campaign_start,
        ends_on=campaign_end,
    )
    campaign.points.set(
        CollectionPoint.objects.filter(municipality=municipality, neighbourhood=neighbourhood)
    )
    observations: list[Observation] = []
    for number, site in enumerate(sites):
        first = site.camera_started_on - WATCHED_BEFORE
        observations += _observations(
            site=site,
            number=number,
            first=first,
            now=now,
            zone=zone,
            campaign=(campaign_start, campaign_end),
            dispatcher=dispatcher,
            randomness=randomness,
        )
    observations = Observation.objects.bulk_create(observations, batch_size=2000)
    cases = _cases(observations, now=now, dispatcher=dispatcher)
    return [
        f"{municipality.slug}: {len(sites)} camera-watched sites, {len(observations)} "
        f"observations, 1 awareness campaign, {cases} enforcement cases"
    ]
