"""
Settings of the integration suite: the same host as the default suite, on the real MariaDB (Open edX runs
on MySQL). The server is the one on 127.0.0.1:3306 (root, empty password); override with IDV_TEST_MYSQL_*.
"""

import os

from tests.settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": os.environ.get("IDV_TEST_MYSQL_DATABASE", "test"),
        "USER": os.environ.get("IDV_TEST_MYSQL_USER", "root"),
        "PASSWORD": os.environ.get("IDV_TEST_MYSQL_PASSWORD", ""),
        "HOST": os.environ.get("IDV_TEST_MYSQL_HOST", "127.0.0.1"),
        "PORT": os.environ.get("IDV_TEST_MYSQL_PORT", "3306"),
        "OPTIONS": {"charset": "utf8mb4", "isolation_level": "read committed"},
        "TEST": {
            # A second checkout running its integration suite at the same time sets its own name.
            "NAME": os.environ.get("IDV_TEST_MYSQL_TEST_DATABASE", "test_openedx_idv"),
            "CHARSET": "utf8mb4",
            "COLLATION": "utf8mb4_unicode_ci",
        },
    }
}
