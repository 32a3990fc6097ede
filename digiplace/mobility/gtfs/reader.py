"""Reading and validating a GTFS static feed (a zip), without touching the database.

``read_feed`` returns the parsed rows and a ``Report``: errors refuse the whole feed (the
importer writes nothing then), warnings are kept and shown. Every problem names its file, its
line (the header is line 1) and says what is wrong in the active language.

What is checked: the zip itself, UTF-8 (with or without BOM), required files and columns,
each value's format (times past 24:00:00, dates, enums, coordinates, colours, lengths), ids
appearing twice, references to unknown routes, services, stops, shapes, trips and stations,
trips whose service has neither calendar nor calendar dates, times going backwards within a
trip, and trips whose first or last stop has no time. Files other than the nine supported
are reported as ignored (a warning, never an error).
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

from django.utils.translation import gettext, ngettext

from .fields import format_time, is_colour, parse_date, parse_time

ERROR = "error"
WARNING = "warning"

# In the order they are imported and printed.
SUPPORTED_FILES = (
    "agency.txt",
    "stops.txt",
    "routes.txt",
    "trips.txt",
    "stop_times.txt",
    "calendar.txt",
    "calendar_dates.txt",
    "shapes.txt",
    "frequencies.txt",
)
REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
REQUIRED_COLUMNS = {
    "agency.txt": ("agency_name", "agency_url", "agency_timezone"),
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# GTFS's basic route types and the extended ones (100–1799) Google reads.
BASIC_ROUTE_TYPES = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 11, 12})
# Beyond this many problems of one severity the report only counts them.
MAX_LISTED = 200


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass
class Report:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Rows read per supported file: {"routes.txt": 22, ...}
    counts: dict[str, int] = field(default_factory=dict)
    errors_unlisted: int = 0
    warnings_unlisted: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.errors_unlisted

    @property
    def warning_count(self) -> int:
        return len(self.warnings) + self.warnings_unlisted

    def error(self, file: str, line: int | None, message: str) -> None:
        if len(self.errors) < MAX_LISTED:
            self.errors.append(Problem(file, line, message))
        else:
            self.errors_unlisted += 1

    def warning(self, file: str, line: int | None, message: str) -> None:
        if len(self.warnings) < MAX_LISTED:
            self.warnings.append(Problem(file, line, message))
        else:
            self.warnings_unlisted += 1

    def listed(self, severity: str) -> list[dict[str, Any]]:
        """The problems as stored on a ``NetworkImport``, with a last line counting those
        beyond the listed ones."""
        problems, unlisted = (
            (self.errors, self.errors_unlisted)
            if severity == ERROR
            else (self.warnings, self.warnings_unlisted)
        )
        rows = [problem.as_dict() for problem in problems]
        if unlisted:
            rows.append(
                {
                    "file": "",
                    "line": None,
                    "message": ngettext(
                        "%(count)d more problem is not listed.",
                        "%(count)d more problems are not listed.",
                        unlisted,
                    )
                    % {"count": unlisted},
                }
            )
        return rows


@dataclass
class Feed:
    """The checked rows, as the models' fields (references still as GTFS ids)."""

    agencies: list[dict[str, Any]] = field(default_factory=list)
    stops: list[dict[str, Any]] = field(default_factory=list)
    routes: list[dict[str, Any]] = field(default_factory=list)
    # service_id -> the fields of Service (weekly False for calendar_dates-only services)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    # shape_id -> [[sequence, latitude, longitude, distance or None], ...] in order
    shapes: dict[str, list[list[Any]]] = field(default_factory=dict)
    trips: list[dict[str, Any]] = field(default_factory=list)
    stop_times: list[dict[str, Any]] = field(default_factory=list)
    frequencies: list[dict[str, Any]] = field(default_factory=list)


class _Row:
    """One CSV row with the parsers that report a bad value and mark the row bad."""

    __slots__ = ("bad", "file", "line", "report", "values")

    def __init__(self, report: Report, file: str, line: int, values: dict[str, str]) -> None:
        self.report = report
        self.file = file
        self.line = line
        self.values = values
        self.bad = False

    def fail(self, message: str) -> None:
        self.bad = True
        self.report.error(self.file, self.line, message)

    def text(self, column: str, limit: int, *, required: bool = False) -> str:
        value = self.values.get(column, "")
        if not value and required:
            self.fail(gettext("%(column)s is required.") % {"column": column})
        elif len(value) > limit:
            self.fail(
                gettext("%(column)s is too long (at most %(limit)d characters).")
                % {"column": column, "limit": limit}
            )
            return value[:limit]
        return value

    def integer(
        self,
        column: str,
        *,
        allowed: frozenset[int] | None = None,
        default: int | None = None,
        required: bool = False,
    ) -> int | None:
        value = self.values.get(column, "")
        if not value:
            if required:
                self.fail(gettext("%(column)s is required.") % {"column": column})
            return default
        try:
            number = int(value)
        except ValueError:
            self.fail(
                gettext("%(column)s is not a whole number: “%(value)s”.")
                % {"column": column, "value": value}
            )
            return default
        if number < 0 or (allowed is not None and number not in allowed):
            choices = ", ".join(str(item) for item in sorted(allowed)) if allowed else "≥ 0"
            self.fail(
                gettext("%(column)s must be one of %(allowed)s, not “%(value)s”.")
                % {"column": column, "allowed": choices, "value": value}
            )
            return default
        return number

    def number(
        self, column: str, *, low: float | None = None, high: float | None = None
    ) -> float | None:
        value = self.values.get(column, "")
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            self.fail(
                gettext("%(column)s is not a number: “%(value)s”.")
                % {"column": column, "value": value}
            )
            return None
        if number != number or (low is not None and high is not None and not low <= number <= high):
            self.fail(
                gettext("%(column)s %(value)s is out of range (%(low)s to %(high)s).")
                % {"column": column, "value": value, "low": low, "high": high}
            )
            return None
        return number

    def time(self, column: str, *, required: bool = False) -> int | None:
        value = self.values.get(column, "")
        if not value:
            if required:
                self.fail(gettext("%(column)s is required.") % {"column": column})
            return None
        try:
            return parse_time(value)
        except ValueError:
            self.fail(
                gettext("%(column)s is not a time (H:MM:SS): “%(value)s”.")
                % {"column": column, "value": value}
            )
            return None

    def date(self, column: str) -> datetime.date | None:
        value = self.values.get(column, "")
        if not value:
            self.fail(gettext("%(column)s is required.") % {"column": column})
            return None
        try:
            return parse_date(value)
        except ValueError:
            self.fail(
                gettext("%(column)s is not a date (YYYYMMDD): “%(value)s”.")
                % {"column": column, "value": value}
            )
            return None

    def colour(self, column: str) -> str:
        value = self.values.get(column, "")
        if value and not is_colour(value):
            self.fail(
                gettext("%(column)s is not a colour of six hexadecimal digits: “%(value)s”.")
                % {"column": column, "value": value}
            )
            return ""
        return value.upper()


def _rows(report: Report, name: str, data: bytes) -> Iterator[_Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.error(name, None, gettext("The file is not UTF-8 text."))
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        header = []
    except csv.Error:
        report.error(name, 1, gettext("The file is not valid CSV."))
        return
    columns = [column.strip() for column in header]
    missing = [column for column in REQUIRED_COLUMNS[name] if column not in columns]
    if missing:
        for column in missing:
            report.error(name, 1, gettext("The column %(column)s is missing.") % {"column": column})
        return
    width = len(columns)
    count = 0
    try:
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            count += 1
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            values = {column: cells[index].strip() for index, column in enumerate(columns)}
            yield _Row(report, name, reader.line_num, values)
    except csv.Error:
        report.error(name, reader.line_num, gettext("The file is not valid CSV."))
    finally:
        report.counts[name] = count


class _Ids:
    """The ids of one file, reporting one seen twice."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.lines: dict[Any, int] = {}

    def add(self, row: _Row, key: Any, label: str) -> bool:
        first = self.lines.get(key)
        if first is not None:
            row.fail(
                gettext("The id %(id)s appears twice (first on line %(first)d).")
                % {"id": label, "first": first}
            )
            return False
        self.lines[key] = row.line
        return True


def _unknown(row: _Row, column: str) -> None:
    row.fail(
        gettext("Unknown %(column)s: %(value)s.")
        % {"column": column, "value": row.values.get(column, "")}
    )


def _open(report: Report, source: str | IO[bytes]) -> dict[str, bytes] | None:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        report.error("", None, gettext("The file is not a zip archive."))
        return None
    files: dict[str, bytes] = {}
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            # Some publishers zip the folder the files are in.
            name = PurePosixPath(info.filename).name
            if name.startswith(".") or info.filename.startswith("__MACOSX/"):
                continue
            if name not in SUPPORTED_FILES:
                if name == "feed_info.txt":
                    report.warning(
                        name,
                        None,
                        gettext("feed_info.txt is not imported: the platform publishes its own."),
                    )
                else:
                    report.warning(
                        name,
                        None,
                        gettext("The file %(file)s is not supported and was ignored.")
                        % {"file": name},
                    )
                continue
            try:
                files[name] = archive.read(info)
            except (zipfile.BadZipFile, OSError, ValueError):
                report.error(name, None, gettext("The file cannot be read from the zip."))
    return files


def read_feed(source: str | IO[bytes]) -> tuple[Feed, Report]:
    """Parse and check a GTFS zip (a path or a binary file)."""
    report = Report()
    feed = Feed()
    files = _open(report, source)
    if files is None:
        return feed, report
    for name in REQUIRED_FILES:
        if name not in files:
            report.error(name, None, gettext("The feed has no %(file)s.") % {"file": name})
    if "calendar.txt" not in files and "calendar_dates.txt" not in files:
        report.error(
            "calendar.txt", None, gettext("The feed needs calendar.txt or calendar_dates.txt.")
        )

    def rows(name: str) -> Iterator[_Row]:
        if name in files:
            yield from _rows(report, name, files[name])

    _agencies(report, feed, rows("agency.txt"))
    _stops(report, feed, rows("stops.txt"))
    _routes(report, feed, rows("routes.txt"))
    _calendar(report, feed, rows("calendar.txt"))
    _calendar_dates(report, feed, rows("calendar_dates.txt"))
    _shapes(report, feed, rows("shapes.txt"))
    _trips(report, feed, rows("trips.txt"))
    _stop_times(report, feed, rows("stop_times.txt"))
    _frequencies(report, feed, rows("frequencies.txt"))
    return feed, report


def _agencies(report: Report, feed: Feed, rows: Iterator[_Row]) -> None:
    ids = _Ids(report)
    for row in rows:
        agency: dict[str, Any] = {
            "gtfs_id": row.text("agency_id", 64),
            "name": row.text("agency_name", 200, required=True),
            "url": row.text("agency_url", 500, required=True),
            "timezone": row.text("agency_timezone", 64, required=True),
            "lang": row.text("agency_lang", 16),
            "phone": row.text("agency_phone", 64),
            "fare_url": row.text("agency_fare_url", 500),
            "email": row.text("agency_email", 254),
        }
        zone = agency["timezone"]
        if zone:
            try:
                zoneinfo.ZoneInfo(zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                row.fail(gettext("Unknown time zone: %(zone)s.") % {"zone": zone})
        ids.add(row, agency["gtfs_id"], agency["gtfs_id"] or "—")
        feed.agencies.append(agency)
    if len(feed.agencies) > 1 and any(not agency["gtfs_id"] for agency in feed.agencies):
        report.error(
            "agency.txt", None, gettext("The feed has several agencies: agency_id is required.")
        )


def _stops(report: Report, feed: Feed, rows: Iterator[_Row]) -> None:
    ids = _Ids(report)
    parents: list[tuple[_Row, str]] = []
    for row in rows:
        stop: dict[str, Any] = {
            "gtfs_id": row.text("stop_id", 64, required=True),
            "code": row.text("stop_code", 64),
            "name": row.text("stop_name", 200),
            "description": row.text("stop_desc", 500),
            "latitude": row.number("stop_lat", low=-90, high=90),
            "longitude": row.number("stop_lon", low=-180, high=180),
            "zone_id": row.text("zone_id", 64),
            "url": row.text("stop_url", 500),
            "location_type": row.integer("location_type", allowed=frozenset(range(5)), default=0),
            "parent_id": row.text("parent_station", 64),
            "timezone": row.text("stop_timezone", 64),
            "wheelchair_boarding": row.integer(
                "wheelchair_boarding", allowed=frozenset(range(3)), default=0
            ),
            "platform_code": row.text("platform_code", 32),
        }
        has_position = stop["latitude"] is not None and stop["longitude"] is not None
        if stop["location_type"] in (0, 1, 2) and not has_position and not row.bad:
            row.fail(
                gettext(
                    "The stop has no position: stop_lat and stop_lon are required for "
                    "stops, stations and entrances."
                )
            )
        elif has_position and stop["latitude"] == 0 and stop["longitude"] == 0:
            report.warning(row.file, row.line, gettext("The stop lies at 0, 0."))
        if stop["gtfs_id"]:
            ids.add(row, stop["gtfs_id"], stop["gtfs_id"])
        if stop["parent_id"]:
            parents.append((row, stop["parent_id"]))
        feed.stops.append(stop)
    kinds = {stop["gtfs_id"]: stop["location_type"] for stop in feed.stops}
    for row, parent in parents:
        if parent not in kinds:
            _unknown(row, "parent_station")


def _routes(report: Report, feed: Feed, rows: Iterator[_Row]) -> None:
    ids = _Ids(report)
    agencies = {agency["gtfs_id"] for agency in feed.agencies}
    for row in rows:
        route: dict[str, Any] = {
            "gtfs_id": row.text("route_id", 64, required=True),
            "agency_id": row.text("agency_id", 64),
            "short_name": row.text("route_short_name", 32),
            "long_name": row.text("route_long_name", 200),
            "description": row.text("route_desc", 500),
            "route_type": row.integer("route_type", required=True, default=3),
            "url": row.text("route_url", 500),
            "color": row.colour("route_color"),
            "text_color": row.colour("route_text_color"),
            "sort_order": row.integer("route_sort_order"),
        }
        route_type = route["route_type"]
        if route_type is not None and not (
            route_type in BASIC_ROUTE_TYPES or 100 <= route_type <= 1799
        ):
            row.fail(
                gettext("%(column)s must be one of %(allowed)s, not “%(value)s”.")
                % {
                    "column": "route_type",
                    "allowed": "0–7, 11, 12, 100–1799",
                    "value": route_type,
                }
            )
        if route["agency_id"] and route["agency_id"] not in agencies:
            _unknown(row, "agency_id")
        elif not route["agency_id"] and len(agencies) > 1:
            row.fail(gettext("The feed has several agencies: agency_id is required."))
        if not route["short_name"] and not route["long_name"]:
            report.warning(
                row.file, row.line, gettext("The route has neither a short nor a long name.")
            )
        if route["gtfs_id"]:
            ids.add(row, route["gtfs_id"], route["gtfs_id"])
        feed.routes.append(route)


def _calendar(report: Report, feed: Feed, rows: Iterator[_Row]) -> None:
    ids = _Ids(report)
    days = frozenset({0, 1})
    for row in rows:
        service_id = row.text("service_id", 64, required=True)
        service: dict[str, Any] = {"weekly": True}
        for day in WEEKDAYS:
            service[day] = row.integer(day, allowed=days, required=True) == 1
        service["start_date"] = row.date("start_date")
        service["end_date"] = row.date("end_date")
        if (
            service["start_date"] is not None
            and service["end_date"] is not None
            and service["end_date"] < service["start_date"]
        ):
            row.fail(gettext("end_date is before start_date."))
        if service_id and ids.add(row, service_id, service_id):
            feed.services[service_id] = service


def _calendar_dates(report: Report, feed: Feed, rows: Iterator[_Row]) -> None:
    ids = _Ids(report)
    for row in rows:
        exception: dict[str, Any] = {
            "service_id": row.text("service_id", 64, required=True),
            "date": row.date("date"),
            "exception_type": row.integer(
                "exception_type", allowed=frozenset({1, 2}), required=True
            ),
        }
        if exception["service_id"] and exception["date"] is not None:
            ids.add(
                row,
                (exception["service_id"], exception["date"]),
                f"{exception['service_id']} {row.values['date']}",
            )
        service_id = exception["service_id"]
        if service_id and service_id not in feed.services:
            feed.services[service_id] = {
                "weekly": False,
                **dict.fromkeys(WEEKDAYS, False),
                "start_date": None,
                "end_date": None,
            }
        feed.exceptions.append(exception)


def _shapes(report: Report, feed: Feed, rows: Iterator[_Row]) -> None:
    ids = _Ids(report)
    lines: dict[str, int] = {}
    for row in rows:
        shape_id = row.text("shape_id", 64, required=True)
        latitude = row.number("shape_pt_lat", low=-90, high=90)
        longitude = row.number("shape_pt_lon", low=-180, high=180)
        sequence = row.integer("shape_pt_sequence", required=True)
        distance = row.number("shape_dist_traveled")
        if latitude is None or longitude is None:
            if not row.bad:
                row.fail(gettext("The shape point has no position."))
            continue
        if not shape_id or sequence is None:
            continue
        if ids.add(row, (shape_id, sequence), f"{shape_id} #{sequence}"):
            feed.shapes.setdefault(shape_id, []).append([sequence, latitude, longitude, distance])
            lines.setdefault(shape_id, row.line)
    for shape_id, points in feed.shapes.items():
        points.sort(key=lambda point: point[0])
        if len(points) < 2:
            report.warning(
                "shapes.txt",
                lines[shape_id],
                gettext("The shape %(shape)s has fewer than two points.") % {"shape": shape_id},
            )


def _trips(report: Report, feed: Feed, rows: Iterator[_Row]) -> None:
    ids = _Ids(report)
    routes = {route["gtfs_id"] for route in feed.routes}
    for row in rows:
        trip: dict[str, Any] = {
            "gtfs_id": row.text("trip_id", 128, required=True),
            "route_id": row.text("route_id", 64, required=True),
            "service_id": row.text("service_id", 64, required=True),
            "headsign": row.text("trip_headsign", 200),
            "short_name": row.text("trip_short_name", 64),
            "direction_id": row.integer("direction_id", allowed=frozenset({0, 1})),
            "block_id": row.text("block_id", 64),
            "shape_id": row.text("shape_id", 64),
            "wheelchair_accessible": row.integer(
                "wheelchair_accessible", allowed=frozenset(range(3)), default=0
            ),
            "bikes_allowed": row.integer("bikes_allowed", allowed=frozenset(range(3)), default=0),
            "line": row.line,
        }
        if trip["route_id"] and trip["route_id"] not in routes:
            _unknown(row, "route_id")
        if trip["service_id"] and trip["service_id"] not in feed.services:
            row.fail(
                gettext(
                    "Missing calendar: the service %(service)s has neither calendar nor "
                    "calendar dates."
                )
                % {"service": trip["service_id"]}
            )
        if trip["shape_id"] and trip["shape_id"] not in feed.shapes:
            _unknown(row, "shape_id")
        if trip["gtfs_id"]:
            ids.add(row, trip["gtfs_id"], trip["gtfs_id"])
        feed.trips.append(trip)


def _stop_times(report: Report, feed: Feed, rows: Iterator[_Row]) -> None:
    ids = _Ids(report)
    trips = {trip["gtfs_id"] for trip in feed.trips}
    stops = {stop["gtfs_id"] for stop in feed.stops}
    by_trip: dict[str, list[tuple[int, int, dict[str, Any]]]] = defaultdict(list)
    for row in rows:
        stop_time: dict[str, Any] = {
            "trip_id": row.text("trip_id", 128, required=True),
            "stop_id": row.text("stop_id", 64, required=True),
            "sequence": row.integer("stop_sequence", required=True),
            "arrival": row.time("arrival_time"),
            "departure": row.time("departure_time"),
            "headsign": row.text("stop_headsign", 200),
            "pickup_type": row.integer("pickup_type", allowed=frozenset(range(4)), default=0),
            "drop_off_type": row.integer("drop_off_type", allowed=frozenset(range(4)), default=0),
            "shape_dist_traveled": row.number("shape_dist_traveled"),
            "timepoint": row.integer("timepoint", allowed=frozenset({0, 1})),
        }
        if stop_time["trip_id"] and stop_time["trip_id"] not in trips:
            _unknown(row, "trip_id")
        if stop_time["stop_id"] and stop_time["stop_id"] not in stops:
            _unknown(row, "stop_id")
        if (
            stop_time["trip_id"]
            and stop_time["sequence"] is not None
            and ids.add(
                row,
                (stop_time["trip_id"], stop_time["sequence"]),
                f"{stop_time['trip_id']} #{stop_time['sequence']}",
            )
        ):
            by_trip[stop_time["trip_id"]].append((stop_time["sequence"], row.line, stop_time))
        feed.stop_times.append(stop_time)
    for trip_id, entries in by_trip.items():
        entries.sort(key=lambda entry: entry[0])
        _check_times(report, trip_id, entries)
    for trip in feed.trips:
        if trip["gtfs_id"] and trip["gtfs_id"] not in by_trip:
            report.warning("trips.txt", trip["line"], gettext("The trip has no stop times."))


def _check_times(
    report: Report, trip_id: str, entries: list[tuple[int, int, dict[str, Any]]]
) -> None:
    for position in (0, -1):
        _sequence, line, stop_time = entries[position]
        if stop_time["arrival"] is None and stop_time["departure"] is None:
            report.error(
                "stop_times.txt",
                line,
                gettext("Trip %(trip)s: its first and last stops need a time.") % {"trip": trip_id},
            )
            return
    previous: int | None = None
    for _sequence, line, stop_time in entries:
        for moment in (stop_time["arrival"], stop_time["departure"]):
            if moment is None:
                continue
            if previous is not None and moment < previous:
                report.error(
                    "stop_times.txt",
                    line,
                    gettext("Times go backwards in trip %(trip)s: %(time)s after %(previous)s.")
                    % {
                        "trip": trip_id,
                        "time": format_time(moment),
                        "previous": format_time(previous),
                    },
                )
                return
            previous = moment


def _frequencies(report: Report, feed: Feed, rows: Iterator[_Row]) -> None:
    trips = {trip["gtfs_id"] for trip in feed.trips}
    for row in rows:
        frequency: dict[str, Any] = {
            "trip_id": row.text("trip_id", 128, required=True),
            "start_time": row.time("start_time", required=True),
            "end_time": row.time("end_time", required=True),
            "headway_secs": row.integer("headway_secs", required=True),
            "exact_times": row.integer("exact_times", allowed=frozenset({0, 1}), default=0),
        }
        if frequency["trip_id"] and frequency["trip_id"] not in trips:
            _unknown(row, "trip_id")
        start, end = frequency["start_time"], frequency["end_time"]
        if start is not None and end is not None and end <= start:
            row.fail(gettext("end_time must be after start_time."))
        if frequency["headway_secs"] == 0:
            row.fail(gettext("headway_secs must be more than 0."))
        feed.frequencies.append(frequency)
