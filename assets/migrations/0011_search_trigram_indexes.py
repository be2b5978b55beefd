"""Trigram indexes for the register's search (tag, name or serial number containing the text).

The search is ``UPPER(column) LIKE UPPER('%text%')`` on three columns, which no b-tree can serve:
at 100,000 assets every search read the whole table (count and page, 37 ms each). A GIN index of
each ``UPPER(column)``'s trigrams serves it (0.1 ms for a serial fragment; texts shorter than three
characters still scan). ``pg_trgm`` is a trusted extension since PostgreSQL 13: a database owner
may create it. Where it cannot be created the migration says so and goes on: search still works,
only slower. Nothing happens on SQLite.
"""

from django.db import migrations

COLUMNS = ("tag", "name", "serial_number")


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'), "
            "EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'), "
            "has_database_privilege(current_database(), 'CREATE')"
        )
        installed, available, may_create = cursor.fetchone()
    if not installed and not (available and may_create):
        print(
            "\n  assets.0011: the pg_trgm extension is not installed and this database user "
            "cannot create it; the register's search works without its indexes, only slower. "
            "Run CREATE EXTENSION pg_trgm; as the database owner, then migrate assets 0010 and "
            "back to 0011."
        )
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS asset_{column}_trigrams ON assets_asset "
            f'USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS asset_{column}_trigrams")


class Migration(migrations.Migration):
    dependencies = [("assets", "0010_register_sort_indexes")]

    operations = [migrations.RunPython(create, drop)]
