"""The Persona simulator as a Django app (label ``idv_persona_simulator``); deliberately not a plugin app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonaSimulatorConfig(AppConfig):
    """The local Persona simulator: its inquiries, events, API, hosted flow and webhook deliveries."""

    name = "idv_persona_simulator"
    # The label it always had (as idv_persona_simulator): its migrations and tables keep their names.
    label = "idv_persona_simulator"
    verbose_name = _("Persona simulator (development and tests only)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the simulator's system checks."""
        from idv_persona_simulator import checks  # noqa: F401 (registers the checks)
