"""
System checks of the Persona simulator (``manage.py check``): ``idv_persona_simulator.E001``, ``E002``,
``W001``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from idv_persona_simulator.conf import USER_ID_PLACEHOLDER, simulator_setting
from idv_persona_simulator.delivery import WebhookURLRefused, require_local_url


@register()
def check_simulator(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """
    A non-local webhook URL (E001) or a malformed LEARNER_REFERENCE_ID (E002) is an error; the simulator in a
    site with DEBUG off is a warning (W001).
    """
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
    learner_reference = simulator_setting("LEARNER_REFERENCE_ID")
    if learner_reference is not None and (
        not isinstance(learner_reference, str) or learner_reference.count(USER_ID_PLACEHOLDER) != 1
    ):
        messages.append(
            Error(
                'IDV_PERSONA_SIMULATOR["LEARNER_REFERENCE_ID"] must be a string with {user_id} exactly once, '
                "or None.",
                hint='openedx-idv-persona sends reference-ids of the form "openedx-user-{user_id}".',
                id="idv_persona_simulator.E002",
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
