"""
Settings of LMS mode (tests/settings_lms.py) on the real MariaDB, the integration suite's database
(tests/settings_integration.py), with the LMS's ``ATOMIC_REQUESTS``.
"""

from tests.settings_integration import DATABASES as _INTEGRATION_DATABASES
from tests.settings_lms import *  # noqa: F403

DATABASES = {name: {**database, "ATOMIC_REQUESTS": True} for name, database in _INTEGRATION_DATABASES.items()}
