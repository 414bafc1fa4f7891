"""
The simulator's settings: one dict, ``IDV_PERSONA_SIMULATOR``, read through :func:`simulator_setting`.

The simulator is not a plugin app (no ``plugin_settings``): a host that installs it sets the dict itself;
every key it leaves out takes the default below.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # .. setting_name: IDV_PERSONA_SIMULATOR["API_KEY"]
    # .. setting_default: ""
    # .. setting_description: The API key the simulator's REST API accepts (``Authorization: Bearer <key>``).
    #   Must equal the provider's ``IDV_PERSONA["API_KEY"]``. Empty: every API request is refused (401).
    "API_KEY": "",
    # .. setting_name: IDV_PERSONA_SIMULATOR["WEBHOOK_URL"]
    # .. setting_default: ""
    # .. setting_description: Where the simulator sends its webhooks, e.g.
    #   ``http://127.0.0.1:8000/idv/persona/webhook``. Only 127.0.0.1, localhost or ::1 are accepted (it is a
    #   development tool); empty: events are recorded but not sent.
    "WEBHOOK_URL": "",
    # .. setting_name: IDV_PERSONA_SIMULATOR["WEBHOOK_SECRET"]
    # .. setting_default: ""
    # .. setting_description: The webhook secret (``wbhsec_...``) the deliveries are signed with; one of the
    #   provider's ``IDV_PERSONA["WEBHOOK_SECRETS"]``. A list of secrets signs with each (a
    #   ``Persona-Signature`` header with one ``t=...,v1=...`` pair per secret, as during a rotation).
    "WEBHOOK_SECRET": "",
    # .. setting_name: IDV_PERSONA_SIMULATOR["ENABLED_EVENTS"]
    # .. setting_default: None
    # .. setting_description: The event names the simulator sends, as the events ticked on a Persona
    #   webhook; None sends every inquiry event. Events not listed are still recorded.
    "ENABLED_EVENTS": None,
    # .. setting_name: IDV_PERSONA_SIMULATOR["WEBHOOK_TIMEOUT_SECONDS"]
    # .. setting_default: 5
    # .. setting_description: How long a delivery waits for the receiver's answer (Persona waits 5 s); a
    #   delivery that times out counts as failed and is retried.
    "WEBHOOK_TIMEOUT_SECONDS": 5,
    # .. setting_name: IDV_PERSONA_SIMULATOR["WEBHOOK_MAX_ATTEMPTS"]
    # .. setting_default: 5
    # .. setting_description: How many times one delivery is attempted in all before it is given up.
    "WEBHOOK_MAX_ATTEMPTS": 5,
    # .. setting_name: IDV_PERSONA_SIMULATOR["WEBHOOK_RETRY_BACKOFF_SECONDS"]
    # .. setting_default: 1.0
    # .. setting_description: The wait before the first retry; it doubles at each further retry (Persona
    #   retries over hours; the simulator over seconds, so a demo shows it).
    "WEBHOOK_RETRY_BACKOFF_SECONDS": 1.0,
    # .. setting_name: IDV_PERSONA_SIMULATOR["REDIRECT_WAIT_SECONDS"]
    # .. setting_default: 2.0
    # .. setting_description: After the person's choice, how long the hosted flow waits for the first
    #   delivery of the events it emitted before redirecting, so that the site usually knows the result
    #   when the person gets back (as with Persona, it is not guaranteed: 0 shows the race).
    "REDIRECT_WAIT_SECONDS": 2.0,
    # .. setting_name: IDV_PERSONA_SIMULATOR["LEARNER_REFERENCE_ID"]
    # .. setting_default: "openedx-user-{user_id}"
    # .. setting_description: How this site's inquiry reference-ids name its users (openedx-idv-persona
    #   sends ``openedx-user-<user id>``). The hosted flow of an inquiry whose reference-id has this form
    #   opens only for that user, signed in to this site (others are sent to log in, or refused with 403),
    #   so that one learner cannot open or decide another's inquiry by its id. An inquiry whose reference-id
    #   names no user opens for the first browser session that opens it, as on Persona; None: every
    #   inquiry so. ``{user_id}`` must appear exactly once (``manage.py check``: idv_persona_simulator.E002).
    "LEARNER_REFERENCE_ID": "openedx-user-{user_id}",
}

#: The placeholder of ``LEARNER_REFERENCE_ID``.
USER_ID_PLACEHOLDER = "{user_id}"

# Persona answers a delivery as delivered only with one of these statuses.
SUCCESS_STATUSES = frozenset({200, 201, 202, 204})

# The only hosts the simulator sends webhooks to.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def simulator_setting(name: str) -> Any:
    """Return ``IDV_PERSONA_SIMULATOR[name]`` as the host set it, or its documented default."""
    return (getattr(settings, "IDV_PERSONA_SIMULATOR", None) or {}).get(name, DEFAULTS[name])
