"""idv_manual as a Django app and an Open edX plugin app (``lms.djangoapp`` entry point)."""

from django.apps import AppConfig
from edx_django_utils.plugins.constants import PluginURLs

_PROJECT_TYPE = "lms.djangoapp"


class IdvManualConfig(AppConfig):
    """The manual identity-verification provider's Django app."""

    name = "idv_manual"
    label = "idv_manual"
    verbose_name = "Identity verification: manual"
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        PluginURLs.CONFIG: {
            _PROJECT_TYPE: {
                PluginURLs.NAMESPACE: "idv_manual",
                PluginURLs.REGEX: r"^",
                PluginURLs.RELATIVE_PATH: "urls",
            },
        },
    }
