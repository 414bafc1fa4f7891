"""
System checks of the Persona simulator (``manage.py check``): ``idv_persona_simulator.E001``, ``W001``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from idv_persona_simulator.conf import simulator_setting
from idv_persona_simulator.delivery import WebhookURLRefused, require_local_url


@register()
def check_simulator(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A non-local webhook URL is an error; the simulator in a site with DEBUG off is a warning."""
    messages: list[CheckMessage] = []
    url = simulator_setting("WEBHOOK_URL")
    if url:
        try:
            require_local_url(url)
        except WebhookURLRefused as exc:
            messages.append(
                Error(
                    str(exc),
                    hint="Point it at this site's /idv/persona/webhook.",
                    id="idv_persona_simulator.E001",
                )
            )
    if not settings.DEBUG:
        messages.append(
            Warning(
                "The Persona simulator (idv_persona_simulator) is installed in a site with DEBUG off.",
                hint="It is for development and tests only: remove it from INSTALLED_APPS in production.",
                id="idv_persona_simulator.W001",
            )
        )
    return messages
