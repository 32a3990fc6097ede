"""Reading camera-watched sites, their observations, campaigns and enforcement cases, always
within one municipality, and feeding the compliance engine (``waste.compliance``).

A site is known to the engine and to camera-analytics files by its collection point's code
(unique in the city).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from ..compliance import Observation as EngineObservation
from ..compliance import ObservationKind
from ..models import (
    CameraSite,
    Campaign,
    CaseStatus,
    CollectionPoint,
    EnforcementCase,
    Observation,
)

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# Observations listed on a site's page; older ones count in the report all the same.
OBSERVATION_LIST_LIMIT = 100
CASE_LIST_LIMIT = 200


# Sites


def site_list(*, municipality: Municipality) -> QuerySet[CameraSite]:
    """The city's camera-watched sites with their observations' number (``observation_count``)."""
    return (
        CameraSite.objects.for_municipality(municipality)
        .select_related("point")
        .annotate(observation_count=Count("observations"))
        .order_by("point__code")
    )


def site_get(*, municipality: Municipality, pk: int) -> CameraSite | None:
    return (
        CameraSite.objects.for_municipality(municipality).select_related("point").filter(pk=pk)
    ).first()


def site_codes(*, municipality: Municipality) -> dict[str, CameraSite]:
    """The city's sites by their point's code: the names a camera-analytics file uses."""
    return {site.point.code: site for site in site_list(municipality=municipality)}


def point_choices_for_site(
    *, municipality: Municipality, site: CameraSite | None = None
) -> QuerySet[CollectionPoint]:
    """The city's points that can be watched: those without a site yet, and ``site``'s own."""
    points = CollectionPoint.objects.for_municipality(municipality)
    taken = Q(camera_site__isnull=False)
    if site is not None:
        taken &= ~Q(pk=site.point_id)
    return points.exclude(taken).order_by("code")


def point_list(*, municipality: Municipality) -> QuerySet[CollectionPoint]:
    return CollectionPoint.objects.for_municipality(municipality).order_by("code")


# Observations


def observation_list(*, site: CameraSite) -> QuerySet[Observation]:
    """A site's latest observations (at most ``OBSERVATION_LIST_LIMIT``)."""
    return (
        Observation.objects.filter(municipality_id=site.municipality_id, site=site)
        .select_related("recorded_by")
        .order_by("-observed_at", "-pk")[:OBSERVATION_LIST_LIMIT]
    )


def observation_get(*, municipality: Municipality, pk: int) -> Observation | None:
    return (
        Observation.objects.for_municipality(municipality)
        .select_related("site", "site__point", "recorded_by")
        .filter(pk=pk)
        .first()
    )


def observations_without_case(*, municipality: Municipality) -> QuerySet[Observation]:
    """The latest observations of other kinds than correct use that no case was opened for:
    what the local police may want to follow up."""
    return (
        Observation.objects.for_municipality(municipality)
        .exclude(kind=ObservationKind.CORRECT_USE)
        .filter(cases__isnull=True)
        .select_related("site", "site__point")
        .order_by("-observed_at", "-pk")[:OBSERVATION_LIST_LIMIT]
    )


def engine_observations(*, municipality: Municipality) -> list[EngineObservation]:
    """Every observation of the city as the compliance engine reads it (no footage: the
    report never shows it)."""
    rows = (
        Observation.objects.for_municipality(municipality)
        .order_by("observed_at", "pk")
        .values_list("site__point__code", "observed_at", "kind", "count")
    )
    return [
        EngineObservation(at=observed_at, site=code, kind=ObservationKind(kind), count=count)
        for code, observed_at, kind, count in rows
    ]


# Campaigns


def campaign_list(*, municipality: Municipality) -> QuerySet[Campaign]:
    return (
        Campaign.objects.for_municipality(municipality)
        .prefetch_related("points")
        .order_by("-starts_on", "name")
    )


def campaign_get(*, municipality: Municipality, pk: int) -> Campaign | None:
    return (
        Campaign.objects.for_municipality(municipality)
        .prefetch_related("points")
        .filter(pk=pk)
        .first()
    )


# Enforcement cases (the local police's pages only)


def case_list(*, municipality: Municipality, status: str = "") -> QuerySet[EnforcementCase]:
    cases = EnforcementCase.objects.for_municipality(municipality).select_related(
        "observation", "observation__site", "observation__site__point"
    )
    if status:
        cases = cases.filter(status=status)
    return cases.order_by("-opened_at", "-pk")


def case_get(*, municipality: Municipality, pk: int) -> EnforcementCase | None:
    return (
        EnforcementCase.objects.for_municipality(municipality)
        .select_related(
            "observation",
            "observation__site",
            "observation__site__point",
            "observation__recorded_by",
            "opened_by",
        )
        .filter(pk=pk)
        .first()
    )


def case_counts(*, municipality: Municipality) -> dict[str, int]:
    """Cases per status (every status present, 0 when none)."""
    counts = dict.fromkeys(CaseStatus.values, 0)
    rows = (
        EnforcementCase.objects.for_municipality(municipality)
        .values_list("status")
        .annotate(total=Count("pk"))
        .order_by()
    )
    for status, total in rows:
        counts[status] = total
    return counts


def observation_cases(*, observation: Observation) -> QuerySet[EnforcementCase]:
    return EnforcementCase.objects.filter(
        municipality_id=observation.municipality_id, observation=observation
    ).order_by("-opened_at", "-pk")


def cases_by_observation(
    *, observations: Sequence[Observation]
) -> dict[int, list[EnforcementCase]]:
    """The cases of each of ``observations`` (one query), latest first."""
    cases: dict[int, list[EnforcementCase]] = defaultdict(list)
    if not observations:
        return cases
    rows = EnforcementCase.objects.filter(
        municipality_id=observations[0].municipality_id,
        observation_id__in=[observation.pk for observation in observations],
    ).order_by("-opened_at", "-pk")
    for case in rows:
        cases[case.observation_id].append(case)
    return dict(cases)
