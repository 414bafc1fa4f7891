"""
Settings of the benchmark host: idv_core alone, on a SQLite file (default) or the local MariaDB.

``IDV_BENCH_DB=mysql`` selects MariaDB on 127.0.0.1:3306, in the benchmark's own database (``idv_bench``, or
``IDV_BENCH_MYSQL_DATABASE``), which ``bench.host`` creates when missing: never the tests' databases.
"""

import os
import sys
import tempfile

from idv_core.settings.common import plugin_settings

SECRET_KEY = "benchmark-only"  # noqa: S105
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "simple_history",
    "openedx_events",
    "idv_core",
]
if os.environ.get("IDV_BENCH_DB") == "mysql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "NAME": os.environ.get("IDV_BENCH_MYSQL_DATABASE", "idv_bench"),
            "USER": "root",
            "HOST": "127.0.0.1",
            "PORT": "3306",
            "OPTIONS": {"charset": "utf8mb4"},
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.path.join(tempfile.mkdtemp(prefix="idv-bench-"), "bench.sqlite3"),
        }
    }

# As in the LMS (the plugin settings of idv_core applied to the host's settings).
plugin_settings(sys.modules[__name__])

# The bench host installs only the apps each benchmark measures: every provider installed in the
# environment but not on the host is reported by the provider registry as a load error, with its
# traceback, on every run. That is the host's choice, not what the benchmark measures: that logger is kept
# to CRITICAL here.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"idv_core.providers": {"level": "CRITICAL"}},
}
