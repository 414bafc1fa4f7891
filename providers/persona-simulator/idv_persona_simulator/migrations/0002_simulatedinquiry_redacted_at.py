"""Redacted inquiries (``DELETE /inquiries/{id}``): when their PII was deleted."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("idv_persona_simulator", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="simulatedinquiry",
            name="redacted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
