"""
Make the generic ``VerificationAttempt`` ids start at 100001 (test stand-in only; the platform has no such
migration).

openedx-idv's own attempt ids start at 1, so with this offset a test can tell a platform id from an
openedx-idv id (an ``IDV_ATTEMPT_*`` event must carry the platform's). SQLite: the table's ``sqlite_sequence``
row; MySQL / MariaDB: the table's ``AUTO_INCREMENT``; PostgreSQL: the id sequence.
"""

from django.db import migrations

TABLE = "verify_student_verificationattempt"
FIRST_ID = 100001


def start_ids_far_from_one(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # AUTOINCREMENT tables keep their counter in sqlite_sequence (a row appears on the first insert).
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [FIRST_ID - 1, TABLE])
            if cursor.rowcount == 0:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [TABLE, FIRST_ID - 1]
                )
        elif connection.vendor == "mysql":
            cursor.execute(f"ALTER TABLE {TABLE} AUTO_INCREMENT = {FIRST_ID}")
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [TABLE, FIRST_ID - 1])


class Migration(migrations.Migration):
    dependencies = [
        ("verify_student", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(start_ids_far_from_one, migrations.RunPython.noop, elidable=False),
    ]
