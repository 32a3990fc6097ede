"""Copying every row of one database into another, empty one: how a city that outgrew the
embedded SQLite default moves to PostgreSQL in one step (``restore`` of an SQLite archive
into PostgreSQL calls ``rows_copy``).

What is copied: the table of every installed model that Django manages (concrete models and
the auto-created many-to-many tables; proxies and unmanaged models have no table of their
own). Primary keys stay as they are, so every reference between rows holds.

Tables that are not models' are left alone:

- ``django_migrations``: the target was migrated itself (both databases must be at the same
  migrations, checked first);
- the database cache table (``settings.CACHE_TABLE``): a cache, rebuilt as pages are served;
- SQLite's ``sqlite_sequence``: SQLite keeps it up to date as rows with ids are inserted;
- on PostgreSQL, urban data's readings partitions (``urbandata_reading_default`` and the
  monthly ``urbandata_reading_pYYYYMM``): rows are written into the partitioned parent table
  and PostgreSQL routes each to its month's partition, or to the DEFAULT partition when the
  month has none. The copy creates no partitions (operations know nothing of urban data);
  urban data's own partition job creates the current and coming months'.

How:

- one transaction on the target, all or nothing, with every foreign key checked at commit
  (Django creates them ``DEFERRABLE INITIALLY DEFERRED``; ``SET CONSTRAINTS ALL DEFERRED``
  says so again), so self-references and cycles need no order; parents still go first;
- values are read through the ORM (``values_list``: each field's ``from_db_value`` and the
  source backend's converters turn SQLite's text into datetimes, decimals, JSON...) and
  written with each field's ``get_db_prep_save`` for the target backend, as raw rows:
  nothing calls ``save()``, ``pre_save()`` (``auto_now`` dates keep their values), signals
  or the managers' own ``bulk_create`` (which would move page-cache versions);
- streamed in batches (a server-side cursor or chunked reads on the source; PostgreSQL's
  ``COPY`` on a PostgreSQL target, batched ``INSERT``\\ s elsewhere), so a table of millions
  of readings is never held in memory;
- then each table's id sequence is moved past the largest id copied (PostgreSQL), so the
  next row saved gets a fresh id.

``migrate`` itself writes the content types and permissions (its ``post_migrate`` signal):
the target's are replaced by the source's, whose ids the source's rows refer to.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import DatabaseError, connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

# Tables ``migrate`` fills by itself (post_migrate): replaced by the source's rows.
MIGRATE_FILLED = ("contenttypes.ContentType", "auth.Permission")


class TransferError(Exception):
    """Why the copy was refused or stopped, in the user's language; the target is left as
    it was."""


def rows_copy(*, source: str, target: str, batch_size: int = 2000) -> dict[str, int]:
    """Copy every row of every table of Django's installed models (concrete, managed, with
    auto-created many-to-many tables; proxies and unmanaged skipped) from database alias
    ``source`` into alias ``target``. Both are migrated to the same migrations and ``target``
    holds no rows. One transaction on the target: all or nothing. Returns rows per table."""
    if source == target:
        raise ValueError("rows_copy: the source and the target are the same database")
    if batch_size < 1:
        raise ValueError("rows_copy: batch_size must be positive")
    source_connection = connections[source]
    target_connection = connections[target]
    copied_models = models_ordered(target)
    _migrations_check(source_connection, target_connection)
    replaced = _replaceable_models()
    _empty_check(target, [model for model in copied_models if model not in replaced])

    counts: dict[str, int] = {}
    try:
        with transaction.atomic(using=target):
            _constraints_defer(target_connection)
            # Children of the replaced tables are empty (checked): deleting is safe.
            for model in reversed(copied_models):
                if model in replaced:
                    _queryset(model, target).delete()
            for model in copied_models:
                counts[model._meta.db_table] = _table_copy(
                    model, source=source, target=target, batch_size=batch_size
                )
            _sequences_reset(target_connection, copied_models)
    except TransferError:
        raise
    except DatabaseError as error:
        # Deferred foreign keys are checked here, at commit.
        raise TransferError(
            _(
                "The copy could not be committed, so nothing was written to the target"
                " database: %(error)s"
            )
            % {"error": _error_text(error)}
        ) from error
    finally:
        _content_types_forget()
    return counts


def models_ordered(alias: str) -> list[type[models.Model]]:
    """The models whose rows are copied into ``alias``, referenced models before the models
    that refer to them where the references allow (cycles are left to the deferred keys)."""
    candidates = {
        model._meta.db_table: model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and not model._meta.swapped
        and router.allow_migrate_model(alias, model)
    }
    ordered: list[type[models.Model]] = []
    placed: set[type[models.Model]] = set()
    visiting: set[type[models.Model]] = set()

    def place(model: type[models.Model]) -> None:
        if model in placed or model in visiting:
            return
        visiting.add(model)
        for field in model._meta.local_concrete_fields:
            related = field.related_model if field.is_relation else None
            if isinstance(related, type) and related in candidates.values():
                place(related)
        visiting.discard(model)
        placed.add(model)
        ordered.append(model)

    for table in sorted(candidates):
        place(candidates[table])
    return ordered


def _queryset(model: type[models.Model], alias: str) -> models.QuerySet[Any]:
    # The plain queryset: the models' own managers filter, order or move cache versions.
    return models.QuerySet(model=model, using=alias)


def _replaceable_models() -> set[type[models.Model]]:
    found: set[type[models.Model]] = set()
    for label in MIGRATE_FILLED:
        try:
            found.add(apps.get_model(label))
        except LookupError:
            continue
    return found


def _migrations_check(source: BaseDatabaseWrapper, target: BaseDatabaseWrapper) -> None:
    source_applied = set(MigrationRecorder(source).applied_migrations())
    target_applied = set(MigrationRecorder(target).applied_migrations())
    if source_applied == target_applied:
        return
    differing = sorted(source_applied ^ target_applied)
    app_label, name = differing[0]
    raise TransferError(
        _(
            "The two databases are not at the same migrations (%(count)s differ, the first"
            " %(migration)s): migrate both to this version first."
        )
        % {"count": len(differing), "migration": f"{app_label}.{name}"}
    )


def _empty_check(alias: str, checked: list[type[models.Model]]) -> None:
    for model in checked:
        if _queryset(model, alias).order_by().exists():
            raise TransferError(
                _(
                    "The target database already holds data (in the table %(table)s): rows"
                    " are copied only into an empty database."
                )
                % {"table": model._meta.db_table}
            )


def _constraints_defer(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            # Django's SQLite keys are deferrable too; this covers any that are not.
            cursor.execute("PRAGMA defer_foreign_keys = ON")


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    # Generated columns are computed by the database and cannot be written.
    return [
        field
        for field in model._meta.local_concrete_fields
        if not getattr(field, "generated", False)
    ]


def _table_copy(model: type[models.Model], *, source: str, target: str, batch_size: int) -> int:
    fields = _fields(model)
    if not fields:
        return 0
    target_connection = connections[target]
    table = model._meta.db_table
    rows = _rows_read(model, fields, source=source, target=target, batch_size=batch_size)
    try:
        if target_connection.vendor == "postgresql":
            return _rows_write_copy(target_connection, table, fields, rows)
        return _rows_write_insert(target_connection, table, fields, rows, batch_size)
    except DatabaseError as error:
        raise TransferError(
            _(
                "The copy stopped at the table %(table)s, so nothing was written to the target"
                " database: %(error)s"
            )
            % {"table": table, "error": _error_text(error)}
        ) from error


def _rows_read(
    model: type[models.Model],
    fields: list[models.Field[Any, Any]],
    *,
    source: str,
    target: str,
    batch_size: int,
) -> Iterator[tuple[Any, ...]]:
    """The source's rows as the target backend's values, streamed."""
    target_connection = connections[target]
    prepares: list[Callable[[Any], Any]] = [
        _prepare_for(field, target_connection) for field in fields
    ]
    # No ordering: a model's default ordering could sort millions of rows for nothing.
    values = (
        _queryset(model, source)
        .order_by()
        .values_list(*[field.attname for field in fields])
        .iterator(chunk_size=batch_size)
    )
    for row in values:
        yield tuple(prepare(value) for prepare, value in zip(prepares, row, strict=True))


def _prepare_for(
    field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> Callable[[Any], Any]:
    def prepare(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    return prepare


def _rows_write_copy(
    connection: BaseDatabaseWrapper,
    table: str,
    fields: list[models.Field[Any, Any]],
    rows: Iterator[tuple[Any, ...]],
) -> int:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    count = 0
    # psycopg's COPY: the rows stream to the server, adapted as query parameters are; its
    # errors made Django's, as the cursor wrapper's are.
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _rows_write_insert(
    connection: BaseDatabaseWrapper,
    table: str,
    fields: list[models.Field[Any, Any]],
    rows: Iterator[tuple[Any, ...]],
    batch_size: int,
) -> int:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 (model names)
    count = 0
    with connection.cursor() as cursor:
        while batch := list(itertools.islice(rows, batch_size)):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _sequences_reset(connection: BaseDatabaseWrapper, copied: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), copied)
    if not statements:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _content_types_forget() -> None:
    # The content types cache holds ids read before the copy.
    try:
        content_type = apps.get_model("contenttypes.ContentType")
    except LookupError:
        return
    content_type.objects.clear_cache()


def _error_text(error: DatabaseError) -> str:
    """The database's short message: which constraint or type failed, never the row's
    values (PostgreSQL puts those in its DETAIL line, which may hold personal data)."""
    diag = getattr(error.__cause__, "diag", None)
    primary = getattr(diag, "message_primary", None)
    return str(primary) if primary else str(error).splitlines()[0] if str(error) else ""
