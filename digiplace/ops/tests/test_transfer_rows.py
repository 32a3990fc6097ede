"""``rows_copy``: a city's rows moved from one database into another, empty one.

The SQLite databases are temporary files whose tables are made from the models (as
``migrate --run-syncdb`` does: migrating one takes a minute, the tables take a second; the
models and migrations agree, ``makemigrations --check`` sees to it) and marked migrated as
the test database is. The PostgreSQL target is a copy of the migrated test database, made
by the server from it as a template before the test writes anything (as Django clones test
databases): the real migrated schema, readings partitioned by month, and the content types
and permissions ``migrate`` writes.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection, connections, models
from django.db.migrations.recorder import MigrationRecorder
from django.utils import translation

from digiplace.core.tests.factories import MunicipalityFactory, UserFactory
from digiplace.ops.tests.aliases import alias_forget, alias_register, sqlite_make
from digiplace.ops.transfer import TransferError, models_ordered, rows_copy
from digiplace.plans.models import Measurement, Project
from digiplace.plans.tests.factories import MeasurementFactory, ProjectFactory
from digiplace.reports.models import Report, ReportPhoto
from digiplace.reports.tests.factories import ReportFactory, ReportPhotoFactory
from digiplace.urbandata.models import Entity, Reading
from digiplace.urbandata.tests.factories import EntityFactory

BUCHAREST = zoneinfo.ZoneInfo("Europe/Bucharest")


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes temporary SQLite databases; returns their aliases."""
    aliases: list[str] = []

    def make() -> str:
        alias = f"transfer_{uuid.uuid4().hex[:8]}"
        sqlite_make(alias, tmp_path / f"{alias}.sqlite3")
        aliases.append(alias)
        return alias

    yield make
    for alias in aliases:
        alias_forget(alias)


@pytest.fixture
def postgresql_target(transactional_db: None) -> Iterator[str]:
    """A new PostgreSQL database copied from the migrated test database (still empty: made
    before the test writes), dropped afterwards."""
    alias = f"transfer_{uuid.uuid4().hex[:8]}"
    name = f"{connection.settings_dict['NAME']}_{alias}"
    quote = connection.ops.quote_name
    # A template may have no other session: the test's own is closed first.
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            f"CREATE DATABASE {quote(name)} TEMPLATE {quote(connection.settings_dict['NAME'])}"
        )
    alias_register(alias, {**connection.settings_dict, "NAME": name})
    yield alias
    alias_forget(alias)
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")


def city_fill() -> dict[str, Any]:
    """Rows of several modules in the test database: a report with a photo record, a plan's
    projects and a measurement (decimals, JSON lists, dates), a sensor with readings in
    summer and winter time (time zones), a resident's group and permission (many-to-many
    rows, the permission's content type)."""
    city = MunicipalityFactory.create(slug="botosani", name_ro="Municipiul Botoșani")
    report = ReportFactory.create(
        municipality=city,
        description="Groapă în asfalt pe strada Ștefan cel Mare.",
        created_at=datetime.datetime(2026, 3, 29, 2, 30, 15, 123456, tzinfo=BUCHAREST),
    )
    ReportPhotoFactory.create(municipality=city, report=report)
    ProjectFactory.create(
        municipality=city, budget_amount=Decimal("1234567.89"), funding_programmes=["PNRR", "ERDF"]
    )
    ProjectFactory.create(municipality=city, budget_amount=None)
    MeasurementFactory.create(municipality=city, value=Decimal("12.3456"))
    sensor = EntityFactory.create(
        municipality=city,
        attributes={"fillingLevel": {"type": "Property", "value": 0.4}, "note": "ș ț ă â î"},
    )
    Reading.objects.bulk_create(
        Reading(entity=sensor, attribute="fillingLevel", observed_at=moment, value=value)
        for moment, value in [
            (datetime.datetime(2025, 1, 15, 8, 0, tzinfo=BUCHAREST), 0.25),
            (datetime.datetime(2025, 7, 15, 8, 0, tzinfo=BUCHAREST), 0.5),
            (datetime.datetime(2026, 10, 25, 3, 30, tzinfo=datetime.UTC), None),
        ]
    )
    resident = UserFactory.create(email="ana@example.org", full_name="Ana Popescu")
    group = Group.objects.create(name="Volunteers")
    resident.groups.add(group)
    resident.user_permissions.add(Permission.objects.get(codename="view_report"))
    return {"city": city, "report": report, "sensor": sensor}


def _rows(model: type[models.Model], alias: str) -> list[tuple[Any, ...]]:
    attnames = [field.attname for field in model._meta.local_concrete_fields]
    order = [field.attname for field in model._meta.pk_fields]
    return list(models.QuerySet(model, using=alias).order_by(*order).values_list(*attnames))


def _counts(alias: str) -> dict[str, int]:
    return {
        model._meta.db_table: models.QuerySet(model, using=alias).count()
        for model in models_ordered(alias)
    }


def _assert_same_rows(source: str, target: str) -> None:
    for model in models_ordered(target):
        assert _rows(model, target) == _rows(model, source), model._meta.label


@pytest.mark.django_db
def test_copy_into_sqlite_copies_every_row(sqlite_database: Callable[[], str]) -> None:
    """From the test database: SQLite → SQLite on the SQLite pass, PostgreSQL → SQLite on
    the other."""
    filled = city_fill()
    target = sqlite_database()

    counts = rows_copy(source="default", target=target, batch_size=2)

    assert counts == _counts("default")
    assert counts[Reading._meta.db_table] == 3
    assert counts[Report._meta.db_table] == 1
    assert counts[ReportPhoto._meta.db_table] == 1
    assert counts[Project._meta.db_table] == 2
    assert counts["core_user_groups"] == 1
    assert counts["core_user_user_permissions"] == 1
    _assert_same_rows("default", target)
    copied = Report.objects.using(target).get(pk=filled["report"].pk)
    assert copied.created_at == filled["report"].created_at
    assert copied.description == "Groapă în asfalt pe strada Ștefan cel Mare."
    assert Measurement.objects.using(target).get().value == Decimal("12.3456")
    entity = Entity.objects.using(target).get()
    assert entity.attributes["note"] == "ș ț ă â î"
    # Dates saved with auto_now / defaults keep their values (no save(), no pre_save()).
    assert entity.modified_at == filled["sensor"].modified_at


@pytest.mark.django_db
def test_a_target_holding_data_is_refused_and_left_as_it_was(
    sqlite_database: Callable[[], str],
) -> None:
    city_fill()
    target = sqlite_database()
    MunicipalityFactory.build(slug="iasi").save(using=target)

    translation.activate("en")
    with pytest.raises(TransferError, match=r"already holds data.*core_municipality"):
        rows_copy(source="default", target=target)
    assert _counts(target) == {
        table: int(table == "core_municipality") for table in _counts(target)
    }


@pytest.mark.django_db
def test_databases_at_different_migrations_are_refused(
    sqlite_database: Callable[[], str],
) -> None:
    city_fill()
    target = sqlite_database()
    MigrationRecorder(connections[target]).migration_qs.filter(app="reports").delete()

    translation.activate("en")
    with pytest.raises(TransferError, match="not at the same migrations"):
        rows_copy(source="default", target=target)
    assert not any(_counts(target).values())


@pytest.mark.django_db
def test_a_row_the_target_refuses_leaves_it_empty(sqlite_database: Callable[[], str]) -> None:
    """A sensor of a city that is not there (an SQLite file written with its key checks
    off): the keys are checked at commit, after every table was written; none stays."""
    city_fill()
    source = sqlite_database()
    rows_copy(source="default", target=source)
    with connections[source].cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute("UPDATE urbandata_entity SET municipality_id = 999999")
        cursor.execute("PRAGMA foreign_keys = ON")
    target = sqlite_database()

    translation.activate("en")
    with pytest.raises(TransferError, match=r"could not be committed.*FOREIGN KEY"):
        rows_copy(source=source, target=target)
    assert not any(_counts(target).values())


@pytest.mark.postgresql_only(reason="copies an SQLite database into a new PostgreSQL one")
def test_sqlite_to_postgresql_copies_every_row(
    postgresql_target: str, sqlite_database: Callable[[], str]
) -> None:
    """The test database's rows go into an SQLite file, and from it into a new, migrated
    PostgreSQL database: every row comes back equal."""
    filled = city_fill()
    sqlite = sqlite_database()
    rows_copy(source="default", target=sqlite)

    counts = rows_copy(source=sqlite, target=postgresql_target, batch_size=2)

    assert counts == _counts("default")
    _assert_same_rows("default", postgresql_target)
    target = postgresql_target
    copied = Report.objects.using(target).get(pk=filled["report"].pk)
    assert copied.created_at == filled["report"].created_at
    assert Project.objects.using(target).filter(budget_amount=Decimal("1234567.89")).exists()
    assert Entity.objects.using(target).get().attributes["note"] == "ș ț ă â î"
    # The readings' months have no partition: PostgreSQL put them in the default one.
    with connections[target].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM urbandata_reading_default")
        assert cursor.fetchone() == (3,)
    # The permission's content type is the source's (migrate wrote the target's own).
    permission = Permission.objects.using(target).get(user__email="ana@example.org")
    assert (permission.content_type.app_label, permission.codename) == ("reports", "view_report")
    # Sequences moved past the ids copied: a new row gets a fresh id.
    new_city = MunicipalityFactory.build(slug="iasi")
    new_city.save(using=target)
    assert new_city.pk > filled["city"].pk
    new_report = ReportFactory.build(municipality=new_city, category=copied.category)
    new_report.save(using=target)
    assert new_report.pk > copied.pk


@pytest.mark.postgresql_only(reason="copies an SQLite database into a new PostgreSQL one")
def test_a_row_postgresql_refuses_leaves_it_as_it_was(
    postgresql_target: str, sqlite_database: Callable[[], str]
) -> None:
    """SQLite does not hold a text to its column's length, PostgreSQL does: the copy stops
    at that table and the target keeps nothing of what was written before."""
    city_fill()
    sqlite = sqlite_database()
    rows_copy(source="default", target=sqlite)
    with connections[sqlite].cursor() as cursor:
        cursor.execute("UPDATE urbandata_reading SET text = %s", ["x" * 100])
    before = _counts(postgresql_target)

    translation.activate("en")
    with pytest.raises(TransferError, match=r"stopped at the table urbandata_reading.*too long"):
        rows_copy(source=sqlite, target=postgresql_target)
    assert _counts(postgresql_target) == before
    assert not any(
        count
        for table, count in before.items()
        if table not in {"django_content_type", "auth_permission"}
    )
