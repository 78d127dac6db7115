"""PostgreSQL only (nothing happens on SQLite): settings that keep search queries on one process.

Search statements read a few hundred rows and are answered in milliseconds; a parallel plan (which the planner
picks for the walk of the static-rank index and for counts at 20k+ documents) spends more than that starting
its workers, and on a small machine they queue behind other requests. `parallel_workers = 0` takes the two
search tables out of parallel plans and leaves every other table as the server is configured.
"""

from django.db import migrations

TABLES = ("search_document", "search_text")


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in TABLES:
                schema_editor.execute(statement.format(table=table))

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_searchdocument_health")]

    operations = [
        migrations.RunPython(
            _run("ALTER TABLE {table} SET (parallel_workers = 0)"),
            _run("ALTER TABLE {table} RESET (parallel_workers)"),
        ),
    ]
