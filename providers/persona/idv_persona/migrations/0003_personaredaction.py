"""The inquiries Persona must redact (user retirement); their ids compared exactly on MySQL/MariaDB."""

import importlib

from django.db import migrations, models

_exact_ids = importlib.import_module("idv_persona.migrations.0002_exact_ids_on_mysql")


def _modify(apps, schema_editor, definition):
    if schema_editor.connection.vendor != "mysql":
        return
    quote = schema_editor.quote_name
    table = apps.get_model("idv_persona", "PersonaRedaction")._meta.db_table
    schema_editor.execute(f"ALTER TABLE {quote(table)} MODIFY {quote('inquiry_id')} {definition}")


def use_binary_collation(apps, schema_editor):
    _modify(apps, schema_editor, _exact_ids.BINARY)


def use_table_collation(apps, schema_editor):
    _modify(apps, schema_editor, _exact_ids.TABLE_DEFAULT)


class Migration(migrations.Migration):
    dependencies = [("idv_persona", "0002_exact_ids_on_mysql")]

    operations = [
        migrations.CreateModel(
            name="PersonaRedaction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("inquiry_id", models.CharField(max_length=255, unique=True)),
                ("requested", models.DateTimeField(auto_now_add=True)),
                (
                    "redacted_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="When Persona confirmed the redaction (empty: still pending).",
                        null=True,
                    ),
                ),
                (
                    "tries",
                    models.PositiveIntegerField(default=0, help_text="Redaction requests sent to Persona."),
                ),
                ("last_error", models.CharField(blank=True, default="", max_length=255)),
            ],
            options={
                "verbose_name": "Persona redaction",
                "indexes": [
                    models.Index(fields=["redacted_at", "requested"], name="idv_persona_redaction_todo")
                ],
            },
        ),
        # MySQL cannot roll DDL back, and Django refuses DDL inside a transaction there: not atomic.
        migrations.RunPython(use_binary_collation, use_table_collation, atomic=False, elidable=False),
    ]
