"""idv_sso as a Django app and an Open edX plugin app (``lms.djangoapp`` entry point)."""

from django.apps import AppConfig
from edx_django_utils.plugins.constants import PluginSettings, PluginURLs

_PROJECT_TYPE = "lms.djangoapp"


class IdvSsoConfig(AppConfig):
    """The sso identity-verification provider's Django app: its record, pipeline step, page and command."""

    name = "idv_sso"
    label = "idv_sso"
    verbose_name = "Identity verification: sso"
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        PluginURLs.CONFIG: {
            _PROJECT_TYPE: {
                PluginURLs.NAMESPACE: "idv_sso",
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

    def ready(self) -> None:
        """Append the pipeline step to SOCIAL_AUTH_PIPELINE where needed (IDV_SSO_ADD_PIPELINE_STEP)."""
        from idv_sso.pipeline import add_step_to_pipeline

        add_step_to_pipeline()
