"""The table of the database cache (settings.CACHES), so that `migrate` alone prepares it.

The same table `manage.py createcachetable` makes; made whether or not Redis is configured,
so that switching back to the database cache needs no extra step.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "digiplace_cache"


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    connection = schema_editor.connection
    if CACHE_TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {connection.ops.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_rate_limits"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
