"""CVRPLIB files: instances (``.vrp``) and solutions (``.sol``), read and written.

Only what the capacitated problem needs: EUC_2D coordinates, one depot, demands and a
capacity. Distances are Euclidean rounded to the nearest integer, as the X instances' costs
assume (Uchoa et al. 2017). Customers in a ``.sol`` file are numbered node number minus one,
the depot (node 1) not listed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _

from digiplace.waste.routing.errors import RoutingInputError

_SECTIONS = ("NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION")


@dataclass(frozen=True, slots=True)
class CvrpInstance:
    """A capacitated instance; node 0 is the depot, nodes 1..n-1 the customers."""

    name: str
    capacity: int
    coordinates: tuple[tuple[float, float], ...]
    demands: tuple[int, ...]

    @property
    def dimension(self) -> int:
        return len(self.coordinates)

    def distance_matrix(self) -> npt.NDArray[np.int64]:
        """Euclidean distances rounded to the nearest integer (TSPLIB's nint)."""
        points = np.asarray(self.coordinates, dtype=np.float64)
        difference = points[:, None, :] - points[None, :, :]
        exact = np.sqrt((difference**2).sum(axis=2))
        rounded: npt.NDArray[np.int64] = np.floor(exact + 0.5).astype(np.int64)
        return rounded


@dataclass(frozen=True, slots=True)
class CvrpSolution:
    """Routes as customer numbers (node number minus one, as in ``.sol`` files)."""

    routes: tuple[tuple[int, ...], ...]
    cost: int


def _error(path_name: str, line_number: int, message: str) -> RoutingInputError:
    return RoutingInputError(
        _("%(file)s, line %(line)d: %(problem)s")
        % {"file": path_name, "line": line_number, "problem": message}
    )


def _integer(path_name: str, line_number: int, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _error(
            path_name, line_number, _("“%(value)s” is not a whole number.") % {"value": text}
        ) from None


def _number(path_name: str, line_number: int, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise _error(path_name, line_number, _("“%(value)s” is not a number.") % {"value": text})
    return value


def parse_instance(text: str, *, source: str = "instance") -> CvrpInstance:
    """Parse a CVRPLIB ``.vrp`` text; every problem names its line."""
    header: dict[str, tuple[int, str]] = {}
    coordinates: dict[int, tuple[float, float]] = {}
    demands: dict[int, int] = {}
    depots: list[int] = []
    section = ""
    section_lines: dict[str, int] = {}
    last_line = 0
    for line_number, raw in enumerate(text.splitlines(), start=1):
        last_line = line_number
        line = raw.strip()
        if not line:
            continue
        if line == "EOF":
            break
        first = line.split(":", 1)[0].strip()
        if first in _SECTIONS:
            section = first
            section_lines[section] = line_number
            continue
        if ":" in line and not line[0].isdigit() and not line.startswith("-"):
            key, value = (part.strip() for part in line.split(":", 1))
            header[key] = (line_number, value.strip('"').strip())
            section = ""
            continue
        fields = line.split()
        if section == "NODE_COORD_SECTION":
            if len(fields) != 3:
                raise _error(source, line_number, _("a node needs a number, x and y."))
            node = _integer(source, line_number, fields[0])
            coordinates[node] = (
                _number(source, line_number, fields[1]),
                _number(source, line_number, fields[2]),
            )
        elif section == "DEMAND_SECTION":
            if len(fields) != 2:
                raise _error(source, line_number, _("a demand needs a node number and a demand."))
            demand = _integer(source, line_number, fields[1])
            if demand < 0:
                raise _error(source, line_number, _("a demand cannot be negative."))
            demands[_integer(source, line_number, fields[0])] = demand
        elif section == "DEPOT_SECTION":
            node = _integer(source, line_number, fields[0])
            if node != -1:
                depots.append(node)
        else:
            raise _error(source, line_number, _("this line is not part of any section."))
    return _instance_from_parts(
        source, last_line, section_lines, header, coordinates, demands, depots
    )


def _header_integer(
    source: str, last_line: int, header: dict[str, tuple[int, str]], key: str
) -> int:
    if key not in header:
        raise _error(source, last_line, _("the %(key)s field is missing.") % {"key": key})
    line_number, text = header[key]
    return _integer(source, line_number, text)


def _instance_from_parts(
    source: str,
    last_line: int,
    section_lines: dict[str, int],
    header: dict[str, tuple[int, str]],
    coordinates: dict[int, tuple[float, float]],
    demands: dict[int, int],
    depots: list[int],
) -> CvrpInstance:
    dimension = _header_integer(source, last_line, header, "DIMENSION")
    if dimension < 2:
        raise _error(source, header["DIMENSION"][0], _("an instance needs a depot and a customer."))
    capacity = _header_integer(source, last_line, header, "CAPACITY")
    if capacity <= 0:
        raise _error(source, header["CAPACITY"][0], _("the capacity must be positive."))
    weight_line, weight_type = header.get("EDGE_WEIGHT_TYPE", (last_line, "EUC_2D"))
    if weight_type != "EUC_2D":
        raise _error(
            source,
            weight_line,
            _("only EUC_2D distances are supported, not %(kind)s.") % {"kind": weight_type},
        )
    expected = set(range(1, dimension + 1))
    if set(coordinates) != expected:
        raise _error(
            source,
            section_lines.get("NODE_COORD_SECTION", last_line),
            _("NODE_COORD_SECTION must list nodes 1 to %(count)d exactly once.")
            % {"count": dimension},
        )
    if set(demands) != expected:
        raise _error(
            source,
            section_lines.get("DEMAND_SECTION", last_line),
            _("DEMAND_SECTION must list nodes 1 to %(count)d exactly once.") % {"count": dimension},
        )
    if depots != [1]:
        raise _error(
            source,
            section_lines.get("DEPOT_SECTION", last_line),
            _("the depot must be node 1, and the only one."),
        )
    name = header.get("NAME", (0, Path(source).stem))[1]
    return CvrpInstance(
        name=name,
        capacity=capacity,
        coordinates=tuple(coordinates[node] for node in range(1, dimension + 1)),
        demands=tuple(demands[node] for node in range(1, dimension + 1)),
    )


def read_instance(path: str | Path) -> CvrpInstance:
    path = Path(path)
    return parse_instance(_read_text(path), source=path.name)


def parse_solution(text: str, *, source: str = "solution") -> CvrpSolution:
    """Parse a CVRPLIB ``.sol`` text: ``Route #k: customers`` lines, then ``Cost C``."""
    routes: list[tuple[int, ...]] = []
    cost: int | None = None
    for line_number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("Route #") and ":" in line:
            customers = tuple(
                _integer(source, line_number, field) for field in line.split(":", 1)[1].split()
            )
            if not customers or min(customers) < 1:
                raise _error(source, line_number, _("a route lists customers numbered from 1."))
            routes.append(customers)
        elif line.startswith("Cost"):
            cost_text = line[len("Cost") :].strip()
            cost = round(_number(source, line_number, cost_text))
        else:
            raise _error(source, line_number, _("expected “Route #k: …” or “Cost C”."))
    if cost is None:
        raise _error(source, 0, _("the Cost line is missing."))
    return CvrpSolution(routes=tuple(routes), cost=cost)


def read_solution(path: str | Path) -> CvrpSolution:
    path = Path(path)
    return parse_solution(_read_text(path), source=path.name)


def format_solution(solution: CvrpSolution) -> str:
    """The ``.sol`` text: one ``Route #k:`` line per route, then ``Cost C``."""
    lines = [
        f"Route #{number}: {' '.join(str(customer) for customer in route)}"
        for number, route in enumerate(solution.routes, start=1)
    ]
    lines.append(f"Cost {solution.cost}")
    return "\n".join(lines) + "\n"


def routes_cost(instance: CvrpInstance, routes: tuple[tuple[int, ...], ...]) -> int:
    """The total rounded distance of routes given in ``.sol`` numbering."""
    distances = instance.distance_matrix()
    total = 0
    for route in routes:
        nodes = [0, *route, 0]
        total += int(sum(distances[a, b] for a, b in itertools.pairwise(nodes)))
    return total


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise RoutingInputError(
            _("%(file)s cannot be read: %(reason)s")
            % {"file": path.name, "reason": error.strerror or str(error)}
        ) from error
    except UnicodeDecodeError:
        raise RoutingInputError(_("%(file)s is not a text file.") % {"file": path.name}) from None
