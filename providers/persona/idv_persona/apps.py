"""
idv_persona as a Django app and an Open edX plugin app (``lms.djangoapp`` entry point).

``pip install openedx-idv-persona`` is all the LMS needs: edx-django-utils adds the app, mounts its URLs at
the root (``/idv/persona/...``) and applies its plugin settings (``idv_persona.settings.common``).
"""

from django.apps import AppConfig
from edx_django_utils.plugins.constants import PluginSettings, PluginURLs

_PROJECT_TYPE = "lms.djangoapp"


class IdvPersonaConfig(AppConfig):
    """The persona identity-verification provider's Django app."""

    name = "idv_persona"
    label = "idv_persona"
    verbose_name = "Identity verification: persona"
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        PluginURLs.CONFIG: {
            _PROJECT_TYPE: {
                PluginURLs.NAMESPACE: "idv_persona",
                PluginURLs.REGEX: r"^",
                PluginURLs.RELATIVE_PATH: "urls",
            },
        },
        PluginSettings.CONFIG: {
            _PROJECT_TYPE: {
                "common": {PluginSettings.RELATIVE_PATH: "settings.common"},
            },
        },
    }
