"""Mobility's open datasets (``core.datasets``): the network as a static GTFS zip with links
to the live GTFS-realtime feeds, and the published ridership figures.

The GTFS zip is the one the module serves (``gtfs.export``), whose entries carry a fixed
date, so that the same network gives the same bytes and no new version. Ridership is read
through the module's published figures (``selectors.ridership.route_days``), already
protected there (no figure under k riders, complementary suppression), so the file shows
exactly what the ridership page shows; nothing is counted again.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from digiplace.core.datasets import (
    Chart,
    Column,
    DataFile,
    DataLink,
    DatasetSpec,
    KeyFigure,
    Privacy,
    Row,
    dataset_register,
    figure_distinct,
)
from digiplace.core.notifications import municipality_url

from .gtfs.export import export_feed
from .selectors.network import route_list
from .selectors.ridership import ROUTE_DAYS, aggregated_days, k_threshold, latest_day, route_days

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

MODULE = "mobility"
DEFAULT_SERIES_DAYS = 365


def series_days() -> int:
    """How many days back the ridership table goes (setting ``OPENDATA_SERIES_DAYS``)."""
    return max(int(getattr(settings, "OPENDATA_SERIES_DAYS", DEFAULT_SERIES_DAYS)), 1)


# --- Static GTFS and the realtime feeds ------------------------------------------------


def network_available(municipality: Municipality) -> bool:
    return route_list(municipality=municipality).exists()


def gtfs_zip(municipality: Municipality) -> bytes:
    # The publisher's address is the city's home page, as the zip served there names it.
    return export_feed(municipality, publisher_url=municipality_url(municipality, "/"))


GTFS = DatasetSpec(
    module=MODULE,
    slug="mobility-gtfs",
    title=_("Public transport: timetables and live feeds (GTFS)"),
    description=_(
        "The city's public transport network in GTFS, the format journey planners read: "
        "agencies, stops, lines, trips, timetables, calendars and the lines' shapes. The "
        "live GTFS-realtime feeds (vehicle positions, arrival predictions and service "
        "alerts) are linked: they are served live and change every few seconds."
    ),
    themes=("TRAN",),
    keywords=(_("public transport"), _("timetables"), _("GTFS"), _("GTFS-realtime")),
    frequency="IRREG",
    refresh=datetime.timedelta(days=7),
    privacy=Privacy(
        statement=_(
            "Timetables, stops and lines describe the transport service: they are about no "
            "one. The live feeds give vehicles' positions and delays, never who is on board."
        ),
        personal=False,
    ),
    files=(
        DataFile(
            name="gtfs.zip",
            format="GTFS",
            media_type="application/zip",
            title=_("Static GTFS feed"),
            produce=gtfs_zip,
            description=_("The network and its timetables, as a GTFS zip."),
        ),
    ),
    links=(
        DataLink(
            url_name="gtfs_rt:vehicle_positions",
            format="GTFS-RT",
            media_type="application/x-protobuf",
            title=_("Vehicle positions (GTFS-realtime)"),
            description=_("Where each vehicle in service is now."),
        ),
        DataLink(
            url_name="gtfs_rt:trip_updates",
            format="GTFS-RT",
            media_type="application/x-protobuf",
            title=_("Trip updates (GTFS-realtime)"),
            description=_("Predicted arrival and departure times at the next stops."),
        ),
        DataLink(
            url_name="gtfs_rt:alerts",
            format="GTFS-RT",
            media_type="application/x-protobuf",
            title=_("Service alerts (GTFS-realtime)"),
            description=_("Disruptions, diversions and stops out of service."),
        ),
    ),
    available=network_available,
)


# --- Ridership -------------------------------------------------------------------------


def ridership_available(municipality: Municipality) -> bool:
    return aggregated_days(municipality=municipality).exists()


def ridership_rows(municipality: Municipality) -> Iterator[Row]:
    """Boardings per line and day over the window ending with the latest aggregated day,
    as published: read in blocks of ``ROUTE_DAYS`` days (each day protected as on its own
    page), so that only a block's figures are in memory. Days without figures (no taps
    aggregated) are left out rather than shown as zero."""
    latest = latest_day(municipality=municipality)
    if latest is None:
        return
    k = k_threshold()
    first = latest - datetime.timedelta(days=series_days() - 1)
    with_data = set(
        aggregated_days(municipality=municipality)
        .filter(day__gte=first, day__lte=latest)
        .values_list("day", flat=True)
    )
    start = first
    while start <= latest:
        end = min(start + datetime.timedelta(days=ROUTE_DAYS - 1), latest)
        block = [day for day in sorted(with_data) if start <= day <= end]
        if block:
            dates, lines = route_days(
                municipality=municipality, until=end, k=k, days=(end - start).days + 1
            )
            for position, day in enumerate(dates):
                if day not in with_data:
                    continue
                for route, values in lines:
                    yield {
                        "day": day,
                        "route_id": route.gtfs_id,
                        "route_name": str(route),
                        "boardings": values[position],
                    }
        start = end + datetime.timedelta(days=1)


def _published_total(rows: Sequence[Row]) -> int:
    return sum(row["boardings"] for row in rows if row["boardings"] is not None)


def _hidden(rows: Sequence[Row]) -> int:
    return sum(1 for row in rows if row["boardings"] is None)


def _ridership_statement() -> str:
    return gettext(
        "Boardings are counted from ticket validations, whose card identifiers are never "
        "published. A figure counting fewer than %(k)d distinct riders is hidden (left "
        "empty), and so are other figures that would let someone work it out from the "
        "day's totals (complementary suppression). These are the figures of the ridership "
        "page."
    ) % {"k": k_threshold()}


RIDERSHIP = DatasetSpec(
    module=MODULE,
    slug="mobility-ridership",
    title=_("Public transport: boardings per line and day"),
    description=_(
        "How many times people boarded each line of the city's public transport each day, "
        "counted from ticket validations. Figures counting too few riders to be safe are "
        "hidden (left empty)."
    ),
    themes=("TRAN",),
    keywords=(_("public transport"), _("ridership"), _("passengers")),
    frequency="DAILY",
    refresh=datetime.timedelta(days=1),
    privacy=Privacy(
        # Lazy: the threshold (setting MOBILITY_RIDERSHIP_K) and the language are read when
        # the statement is shown.
        statement=lazy(_ridership_statement, str)(),
        removed=(
            _("Card and ticket identifiers"),
            _("The time and stop of each validation"),
        ),
        generalised=(_("Validations counted per line and day"),),
    ),
    columns=(
        Column("day", "date", _("The day, in the city's time zone.")),
        Column("route_id", "string", _("The line's identifier in the GTFS feed (route_id).")),
        Column("route_name", "string", _("The line's number and name.")),
        Column(
            "boardings",
            "integer",
            _("How many times people boarded the line that day; empty when hidden."),
        ),
    ),
    rows=ridership_rows,
    temporal="day",
    figures=(
        KeyFigure(_("Lines"), figure_distinct("route_id")),
        KeyFigure(_("Boardings published"), _published_total),
        KeyFigure(_("Figures hidden to protect riders"), _hidden),
    ),
    chart=Chart(x="day", y="boardings", kind="bar", aggregate="sum"),
    available=ridership_available,
)


DATASETS = (GTFS, RIDERSHIP)


def register() -> None:
    for spec in DATASETS:
        dataset_register(spec)
