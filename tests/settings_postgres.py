"""
Settings of the PostgreSQL run (``make test-postgres``): the test host on the PostgreSQL server on
127.0.0.1:5432 (user ``postgres``, trust authentication, database ``test``); IDV_TEST_POSTGRES_* override.
Open edX runs on MySQL; this run shows that the read path's own SQL (idv_core.read_sql) answers as the ORM
does on PostgreSQL too.
"""

import os

from tests.settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("IDV_TEST_POSTGRES_DATABASE", "test"),
        "USER": os.environ.get("IDV_TEST_POSTGRES_USER", "postgres"),
        "PASSWORD": os.environ.get("IDV_TEST_POSTGRES_PASSWORD", ""),
        "HOST": os.environ.get("IDV_TEST_POSTGRES_HOST", "127.0.0.1"),
        "PORT": os.environ.get("IDV_TEST_POSTGRES_PORT", "5432"),
        "TEST": {"NAME": os.environ.get("IDV_TEST_POSTGRES_TEST_DATABASE", "test_openedx_idv")},
    }
}
