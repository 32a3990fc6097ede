"""One municipality's staff never see or change another's records.

The tests discover every concrete ``CityOwnedModel`` and every back-office and API URL,
so a new module's models and pages are covered without editing this file: give each new
model a factory_boy factory in ``<app>/tests/factories*.py`` (it must accept
``municipality`` and ``id``).
"""

from __future__ import annotations

import importlib
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import factory
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern
from django.utils import translation

from digiplace.core import modules
from digiplace.core.audit import model_snapshot
from digiplace.core.models import (
    AuditLogEntry,
    CityOwnedModel,
    Department,
    Municipality,
    StaffMembership,
    StaffRole,
    User,
)
from digiplace.core.tests.factories import UserFactory

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
# Timișoara's records get ids no Botoșani record has, so an id in a page is theirs.
FOREIGN_ID_START = 7_000_001
ID_KWARG = re.compile(r"^(pk|id|.+_id|.+_pk)$")
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")

Maker = Callable[..., models.Model]


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    # The language middleware leaves the request's language active; later tests expect none.
    yield
    translation.deactivate()


def city_owned_models() -> list[type[models.Model]]:
    return sorted(
        (
            model
            for model in apps.get_models()
            if issubclass(model, CityOwnedModel) and not model._meta.abstract
        ),
        key=lambda model: model._meta.label,
    )


def _audit_entry_make(*, municipality: Municipality, **fields: Any) -> models.Model:
    # The core has no factory for the audit log; a module's models have their own.
    return AuditLogEntry.objects.create(
        municipality=municipality,
        actor_label="someone@timisoara.example",
        action="update",
        target_type="core.Department",
        target_id="1",
        target_label="Timișoara record",
        before={"email": "old@timisoara.example"},
        after={"email": "new@timisoara.example"},
        **fields,
    )


LOCAL_MAKERS: dict[type[models.Model], Maker] = {AuditLogEntry: _audit_entry_make}


def maker_for(model: type[models.Model]) -> Maker | None:
    if model in LOCAL_MAKERS:
        return LOCAL_MAKERS[model]
    app_name = model._meta.app_config.name if model._meta.app_config else ""
    for factories in _factory_modules(app_name):
        for candidate in vars(factories).values():
            if (
                isinstance(candidate, type)
                and issubclass(candidate, factory.django.DjangoModelFactory)
                and candidate._meta.model is model
            ):
                return cast(Maker, candidate)
    return None


def _factory_modules(app_name: str) -> list[ModuleType]:
    """The app's ``tests/factories.py`` and its ``tests/factories_<component>.py`` files."""
    try:
        tests = importlib.import_module(f"{app_name}.tests")
    except ModuleNotFoundError:
        return []
    folder = Path(next(iter(tests.__path__)))
    names = sorted(path.stem for path in folder.glob("factories*.py"))
    return [importlib.import_module(f"{app_name}.tests.{name}") for name in names]


@dataclass(frozen=True)
class Route:
    """One URL pattern, with the keyword arguments that take a record id."""

    route: str
    id_kwargs: tuple[str, ...]

    def path(self, record_id: int | None = None) -> str:
        def fill(match: re.Match[str]) -> str:
            return str(record_id)

        return "/" + ROUTE_PARAMETER.sub(fill, self.route)


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[Route | None]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if not isinstance(entry.pattern, RoutePattern):
                yield None
                continue
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            if not isinstance(entry.pattern, RoutePattern):
                yield None  # a regex route: see test_every_staff_route_is_walkable
                continue
            route = prefix + str(entry.pattern)
            kwargs: list[str] = []
            for match in ROUTE_PARAMETER.finditer(route):
                converter = entry.pattern.converters.get(match["name"])
                if isinstance(converter, IntConverter) or ID_KWARG.match(match["name"]):
                    kwargs.append(match["name"])
                else:
                    kwargs = ["-"]  # a slug or other non-id parameter: not a record route
                    break
            if kwargs != ["-"]:
                yield Route(route=route, id_kwargs=tuple(kwargs))


def staff_routes() -> list[Route]:
    """Back-office pages and API endpoints (where staff read and write city records)."""
    return [
        route
        for route in _walk(get_resolver().url_patterns)
        if route is not None and route.route.startswith(("backoffice/", "api/v1/"))
    ]


def record_routes() -> list[Route]:
    return [route for route in staff_routes() if route.id_kwargs]


def list_routes() -> list[Route]:
    return [route for route in staff_routes() if not route.id_kwargs]


def city_snapshot(municipality: Municipality) -> dict[str, dict[Any, Any]]:
    """Every city-owned record of ``municipality``, field by field."""
    return {
        model._meta.label: {
            record.pk: model_snapshot(record)
            for record in model._default_manager.filter(municipality=municipality)
        }
        for model in city_owned_models()
    }


_ids = itertools.count(FOREIGN_ID_START)


def foreign_records(timisoara: Municipality) -> list[models.Model]:
    """One Timișoara record of every city-owned model, each with an id unique here."""
    records = []
    for model in city_owned_models():
        maker = maker_for(model)
        assert maker is not None, f"No factory for {model._meta.label}"
        record = maker(municipality=timisoara, id=next(_ids))
        assert model._default_manager.filter(pk=record.pk).exists(), model._meta.label
        records.append(record)
    return records


@pytest.fixture
def persona(
    request: pytest.FixtureRequest, botosani_admin: StaffMembership, botosani: Municipality
) -> User:
    """A Botoșani staff member, administrator or platform administrator."""
    if request.param == "staff":
        membership = StaffMembership.objects.create(
            municipality=botosani,
            user=cast(User, UserFactory(email="all-modules@botosani.example")),
            role=StaffRole.STAFF,
            modules=[spec.code for spec in modules.all_modules()],
        )
        return membership.user
    if request.param == "platform_admin":
        return User.objects.create_superuser("root@example.org", "unused")
    return botosani_admin.user


PERSONAS = ["staff", "admin", "platform_admin"]


def _needs_a_grant(path: str) -> bool:
    """The route's view belongs to a module that administrators get only by name (the
    administrator personas have no grant)."""
    module = getattr(resolve(path).func, "staff_module", None)
    return module is not None and modules.grant_required(module)


REFUSED = {403, 404, 405}


def _request(client: Client, method: str, path: str, host: str) -> int:
    if method == "GET":
        return client.get(path, HTTP_HOST=host).status_code
    if method in ("PUT", "PATCH"):
        return client.generic(
            method, path, b'{"name_ro": "Taken"}', "application/json", HTTP_HOST=host
        ).status_code
    if method == "DELETE":
        return client.delete(path, HTTP_HOST=host).status_code
    return client.post(path, {"name_ro": "Taken", "role": "staff"}, HTTP_HOST=host).status_code


# Coverage of the walk itself


def test_every_city_owned_model_has_a_factory() -> None:
    missing = [model._meta.label for model in city_owned_models() if maker_for(model) is None]

    assert city_owned_models(), "no CityOwnedModel found"
    assert missing == [], (
        f"Add a factory for {missing} to the app's tests/factories.py "
        "(accepting municipality and id) so the isolation tests can cover it."
    )


def test_every_staff_route_is_walkable() -> None:
    unreadable = [
        str(entry.pattern)
        for entry in get_resolver().url_patterns
        if not isinstance(entry.pattern, RoutePattern)
    ]

    assert unreadable == [], "Use path() routes so the isolation tests can walk them."
    assert any(route.route.startswith("backoffice/") for route in record_routes())
    assert any(route.route.startswith("api/v1/backoffice/") for route in record_routes())


# Records of another municipality, by id


# Every walked route finds a Timișoara record of each city-owned model under this one id, so
# a single pass over the routes tries every model a view may look up (a route with two ids
# finds both records and is walked deeper than a record of one model alone would allow).
SHARED_ID = FOREIGN_ID_START - 1


def records_walk(persona: User, timisoara: Municipality, client: Client) -> None:
    """Every record route, with every method, on a Timișoara record of every city-owned model
    sharing one id: refused, nothing changed, nothing audited; administrators get 404 (not a
    hint)."""
    for model in city_owned_models():
        maker = maker_for(model)
        assert maker is not None, f"No factory for {model._meta.label}"
        maker(municipality=timisoara, id=SHARED_ID)
        assert model._default_manager.filter(pk=SHARED_ID, municipality=timisoara).exists(), (
            model._meta.label
        )
    before = city_snapshot(timisoara)
    audit_count = AuditLogEntry.objects.count()
    client.force_login(persona)

    answers = {
        (method, route.path(SHARED_ID)): _request(client, method, route.path(SHARED_ID), BOTOSANI)
        for route in record_routes()
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE")
    }

    assert len(answers) >= 5 * len(city_owned_models()), "too few record routes found"
    leaked = {key: status for key, status in answers.items() if status not in REFUSED}
    assert leaked == {}, "Timișoara's records were reachable from Botoșani"
    backoffice_gets = {
        path: status
        for (method, path), status in answers.items()
        if method == "GET" and path.startswith("/backoffice/")
    }
    if persona.is_superuser or StaffMembership.objects.filter(user=persona, role="admin").exists():
        # 404, not a hint; but a module granted by name only refuses every id alike (403)
        # to an administrator without the grant, before any lookup.
        expected = {path: 403 if _needs_a_grant(path) else 404 for path in backoffice_gets}
        assert backoffice_gets == expected, "administrators must get 404, not a hint"
    assert city_snapshot(timisoara) == before
    assert AuditLogEntry.objects.count() == audit_count


# The walk is one of the suite's longest: each persona has its own file
# (test_isolation_by_id_*.py) so that the test workers share it (they take whole files).
@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["admin"], indirect=True)
def test_another_citys_records_cannot_be_opened_or_changed_by_id(
    persona: User, timisoara: Municipality, client: Client
) -> None:
    records_walk(persona, timisoara, client)


# Lists


def _labels(record: models.Model) -> set[str]:
    labels = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            labels.add(str(record))
    return labels


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_lists_never_show_another_citys_records(
    persona: User, botosani: Municipality, timisoara: Municipality, client: Client
) -> None:
    own_records = [maker(municipality=botosani) for maker in map(maker_for, city_owned_models())]  # type: ignore[misc]
    foreign = foreign_records(timisoara)
    # Labels in every language (a translated field reads the active one): a foreign label
    # that an own record's label contains proves nothing when found.
    own_labels = {label for record in own_records for label in _labels(record)}
    foreign_labels = {
        record: [
            label
            for label in _labels(record)
            if len(label) >= 6 and not any(label in own for own in own_labels)
        ]
        for record in foreign
    }
    client.force_login(persona)

    for route in list_routes():
        response = client.get(route.path(), HTTP_HOST=BOTOSANI)
        assert response.status_code < 500, route.route
        page = response.content.decode()
        for record in foreign:
            assert f"{record.pk}" not in page, f"{record._meta.label} #{record.pk} in {route.route}"
            for label in foreign_labels[record]:
                assert label not in page, f"{record._meta.label} “{label}” in {route.route}"


@pytest.mark.django_db
def test_admin_lists_show_their_own_city_records(
    botosani_admin: StaffMembership, timisoara: Municipality, client: Client
) -> None:
    foreign_records(timisoara)
    client.force_login(botosani_admin.user)

    page = client.get("/backoffice/staff/", HTTP_HOST=BOTOSANI).content.decode()
    api = client.get("/api/v1/backoffice/staff/", HTTP_HOST=BOTOSANI).json()

    assert "admin@botosani.example" in page
    assert [item["email"] for item in api["results"]] == ["admin@botosani.example"]


# The wrong host, the wrong person


@pytest.mark.django_db
def test_botosani_admin_is_refused_everywhere_on_timisoara_host(
    botosani_admin: StaffMembership, timisoara: Municipality, client: Client
) -> None:
    record = foreign_records(timisoara)[0]
    before = city_snapshot(timisoara)
    client.force_login(botosani_admin.user)

    answers = {
        (method, route.route): _request(client, method, route.path(record.pk), TIMISOARA)
        for route in staff_routes()
        if route.route.startswith(("backoffice/", "api/v1/backoffice/"))
        for method in ("GET", "POST", "PATCH", "DELETE")
    }

    assert {key: status for key, status in answers.items() if status not in {403, 405}} == {}
    assert city_snapshot(timisoara) == before


@pytest.mark.django_db
def test_resident_is_refused_everywhere_in_the_back_office(
    botosani: Municipality, resident: User, client: Client
) -> None:
    own = StaffMembership.objects.create(
        municipality=botosani, user=cast(User, UserFactory()), role=StaffRole.STAFF
    )
    before = city_snapshot(botosani)
    client.force_login(resident)

    answers = {
        (method, route.route): _request(client, method, route.path(own.pk), BOTOSANI)
        for route in staff_routes()
        if route.route.startswith(("backoffice/", "api/v1/backoffice/"))
        for method in ("GET", "POST", "PATCH", "DELETE")
    }

    assert {key: status for key, status in answers.items() if status not in {403, 405}} == {}
    assert city_snapshot(botosani) == before


@pytest.mark.django_db
def test_staff_member_cannot_manage_departments_on_page_or_api(
    botosani_staff: StaffMembership, client: Client
) -> None:
    department_id = botosani_staff.department_id
    before = city_snapshot(botosani_staff.municipality)
    client.force_login(botosani_staff.user)

    answers = [
        client.get("/backoffice/departments/", HTTP_HOST=BOTOSANI).status_code,
        client.post(
            "/backoffice/departments/new/", {"name_ro": "X"}, HTTP_HOST=BOTOSANI
        ).status_code,
        client.post(
            f"/backoffice/departments/{department_id}/edit/", {"name_ro": "X"}, HTTP_HOST=BOTOSANI
        ).status_code,
        client.post(
            f"/backoffice/departments/{department_id}/delete/", HTTP_HOST=BOTOSANI
        ).status_code,
        client.post(
            "/api/v1/backoffice/departments/",
            {"name_ro": "X"},
            content_type="application/json",
            HTTP_HOST=BOTOSANI,
        ).status_code,
        client.delete(
            f"/api/v1/backoffice/departments/{department_id}/", HTTP_HOST=BOTOSANI
        ).status_code,
    ]

    assert answers == [403] * 6
    assert city_snapshot(botosani_staff.municipality) == before


@pytest.mark.django_db
def test_every_change_is_audited_with_before_and_after(
    botosani_admin: StaffMembership, client: Client
) -> None:
    person = cast(User, UserFactory(email="colleague@botosani.example"))
    client.force_login(botosani_admin.user)
    botosani = botosani_admin.municipality

    client.post("/backoffice/departments/new/", {"name_ro": "Cultură"}, HTTP_HOST=BOTOSANI)
    department = Department.objects.get(name_ro="Cultură")
    client.post(
        f"/backoffice/departments/{department.pk}/edit/",
        {"name_ro": "Cultură", "email": "d@botosani.example"},
        HTTP_HOST=BOTOSANI,
    )
    client.post(
        "/backoffice/staff/new/",
        {"email": person.email, "role": "staff", "is_active": "on"},
        HTTP_HOST=BOTOSANI,
    )
    membership = StaffMembership.objects.get(user=person)
    client.post(
        f"/backoffice/staff/{membership.pk}/edit/",
        {"role": "admin", "is_active": "on"},
        HTTP_HOST=BOTOSANI,
    )
    client.post(f"/backoffice/staff/{membership.pk}/delete/", HTTP_HOST=BOTOSANI)
    client.post(f"/backoffice/departments/{department.pk}/delete/", HTTP_HOST=BOTOSANI)

    entries = list(AuditLogEntry.objects.for_municipality(botosani).order_by("id"))
    assert [(entry.target_type, entry.action) for entry in entries] == [
        ("core.Department", "create"),
        ("core.Department", "update"),
        ("core.StaffMembership", "create"),
        ("core.StaffMembership", "update"),
        ("core.StaffMembership", "delete"),
        ("core.Department", "delete"),
    ]
    for entry in entries:
        assert entry.actor == botosani_admin.user
        assert (entry.before is None) == (entry.action == "create")
        assert (entry.after is None) == (entry.action == "delete")
    assert entries[1].before == {"email": ""}
    assert entries[1].after == {"email": "d@botosani.example"}
    assert entries[3].before == {"role": "staff"}
    assert entries[3].after == {"role": "admin"}
