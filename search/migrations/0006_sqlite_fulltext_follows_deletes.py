# SQLite only: the FTS5 tables are not Django models, so deletes that bypass the index code (`manage.py flush`,
# which tests that commit run after each test, or a raw DELETE) left their rows behind, and counts read from them
# (a search's total, its pages) found documents that were gone. These triggers remove a document's full-text rows
# with the document, and a vocabulary word's trigram row with the word; rows orphaned before them go now.

from django.db import migrations

SQLITE_FORWARD = [
    "DELETE FROM search_fts_name WHERE rowid NOT IN (SELECT id FROM search_document)",
    "DELETE FROM search_fts_short WHERE rowid NOT IN (SELECT id FROM search_document)",
    "DELETE FROM search_fts_full WHERE rowid NOT IN (SELECT id FROM search_document)",
    "DELETE FROM search_fts_terms WHERE rowid NOT IN (SELECT id FROM search_term)",
    "CREATE TRIGGER search_document_fulltext_delete AFTER DELETE ON search_document BEGIN "
    "DELETE FROM search_fts_name WHERE rowid = old.id; "
    "DELETE FROM search_fts_short WHERE rowid = old.id; "
    "DELETE FROM search_fts_full WHERE rowid = old.id; "
    "END",
    "CREATE TRIGGER search_term_fulltext_delete AFTER DELETE ON search_term BEGIN "
    "DELETE FROM search_fts_terms WHERE rowid = old.id; "
    "END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_document_fulltext_delete",
    "DROP TRIGGER IF EXISTS search_term_fulltext_delete",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0005_postgres_search_words"),
    ]

    operations = [
        migrations.RunPython(_run(SQLITE_FORWARD), _run(SQLITE_BACKWARD)),
    ]
