"""The integration suite needs the real MariaDB: say clearly when it cannot be reached."""

import socket

import pytest
from django.conf import settings


def pytest_configure(config):
    database = settings.DATABASES["default"]
    if "mysql" not in database["ENGINE"]:
        raise pytest.UsageError("The integration suite runs on MariaDB: use --ds=tests.settings_integration.")
    address = (database["HOST"], int(database["PORT"]))
    try:
        socket.create_connection(address, timeout=3).close()
    except OSError as error:
        raise pytest.UsageError(
            f"MariaDB is not reachable at {address[0]}:{address[1]} ({error}). Start it with "
            "`start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd` "
            "(see shared/design/services.md) and run `make test-integration` again."
        ) from error
