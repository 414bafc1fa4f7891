"""
Stands in for the platform's ``openedx/core/djangoapps/plugins/apps.py``, for tests only.

As the LMS does, its ``ready()`` connects every ``lms.djangoapp`` plugin's ``signals_config`` receivers with
edx-django-utils' real ``connect_plugin_receivers`` (edx-name-affirmation's ``post_delete`` receiver on
``verify_student.VerificationAttempt`` among them). It must come last in ``INSTALLED_APPS``, after the plugin
apps.
"""

from django.apps import AppConfig
from edx_django_utils.plugins import connect_plugin_receivers

#: The LMS's plugin project type (``edx_django_utils.plugins.constants.ProjectType.LMS`` in the platform).
LMS_PROJECT_TYPE = "lms.djangoapp"


class PluginsConfig(AppConfig):
    """The LMS's plugin wiring."""

    name = "openedx.core.djangoapps.plugins"
    label = "plugins"
    verbose_name = "Open edX plugins (test stand-in)"

    def ready(self) -> None:
        """Connect the plugin apps' signal receivers, as the LMS does."""
        connect_plugin_receivers(LMS_PROJECT_TYPE)
