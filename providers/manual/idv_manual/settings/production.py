"""Plugin settings of idv_manual for a host's production settings: the same as common."""

from idv_manual.settings.common import plugin_settings  # noqa: F401  (edx-django-utils looks it up here)
