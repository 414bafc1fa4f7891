"""idv_sso as a Django app and an Open edX plugin app (``lms.djangoapp`` entry point)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdvSsoConfig(AppConfig):
    """The sso identity-verification provider's Django app: its record, pipeline step, page and command."""

    name = "idv_sso"
    label = "idv_sso"
    verbose_name = _("Identity verification: sso")
    default_auto_field = "django.db.models.BigAutoField"

    # A plugin app for its model, admin, templates and commands: its page and settings are the provider's
    # (idv_sso.provider), mounted and read by the core.
    # (An empty plugin_app still makes it one: edx-django-utils' get_plugin_apps skips an app without it.)
    plugin_app: dict = {}

    def ready(self) -> None:
        """Append the pipeline step to SOCIAL_AUTH_PIPELINE where needed (IDV_SSO_ADD_PIPELINE_STEP)."""
        from idv_sso.pipeline import add_step_to_pipeline

        add_step_to_pipeline()
