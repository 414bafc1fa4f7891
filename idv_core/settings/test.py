"""Plugin settings of idv_core for a host's test settings: the same as common."""

from idv_core.settings.common import plugin_settings  # noqa: F401  (edx-django-utils looks it up here)
