"""The integration suite runs on the real MariaDB (make test-integration)."""

import pytest
from django.conf import settings


@pytest.fixture(scope="session", autouse=True)
def runs_on_mariadb():
    """Stop at once when these tests are run on another database than MariaDB."""
    if "mysql" not in settings.DATABASES["default"]["ENGINE"]:
        pytest.exit("The integration suite runs on MariaDB: use make test-integration.", returncode=4)
