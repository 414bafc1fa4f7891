"""
Django settings for a provider distribution's own tests (DJANGO_SETTINGS_MODULE = idv_core.testing.settings).

A small host: SQLite in memory, idv_core and its dependencies, the learner pages and every installed
provider's URLs (``idv_core.testing.urls``), a login page at ``/login/``. A provider with a Django app of its
own adds it::

    from idv_core.testing.settings import *  # noqa: F403
    INSTALLED_APPS = [*INSTALLED_APPS, "idv_emailcode"]
"""

import sys

from idv_core.settings.common import plugin_settings

SECRET_KEY = "idv-core-testing-only"  # noqa: S105 -- tests only
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "idv_core.testing.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "simple_history",
    "rest_framework",
    "openedx_events",
    "idv_core",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
LOGIN_URL = "/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users in tests
IDV_ENABLED_PROVIDERS = None

# idv_core's plugin settings, applied as the LMS applies them (the filter step, the defaults).
plugin_settings(sys.modules[__name__])
