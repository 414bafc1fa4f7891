"""
Compare Persona's inquiry and event ids exactly on MySQL/MariaDB.

The LMS's MySQL tables default to case- and accent-insensitive collations (utf8mb4_unicode_ci,
utf8mb4_0900_ai_ci), under which "inq_AbC" and "inq_abc" would be one inquiry for the unique constraints and
for lookups: a webhook for one learner's inquiry would then apply to another learner's attempt. Persona's
ids are case-sensitive, so the id columns get the binary collation, as idv_core's external ids have
(idv_core migration 0002). Safe on a site with rows: the case-insensitive unique constraints could not
hold two ids differing only in case, so none collide under the exact comparison. SQLite and PostgreSQL
already compare them exactly; Django's db_collation has no name valid on all three.
"""

from django.db import migrations

BINARY = "varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL"
TABLE_DEFAULT = "varchar(255) NOT NULL"
#: model: the id columns (their definitions as Django created them)
COLUMNS = {
    "PersonaInquiry": ("inquiry_id",),
    "PersonaWebhookEvent": ("event_id", "inquiry_id"),
}


def _modify(apps, schema_editor, definition):
    if schema_editor.connection.vendor != "mysql":
        return
    quote = schema_editor.quote_name
    for model_name, columns in COLUMNS.items():
        table = apps.get_model("idv_persona", model_name)._meta.db_table
        changes = ", ".join(f"MODIFY {quote(column)} {definition}" for column in columns)
        schema_editor.execute(f"ALTER TABLE {quote(table)} {changes}")


def use_binary_collation(apps, schema_editor):
    _modify(apps, schema_editor, BINARY)


def use_table_collation(apps, schema_editor):
    _modify(apps, schema_editor, TABLE_DEFAULT)


class Migration(migrations.Migration):
    dependencies = [("idv_persona", "0001_initial")]

    # MySQL cannot roll DDL back, and Django refuses DDL inside a transaction there: not atomic.
    operations = [
        migrations.RunPython(use_binary_collation, use_table_collation, atomic=False, elidable=False)
    ]
