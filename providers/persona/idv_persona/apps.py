"""
idv_persona as a Django app and an Open edX plugin app (``lms.djangoapp`` entry point).

``pip install openedx-idv-persona`` is all the LMS needs: edx-django-utils adds the app (its models, admin,
templates and command); its URLs and its setting are the provider's (``idv_persona.provider``), mounted
and read by the core.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdvPersonaConfig(AppConfig):
    """The persona identity-verification provider's Django app."""

    name = "idv_persona"
    label = "idv_persona"
    verbose_name = _("Identity verification: persona")
    default_auto_field = "django.db.models.BigAutoField"

    # A plugin app for its models, admin, templates and command only (the LMS installs an app only when it
    # declares plugin_app): its URLs and its setting are the provider's, mounted and read by the core.
    plugin_app: dict = {}
