"""The read actions of CKAN's action API over the city's published datasets.

Each action takes the request's data dict and answers the ``result`` CKAN's action of the
same name gives (``ckan/logic/action/get.py``), or raises one of ``errors``' refusals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import parameters
from .errors import NotFound, ValidationError
from .packages import Entry, Index, city_index
from .parameters import Query, RangeFilter, SortKey, TermFilter, normalised

if TYPE_CHECKING:
    from digiplace.core.models import Municipality

# The CKAN release whose API these answers follow (what ``status_show`` reports).
CKAN_VERSION = "2.10.0"


@dataclass(frozen=True)
class Call:
    request: HttpRequest
    municipality: Municipality
    data: Mapping[str, Any]

    def index(self) -> Index:
        return city_index(self.municipality, self.request)


Action = Callable[[Call], Any]


def _page(items: list[Any], data: Mapping[str, Any]) -> list[Any]:
    limit = parameters.natural_number(data, "limit", default=None)
    offset = parameters.natural_number(data, "offset", default=0) or 0
    if limit:  # CKAN: a limit of 0 (or none) means no limit
        return items[offset : offset + limit]
    return items[offset:]


def package_list(call: Call) -> list[str]:
    entries = call.index().entries  # by name, as CKAN sorts them
    return _page([entry.name for entry in entries], call.data)


def package_show(call: Call) -> dict[str, Any]:
    wanted = parameters.text(call.data, "id", max_length=200)
    if not wanted:
        raise ValidationError({"id": [_("Missing value")]})
    entry = call.index().by_key.get(wanted)
    if entry is None:
        raise NotFound
    return entry.package


# Search


def _term_matches(entry: Entry, condition: TermFilter, index: Index) -> bool:
    wanted = {normalised(value) for value in condition.values}
    if condition.field == "tags":
        return bool(wanted & entry.tags)
    if condition.field == "groups":
        return bool(wanted & entry.groups)
    if condition.field == "res_format":
        return bool(wanted & entry.formats)
    if condition.field == "organization":
        return normalised(str(index.organization["name"])) in wanted
    if condition.field == "name":
        return entry.name in wanted
    if condition.field == "id":
        return entry.id in wanted
    if condition.field == "license_id":
        return normalised(str(entry.package["license_id"])) in wanted
    return "dataset" in wanted  # type, dataset_type


def _range_matches(entry: Entry, condition: RangeFilter) -> bool:
    moment = entry.modified if condition.field == "metadata_modified" else entry.created
    if condition.start is not None and (
        moment < condition.start or (moment == condition.start and not condition.include_start)
    ):
        return False
    return condition.end is None or not (
        moment > condition.end or (moment == condition.end and not condition.include_end)
    )


def _matches(entry: Entry, query: Query, index: Index) -> bool:
    if any(term not in entry.text for term in query.terms):
        return False
    for condition in query.filters:
        if isinstance(condition, RangeFilter):
            found = _range_matches(entry, condition)
        else:
            found = _term_matches(entry, condition, index)
        if found == condition.negated:
            return False
    return True


def _score(entry: Entry, query: Query) -> float:
    # A term in the title weighs more than one in a keyword, more than one in the text.
    score = 1.0
    for term in query.terms:
        score += 4.0 if term in entry.title else 2.0 if term in entry.tags else 1.0
    return score


def _sorted(entries: list[Entry], keys: tuple[SortKey, ...], query: Query) -> list[Entry]:
    ordered = sorted(entries, key=lambda entry: entry.name)
    # Stable sorts, the last key first, give the order of several keys.
    for key in reversed(keys):
        value: Callable[[Entry], Any]
        if key.field == "score":
            value = lambda entry: _score(entry, query)  # noqa: E731
        elif key.field == "metadata_modified":
            value = lambda entry: entry.modified  # noqa: E731
        elif key.field == "metadata_created":
            value = lambda entry: entry.created  # noqa: E731
        elif key.field == "title":
            value = lambda entry: entry.title  # noqa: E731
        else:
            value = lambda entry: entry.name  # noqa: E731
        ordered.sort(key=value, reverse=key.descending)
    return ordered


def _facet_values(entry: Entry, field: str, index: Index) -> list[tuple[str, str]]:
    """(name, display name) of the entry's values of a facet field."""
    package = entry.package
    if field == "tags":
        return [(tag["name"], tag["display_name"]) for tag in package["tags"]]
    if field == "groups":
        return [(group["name"], group["display_name"]) for group in package["groups"]]
    if field == "organization":
        return [(index.organization["name"], index.organization["title"])]
    if field == "res_format":
        formats = dict.fromkeys(resource["format"] for resource in package["resources"])
        return [(name, name) for name in formats]
    return [(package["license_id"], package["license_title"])]


def _facets(
    entries: list[Entry], fields: list[str], limit: int | None, index: Index
) -> tuple[dict[str, Any], dict[str, Any]]:
    facets: dict[str, Any] = {}
    search_facets: dict[str, Any] = {}
    for field in fields:
        counts: dict[str, int] = {}
        names: dict[str, str] = {}
        for entry in entries:
            for name, display_name in _facet_values(entry, field, index):
                counts[name] = counts.get(name, 0) + 1
                names[name] = display_name
        ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
        if limit is not None:
            ranked = ranked[:limit]
        facets[field] = dict(ranked)
        search_facets[field] = {
            "title": field,
            "items": [
                {"name": name, "display_name": names[name], "count": count}
                for name, count in ranked
            ],
        }
    return facets, search_facets


def package_search(call: Call) -> dict[str, Any]:
    data = call.data
    rows = parameters.natural_number(
        data, "rows", default=parameters.ROWS_DEFAULT, maximum=parameters.ROWS_MAX
    )
    start = parameters.natural_number(data, "start", default=0) or 0
    sort_written, sort_keys = parameters.sort_keys(data)
    fields = parameters.facet_fields(data)
    facet_limit = parameters.facet_limit(data)
    query = parameters.search_query(data, now=timezone.now())
    index = call.index()
    found = [entry for entry in index.entries if _matches(entry, query, index)]
    ordered = _sorted(found, sort_keys, query)
    facets, search_facets = _facets(found, fields, facet_limit, index)
    return {
        "count": len(found),
        "facets": facets,
        "results": [entry.package for entry in ordered[start : start + (rows or 0)]],
        "sort": sort_written,
        "search_facets": search_facets,
    }


# Organizations and groups


def _group_like(
    call: Call, items: list[dict[str, Any]], names_parameter: str
) -> list[dict[str, Any]] | list[str]:
    data = call.data
    names = parameters.name_list(data, names_parameter)
    if names is not None:
        items = [item for item in items if item["name"] in names]
    q = parameters.text(data, "q", max_length=200)
    if q:
        wanted = normalised(q)
        items = [
            item
            for item in items
            if wanted in normalised(f"{item['name']} {item['title']} {item['description']}")
        ]
    written = parameters.text(data, "sort", max_length=100) or "title asc"
    words = written.split()
    field = {"packages": "package_count", "package_count": "package_count"}.get(
        words[0] if words else "", words[0] if words else ""
    )
    default_direction = "desc" if field == "package_count" else "asc"
    direction = words[1].lower() if len(words) == 2 else default_direction
    if (
        field not in ("name", "title", "package_count")
        or len(words) > 2
        or direction
        not in (
            "asc",
            "desc",
        )
    ):
        raise ValidationError(
            {
                "sort": [
                    _("Cannot sort by %(sort)s: use name, title or package_count, asc or desc.")
                    % {"sort": written}
                ]
            }
        )
    items = sorted(
        items,
        key=lambda item: normalised(item[field]) if isinstance(item[field], str) else item[field],
        reverse=direction == "desc",
    )
    items = _page(items, data)
    if parameters.boolean(data, "all_fields"):
        return items
    return [item["name"] for item in items]


def organization_list(call: Call) -> list[dict[str, Any]] | list[str]:
    return _group_like(call, [call.index().organization], "organizations")


def group_list(call: Call) -> list[dict[str, Any]] | list[str]:
    return _group_like(call, call.index().groups, "groups")


def _show(call: Call, items: list[dict[str, Any]]) -> dict[str, Any]:
    wanted = parameters.text(call.data, "id", max_length=200)
    if not wanted:
        raise ValidationError({"id": [_("Missing value")]})
    found = next((item for item in items if wanted in (item["id"], item["name"])), None)
    if found is None:
        raise NotFound
    shown = dict(found)
    if parameters.boolean(call.data, "include_datasets"):
        index = call.index()
        field = "organization" if found["is_organization"] else "groups"
        shown["packages"] = [
            entry.package
            for entry in index.entries
            if _term_matches(entry, TermFilter(field=field, values=(found["name"],)), index)
        ]
    return shown


def organization_show(call: Call) -> dict[str, Any]:
    return _show(call, [call.index().organization])


def group_show(call: Call) -> dict[str, Any]:
    return _show(call, call.index().groups)


# The site


def status_show(call: Call) -> dict[str, Any]:
    request, municipality = call.request, call.municipality
    return {
        "site_title": _("%(city)s open data") % {"city": municipality.name},
        "site_description": str(municipality.description or ""),
        "site_url": request.build_absolute_uri("/"),
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": municipality.default_language,
        "extensions": [],
    }


def site_read(call: Call) -> bool:
    return True


def help_show(call: Call) -> str:
    name = parameters.text(call.data, "name", max_length=100)
    if not name:
        raise ValidationError({"name": [_("Missing value")]})
    if name not in ACTIONS:
        raise NotFound(_("Action function not found"))
    return str(ACTIONS[name][1])


ACTIONS: dict[str, tuple[Action, Promise]] = {
    "package_list": (
        package_list,
        gettext_lazy(
            "Return a list of the names of the site's datasets (packages).\n\n"
            ":param limit: if given, at most this many names (optional)\n"
            ":type limit: int\n"
            ":param offset: when limit is given, the first name to return (optional)\n"
            ":type offset: int\n\n"
            ":rtype: list of strings"
        ),
    ),
    "package_show": (
        package_show,
        gettext_lazy(
            "Return the metadata of a dataset (package) and its resources.\n\n"
            ":param id: the id or name of the dataset\n"
            ":type id: string\n\n"
            ":rtype: dictionary"
        ),
    ),
    "package_search": (
        package_search,
        gettext_lazy(
            "Search for datasets (packages).\n\n"
            ":param q: words to find in titles, descriptions and keywords, or field:value "
            "filters (optional)\n"
            ":type q: string\n"
            ":param fq: filters: tags, organization, groups, res_format, name, id, "
            "license_id, and metadata_modified or metadata_created:[start TO end] "
            "(optional)\n"
            ":type fq: string\n"
            ":param sort: fields with asc or desc, separated by commas; score, "
            "metadata_modified, metadata_created, name, title_string (optional, default: "
            "'score desc, metadata_modified desc')\n"
            ":type sort: string\n"
            ":param rows: the most datasets to return (optional, default: 10, at most 1000)\n"
            ":type rows: int\n"
            ":param start: the first result to return (optional, default: 0)\n"
            ":type start: int\n"
            ":param facet.field: the fields to count values of, as a JSON list: tags, "
            "organization, groups, res_format, license_id (optional)\n"
            ":type facet.field: list of strings\n"
            ":param facet.limit: the most values per facet; -1 for all (optional, "
            "default: 50)\n"
            ":type facet.limit: int\n\n"
            ":rtype: dictionary with count, results, sort, facets and search_facets"
        ),
    ),
    "organization_list": (
        organization_list,
        gettext_lazy(
            "Return the names of the site's organizations: the municipality.\n\n"
            ":param all_fields: return dictionaries instead of names (optional, default: "
            "false)\n"
            ":type all_fields: bool\n"
            ":param sort: name, title or package_count, with asc or desc (optional)\n"
            ":type sort: string\n"
            ":param limit: the most to return (optional)\n"
            ":type limit: int\n"
            ":param offset: the first to return (optional)\n"
            ":type offset: int\n\n"
            ":rtype: list of strings or of dictionaries"
        ),
    ),
    "organization_show": (
        organization_show,
        gettext_lazy(
            "Return an organization (the municipality).\n\n"
            ":param id: its id or name\n"
            ":type id: string\n"
            ":param include_datasets: include its datasets (optional, default: false)\n"
            ":type include_datasets: bool\n\n"
            ":rtype: dictionary"
        ),
    ),
    "group_list": (
        group_list,
        gettext_lazy(
            "Return the names of the site's groups: the EU data themes its datasets use.\n\n"
            ":param all_fields: return dictionaries instead of names (optional, default: "
            "false)\n"
            ":type all_fields: bool\n"
            ":param sort: name, title or package_count, with asc or desc (optional)\n"
            ":type sort: string\n"
            ":param limit: the most to return (optional)\n"
            ":type limit: int\n"
            ":param offset: the first to return (optional)\n"
            ":type offset: int\n\n"
            ":rtype: list of strings or of dictionaries"
        ),
    ),
    "group_show": (
        group_show,
        gettext_lazy(
            "Return a group (an EU data theme).\n\n"
            ":param id: its id or name\n"
            ":type id: string\n"
            ":param include_datasets: include its datasets (optional, default: false)\n"
            ":type include_datasets: bool\n\n"
            ":rtype: dictionary"
        ),
    ),
    "status_show": (
        status_show,
        gettext_lazy(
            "Return a dictionary with information about the site's configuration.\n\n"
            ":rtype: dictionary"
        ),
    ),
    "site_read": (site_read, gettext_lazy("Return true.\n\n:rtype: bool")),
    "help_show": (
        help_show,
        gettext_lazy(
            "Return the help string for a particular API action.\n\n"
            ":param name: the action's name (for example package_search)\n"
            ":type name: string\n\n"
            ":rtype: string"
        ),
    ),
}


def action_get(name: str) -> Action | None:
    found = ACTIONS.get(name)
    return found[0] if found else None


__all__ = ["ACTIONS", "CKAN_VERSION", "Call", "action_get"]
