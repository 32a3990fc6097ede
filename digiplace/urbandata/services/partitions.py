"""Monthly partitions of the readings table on PostgreSQL (migration 0001 creates it
partitioned by range of ``observed_at``, with a DEFAULT partition and a BRIN index).

``partitions_ensure`` creates ``urbandata_reading_pYYYYMM`` for the current month and the
next ones; the worker runs it daily. Readings of a month without its partition land in the
default partition; when such a month's partition is created, its rows move there in the
same transaction (PostgreSQL refuses a new partition whose range the default partition
already holds rows of). On SQLite the table is a plain table and these do nothing.
"""

from __future__ import annotations

import datetime
import re

from django.db import connection, transaction
from django.utils import timezone

PARENT = "urbandata_reading"
DEFAULT = "urbandata_reading_default"
NAME_PATTERN = re.compile(r"^urbandata_reading_p(\d{4})(\d{2})$")
COLUMNS = "entity_id, attribute, observed_at, value, text"


def is_partitioned() -> bool:
    return connection.vendor == "postgresql"


def month_start(moment: datetime.date) -> datetime.date:
    return datetime.date(moment.year, moment.month, 1)


def month_next(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: datetime.date) -> str:
    return f"{PARENT}_p{month:%Y%m}"


def _bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """A month's partition covers UTC [first day 00:00, next month's first day 00:00)."""
    start = datetime.datetime.combine(month, datetime.time(), tzinfo=datetime.UTC)
    end = datetime.datetime.combine(month_next(month), datetime.time(), tzinfo=datetime.UTC)
    return start, end


def partitions_list() -> dict[str, datetime.date]:
    """The monthly partitions that exist, by name, with their month (PostgreSQL only)."""
    if not is_partitioned():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT child.relname FROM pg_inherits
            JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            WHERE parent.relname = %s
            """,
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    found: dict[str, datetime.date] = {}
    for name in names:
        match = NAME_PATTERN.match(name)
        if match:
            found[name] = datetime.date(int(match[1]), int(match[2]), 1)
    return found


def partitions_ensure(*, months_ahead: int = 3, today: datetime.date | None = None) -> list[str]:
    """Create the partitions of this month and the next ``months_ahead`` that are missing;
    returns their names. Safe to run again and from several processes."""
    if not is_partitioned():
        return []
    month = month_start(today or timezone.now().astimezone(datetime.UTC).date())
    existing = partitions_list()
    created: list[str] = []
    for _number in range(months_ahead + 1):
        if partition_name(month) not in existing and partition_create(month=month):
            created.append(partition_name(month))
        month = month_next(month)
    return created


def partition_create(*, month: datetime.date) -> bool:
    """Create one month's partition, moving that month's rows out of the default partition
    if it holds any; False if it already existed."""
    name = partition_name(month)
    start, end = _bounds(month)
    with transaction.atomic(), connection.cursor() as cursor:
        # One creator at a time; the second finds the partition made and stops.
        cursor.execute(f"LOCK TABLE {PARENT} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone() == (True,):
            return False
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM urbandata_reading_default"
            " WHERE observed_at >= %s AND observed_at < %s)",
            [start, end],
        )
        holds_rows = cursor.fetchone() == (True,)
        if holds_rows:
            # The documented way: detach the default, create the month, move its rows,
            # attach the default again (which checks it holds none of the month's rows).
            cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {DEFAULT}")
        # DDL takes no parameters: the bounds are written out (made here from a date).
        cursor.execute(
            f"CREATE TABLE {name} PARTITION OF {PARENT}"
            f" FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
        )
        if holds_rows:
            cursor.execute(
                f"WITH moved AS (DELETE FROM {DEFAULT} WHERE observed_at >= %s"  # noqa: S608 (our names)
                f" AND observed_at < %s RETURNING {COLUMNS})"
                f" INSERT INTO {name} ({COLUMNS}) SELECT {COLUMNS} FROM moved",
                [start, end],
            )
            cursor.execute(f"ALTER TABLE {PARENT} ATTACH PARTITION {DEFAULT} DEFAULT")
    return True


def partitions_drop_before(*, cutoff: datetime.datetime) -> list[str]:
    """Drop the monthly partitions that end at or before ``cutoff`` (every row in them is
    older); returns their names. The retention job calls it."""
    dropped: list[str] = []
    for name, month in sorted(partitions_list().items(), key=lambda item: item[1]):
        if _bounds(month)[1] <= cutoff:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
            dropped.append(name)
    return dropped
