"""
Django settings used only to build the documentation (autodoc imports idv_core, which needs Django).

Nothing here is a recommendation for a real host: see the operator guide for that.
"""

from idv_core.settings.common import plugin_settings

SECRET_KEY = "docs-only-not-secret"  # noqa: S105
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "simple_history",
    "rest_framework",
    "openedx_events",
    "idv_core",
]

# Apply idv_core's plugin settings the way the LMS does (edx-django-utils' add_plugins).
plugin_settings(__import__("sys").modules[__name__])
