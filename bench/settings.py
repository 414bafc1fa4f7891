"""
Settings of the benchmark host: idv_core alone, on a SQLite file (default) or the local MariaDB.

``IDV_BENCH_DB=mysql`` selects MariaDB on 127.0.0.1:3306 (database ``test``, as the integration suite).
"""

import os
import tempfile

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
            "NAME": "test",
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
