"""The integration suite's own MariaDB connections (creating and dropping the databases its hosts use)."""

from django.conf import settings


def server_kwargs() -> dict:
    """MySQLdb.connect() arguments for the MariaDB server of the test settings (no database chosen)."""
    database = settings.DATABASES["default"]
    return {
        "host": database["HOST"],
        "port": int(database["PORT"]),
        "user": database["USER"],
        "password": database["PASSWORD"],
    }
