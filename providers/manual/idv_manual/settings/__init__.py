"""Plugin settings of idv_manual (edx-django-utils applies ``common.plugin_settings`` to the LMS)."""
