"""
Plugin settings of idv_core for a host's production settings: the same as common.

Operators set the ``IDV_*`` values in their YAML/config; the plugin only fills in what is missing.
"""

from idv_core.settings.common import plugin_settings  # noqa: F401  (edx-django-utils looks it up here)
