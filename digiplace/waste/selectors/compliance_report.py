"""The compliance report: the pilot's question ("does video surveillance raise sorting
compliance?") answered from a city's observations with the compliance engine.

Aggregate counts only: no footage reference, no case, nobody's name reaches the report.

- Per site: its weekly compliance, and before/after its camera's start.
- Pooled over every site: each site's observations split at its own camera's start. When all
  cameras started on one day this is the engine's ``compliance_change`` over all sites; when
  they started on different days the periods are pooled here the engine's way (site-week
  clusters, design effect, Newcombe interval, z-test) with each site's own boundary.
- Per campaign: before/after at its watched points, with the city's other watched sites as
  comparison sites (difference in differences) when there are any.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import gettext as _

from digiplace.core.templatetags.digiplace import chart_data

from ..compliance import (
    DEFAULT_MIN_USE_EVENTS,
    ComplianceChange,
    Difference,
    KindCounts,
    ObservationKind,
    PeriodCompliance,
    WeeklyCompliance,
    Window,
    compliance_by_site_week,
    compliance_change,
    design_effect,
    rate_difference,
)
from ..compliance import Observation as EngineObservation
from ..models import CameraSite, Campaign
from . import compliance as selectors

if TYPE_CHECKING:
    from digiplace.core.models import Municipality


@dataclass(frozen=True)
class PeriodRow:
    """One side of a before/after comparison, as the report's table shows it."""

    label: str
    counts: KindCounts
    site_weeks: int
    design_effect: float

    @property
    def rate_percent(self) -> float | None:
        rate = self.counts.rate
        return None if rate is None else rate * 100


@dataclass(frozen=True)
class ChangeReport:
    """A before/after comparison: both periods, the difference and the engine's verdict."""

    change: ComplianceChange
    before: PeriodRow
    after: PeriodRow
    message: str
    controlled_message: str | None
    # What is missing for a comparison, in words; None when the comparison was made.
    missing: str | None

    @property
    def difference(self) -> Difference | None:
        return self.change.difference

    @property
    def difference_points(self) -> tuple[float, float, float] | None:
        """The difference and its interval in percentage points."""
        difference = self.change.difference
        if difference is None:
            return None
        return difference.estimate * 100, difference.low * 100, difference.high * 100

    @property
    def p_value_text(self) -> str:
        difference = self.change.difference
        return "" if difference is None else p_value_text(difference.p_value)

    @property
    def verdict(self) -> str:
        return self.change.verdict.value


@dataclass(frozen=True)
class WeekRow:
    week: WeeklyCompliance
    label: str
    # The camera started during this week (its rate mixes before and after).
    has_camera_start: bool = False

    @property
    def rate_percent(self) -> float | None:
        rate = self.week.rate
        return None if rate is None else rate * 100


@dataclass(frozen=True)
class SiteReport:
    site: CameraSite
    weeks: list[WeekRow]
    chart: dict[str, Any] | None
    camera: ChangeReport


@dataclass(frozen=True)
class CampaignReport:
    campaign: Campaign
    sites: list[CameraSite]
    control_sites: list[CameraSite]
    change: ChangeReport | None


@dataclass(frozen=True)
class ComplianceReport:
    sites: list[SiteReport]
    pooled: ChangeReport | None
    # Whether the cameras started on different days (the pooled periods are per site then).
    is_staggered: bool
    campaigns: list[CampaignReport]
    min_use_events: int
    observation_count: int


def p_value_text(p_value: float) -> str:
    """ "< 0.001" rather than a p-value of 0.000, else "0.042" (localised)."""
    if p_value < 0.001:
        return "< " + str(formats.number_format(0.001, 3))
    return str(formats.number_format(round(p_value, 3), 3))


def _missing(change: ComplianceChange) -> str | None:
    if change.difference is not None:
        return None
    parts = []
    for label, period in ((_("before"), change.before), (_("after"), change.after)):
        if period.use_events < change.min_use_events:
            parts.append(
                _(
                    "%(period)s: use events %(events)d of the %(minimum)d needed, "
                    "%(short)d missing (weeks with observations: %(weeks)d)"
                )
                % {
                    "period": label,
                    "events": period.use_events,
                    "weeks": period.site_weeks,
                    "short": change.min_use_events - period.use_events,
                    "minimum": change.min_use_events,
                }
            )
    return "; ".join(parts)


def _change_report(change: ComplianceChange, before_label: str, after_label: str) -> ChangeReport:
    def row(label: str, period: PeriodCompliance) -> PeriodRow:
        return PeriodRow(label, period.counts, period.site_weeks, period.design_effect)

    return ChangeReport(
        change=change,
        before=row(before_label, change.before),
        after=row(after_label, change.after),
        message=change.message(),
        controlled_message=change.controlled_message(),
        missing=_missing(change),
    )


def _week_rows(weeks: Sequence[WeeklyCompliance], camera_start: datetime.date) -> list[WeekRow]:
    return [
        WeekRow(
            week,
            str(formats.date_format(week.week_start, "SHORT_DATE_FORMAT")),
            week.week_start <= camera_start < week.week_start + datetime.timedelta(days=7),
        )
        for week in weeks
    ]


def _week_chart(rows: Sequence[WeekRow]) -> dict[str, Any] | None:
    rated = [row for row in rows if row.rate_percent is not None]
    if not rated:
        return None
    return chart_data(
        chart_type="line",
        labels=[row.label for row in rated],
        datasets=[
            {
                "label": _("Compliance rate (%)"),
                "data": [round(row.rate_percent or 0.0, 1) for row in rated],
            }
        ],
        label_title=_("Week starting"),
    )


def _local_midnight(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zone)


def _local_monday(moment: datetime.datetime, zone: ZoneInfo) -> datetime.date:
    local_day = moment.astimezone(zone).date()
    return local_day - datetime.timedelta(days=local_day.weekday())


def staggered_change(
    observations: Sequence[EngineObservation],
    *,
    starts: dict[str, datetime.date],
    time_zone: str,
    min_use_events: int = DEFAULT_MIN_USE_EVENTS,
) -> ComplianceChange:
    """Before/after pooled over sites whose changes came on different days: each site's
    observations before its own start against those from it on, clustered by site-week and
    compared as ``compliance_change`` does. Its windows span the earliest to the latest
    start (informative only: each site has its own)."""
    zone = ZoneInfo(time_zone)
    boundaries = {site: _local_midnight(day, zone) for site, day in starts.items()}
    kinds: dict[bool, Counter[ObservationKind]] = {False: Counter(), True: Counter()}
    clusters: dict[bool, dict[tuple[str, datetime.date], list[int]]] = {
        False: defaultdict(lambda: [0, 0]),
        True: defaultdict(lambda: [0, 0]),
    }
    for observation in observations:
        boundary = boundaries.get(observation.site)
        if boundary is None:
            continue
        is_after = observation.at >= boundary
        kinds[is_after][observation.kind] += observation.count
        if observation.kind.is_use_event:
            cell = clusters[is_after][(observation.site, _local_monday(observation.at, zone))]
            cell[1] += observation.count
            if observation.kind is ObservationKind.CORRECT_USE:
                cell[0] += observation.count

    def period(is_after: bool) -> PeriodCompliance:
        cells = [(correct, events) for correct, events in clusters[is_after].values()]
        return PeriodCompliance(
            KindCounts.from_totals(kinds[is_after]), len(cells), design_effect(cells)
        )

    before, after = period(False), period(True)
    difference = None
    if min(before.use_events, after.use_events) >= min_use_events:
        difference = rate_difference(before, after)
    earliest, latest = min(boundaries.values()), max(boundaries.values())
    return ComplianceChange(
        sites=tuple(sorted(starts)),
        control_sites=(),
        before_window=Window(None, latest),
        after_window=Window(earliest, None),
        before=before,
        after=after,
        difference=difference,
        control_before=None,
        control_after=None,
        control_difference=None,
        difference_in_differences=None,
        min_use_events=min_use_events,
    )


def _site_reports(
    sites: Sequence[CameraSite], observations: Sequence[EngineObservation], time_zone: str
) -> list[SiteReport]:
    weeks_by_site: dict[str, list[WeeklyCompliance]] = defaultdict(list)
    for week in compliance_by_site_week(observations, time_zone=time_zone):
        weeks_by_site[week.site].append(week)
    reports = []
    for site in sites:
        code = site.point.code
        rows = _week_rows(weeks_by_site.get(code, []), site.camera_started_on)
        change = compliance_change(
            observations, sites=[code], start=site.camera_started_on, time_zone=time_zone
        )
        reports.append(
            SiteReport(
                site=site,
                weeks=rows,
                chart=_week_chart(rows),
                camera=_change_report(
                    change, _("Before the camera"), _("Since the camera started")
                ),
            )
        )
    return reports


def _pooled(
    sites: Sequence[CameraSite], observations: Sequence[EngineObservation], time_zone: str
) -> tuple[ChangeReport | None, bool]:
    if not sites:
        return None, False
    starts = {site.point.code: site.camera_started_on for site in sites}
    is_staggered = len(set(starts.values())) > 1
    if is_staggered:
        change = staggered_change(observations, starts=starts, time_zone=time_zone)
    else:
        change = compliance_change(
            observations,
            sites=list(starts),
            start=next(iter(starts.values())),
            time_zone=time_zone,
        )
    return (
        _change_report(change, _("Before the cameras"), _("Since the cameras started")),
        is_staggered,
    )


def _campaign_reports(
    sites: Sequence[CameraSite],
    observations: Sequence[EngineObservation],
    municipality: Municipality,
    time_zone: str,
) -> list[CampaignReport]:
    by_point = {site.point_id: site for site in sites}
    reports = []
    for campaign in selectors.campaign_list(municipality=municipality):
        watched = [by_point[point.pk] for point in campaign.points.all() if point.pk in by_point]
        watched_ids = {site.pk for site in watched}
        control = [site for site in sites if site.pk not in watched_ids]
        change = None
        if watched:
            result = compliance_change(
                observations,
                sites=[site.point.code for site in watched],
                control_sites=[site.point.code for site in control],
                start=campaign.starts_on,
                end=campaign.ends_on,
                time_zone=time_zone,
            )
            change = _change_report(result, _("Before the campaign"), _("After the campaign"))
        reports.append(CampaignReport(campaign, watched, control, change))
    return reports


def compliance_report(*, municipality: Municipality) -> ComplianceReport:
    """The whole report for the city, in the active language."""
    time_zone = municipality.time_zone
    sites = list(selectors.site_list(municipality=municipality))
    observations = selectors.engine_observations(municipality=municipality)
    pooled, is_staggered = _pooled(sites, observations, time_zone)
    return ComplianceReport(
        sites=_site_reports(sites, observations, time_zone),
        pooled=pooled,
        is_staggered=is_staggered,
        campaigns=_campaign_reports(sites, observations, municipality, time_zone),
        min_use_events=DEFAULT_MIN_USE_EVENTS,
        observation_count=len(observations),
    )
