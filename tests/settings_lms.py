"""
Settings of "LMS mode": the default test host plus a stand-in of the platform's side (tests/lms_platform).

``tests/lms_platform`` is put first on ``sys.path``, so that ``lms.djangoapps.verify_student`` (the platform's
identity-verification app), ``lms.djangoapps.certificates`` (its ``IDV_ATTEMPT_APPROVED`` receiver),
``openedx.core.djangoapps.*`` (retirement signals, the plugin wiring, the user API's verification views) and a
sliver of ``edx_proctoring`` import at the platform's paths. edx-name-affirmation is installed, and the
plugin app connects every ``lms.djangoapp`` plugin's receivers, as the LMS does. Like the LMS:
``ATOMIC_REQUESTS`` on, and Celery tasks (edx-name-affirmation's) run eagerly, in the process that queues
them.

Run with ``pytest --ds=tests.settings_lms tests/lms``. The stand-in is for tests only, written from the
platform's documented behaviour (shared/reference/lms-verify-student.md).
"""

import sys
from pathlib import Path

_LMS_PLATFORM = str(Path(__file__).resolve().parent / "lms_platform")
if _LMS_PLATFORM in sys.path:
    sys.path.remove(_LMS_PLATFORM)
sys.path.insert(0, _LMS_PLATFORM)

from tests.settings import *  # noqa: E402, F403
from tests.settings import DATABASES, INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "lms.djangoapps.verify_student",
    "lms.djangoapps.certificates",
    "edx_name_affirmation",
    # Last: its ready() connects the plugin apps' receivers once they are all ready, as in the LMS.
    "openedx.core.djangoapps.plugins",
]

ROOT_URLCONF = "tests.urls_lms"

# The LMS's settings that the stand-in reads.
VERIFY_STUDENT = {"DAYS_GOOD_FOR": 365, "EXPIRING_SOON_WINDOW": 28}
ACCOUNT_MICROFRONTEND_URL = "http://apps.local.openedx.io:1997/account"
FEATURES = {}
PLATFORM_NAME = "Your Platform Name Here"

# The LMS wraps every request in a transaction.
DATABASES = {name: {**database, "ATOMIC_REQUESTS": True} for name, database in DATABASES.items()}

# The LMS's Celery app (tests/lms_platform/lms/celery.py) reads these: no broker, every task run eagerly.
CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
