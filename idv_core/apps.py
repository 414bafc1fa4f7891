"""
idv_core as a Django app and an Open edX plugin app (``lms.djangoapp`` entry point).

``pip install openedx-idv`` is all the LMS needs: edx-django-utils adds the app to INSTALLED_APPS,
mounts its URLs at the root (learner pages under ``/idv/``, REST under ``/api/idv/``), applies its
plugin settings (``idv_core.settings.common``) and connects its receiver of the LMS's retirement signal.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from edx_django_utils.plugins.constants import PluginSettings, PluginSignals, PluginURLs

_PROJECT_TYPE = "lms.djangoapp"


class IdvCoreConfig(AppConfig):
    """The idv_core app: the generic verification attempt, its API, events and provider registry."""

    name = "idv_core"
    label = "idv_core"
    verbose_name = _("Identity verification")
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        PluginURLs.CONFIG: {
            _PROJECT_TYPE: {
                PluginURLs.NAMESPACE: "idv",
                PluginURLs.REGEX: r"^",
                PluginURLs.RELATIVE_PATH: "urls",
            },
        },
        # The LMS connects these in its own start-up (connect_plugin_receivers); see idv_core.handlers.
        PluginSignals.CONFIG: {
            _PROJECT_TYPE: {
                PluginSignals.RELATIVE_PATH: "handlers",
                PluginSignals.RECEIVERS: [
                    {
                        PluginSignals.RECEIVER_FUNC_NAME: "retire_user_on_lms_retirement",
                        PluginSignals.SIGNAL_PATH: (
                            "openedx.core.djangoapps.user_api.accounts.signals.USER_RETIRE_LMS_MISC"
                        ),
                        PluginSignals.DISPATCH_UID: "idv_core.handlers.retire_user_on_lms_retirement",
                    },
                ],
            },
        },
        PluginSettings.CONFIG: {
            _PROJECT_TYPE: {
                "common": {PluginSettings.RELATIVE_PATH: "settings.common"},
                "test": {PluginSettings.RELATIVE_PATH: "settings.test"},
                "production": {PluginSettings.RELATIVE_PATH: "settings.production"},
            },
        },
    }

    def ready(self) -> None:
        """
        Register idv_core's system checks; scope the read path's request cache to requests; show the health
        figures on the admin index.
        """
        from idv_core import (
            checks,  # noqa: F401 -- registers the checks on import
            read_cache,
        )

        read_cache.connect_receivers()
        self._add_health_to_admin_index()

    @staticmethod
    def _add_health_to_admin_index() -> None:
        """
        Make the admin site's index show the health figures (``idv_core/admin/index.html``, which extends
        the host's ``admin/index.html``), unless the host chose an index template of its own.
        """
        from django.apps import apps

        if not apps.is_installed("django.contrib.admin"):
            return
        from django.contrib import admin

        if admin.site.index_template is None:
            admin.site.index_template = "idv_core/admin/index.html"
