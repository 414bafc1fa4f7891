"""
Compare provider ids and external ids exactly on MySQL/MariaDB.

The LMS's MySQL tables default to case- and accent-insensitive collations (utf8mb4_unicode_ci,
utf8mb4_0900_ai_ci), under which "inq_AbC" and "inq_abc" would be one external id for the unique constraint
and for lookups. Vendor references are case-sensitive, so these two columns get the binary collation.
SQLite and PostgreSQL already compare them exactly; Django's db_collation has no name valid on all three.
"""

from django.db import migrations

COLUMNS = {
    # column: its definition, as Django created it, with the binary collation
    "provider": "varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
    "external_id": "varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL",
}
DEFAULT_COLLATION = {
    "provider": "varchar(64) NOT NULL",
    "external_id": "varchar(255) NULL",
}


def _modify(apps, schema_editor, definitions):
    if schema_editor.connection.vendor != "mysql":
        return
    model = apps.get_model("idv_core", "VerificationAttempt")
    quote = schema_editor.quote_name
    changes = ", ".join(f"MODIFY {quote(column)} {definition}" for column, definition in definitions.items())
    schema_editor.execute(f"ALTER TABLE {quote(model._meta.db_table)} {changes}")


def use_binary_collation(apps, schema_editor):
    _modify(apps, schema_editor, COLUMNS)


def use_table_collation(apps, schema_editor):
    _modify(apps, schema_editor, DEFAULT_COLLATION)


class Migration(migrations.Migration):
    dependencies = [("idv_core", "0001_initial")]

    # MySQL cannot roll DDL back, and Django refuses DDL inside a transaction there: not atomic.
    operations = [
        migrations.RunPython(use_binary_collation, use_table_collation, atomic=False, elidable=False)
    ]
