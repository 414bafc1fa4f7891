"""
Settings of the Persona provider: the defaults of the one ``IDV_PERSONA`` dict, their documentation, and
how the plugin applies them to a host.

``IDV_PERSONA`` is a dict, so "the host's value wins" is applied key by key: ``plugin_settings`` fills in
only the keys the host's dict lacks (never overwriting one), and ``idv_persona.conf.persona_settings``
merges the defaults under the host's dict again at read time. A host that (re)defines ``IDV_PERSONA``
after ``add_plugins`` ran, or never runs ``add_plugins``, still gets every default it did not set.
"""

from __future__ import annotations

from typing import Any

#: The setting's name in the host's settings.
SETTING_NAME = "IDV_PERSONA"

#: Persona's production REST API root (``api.withpersona.com``; older docs use ``withpersona.com``).
PERSONA_API_ROOT = "https://api.withpersona.com/api/v1"
#: Persona's hosted flow, where learners are sent.
PERSONA_HOSTED_FLOW_URL = "https://inquiry.withpersona.com/verify"

DEFAULTS: dict[str, Any] = {
    # .. setting_name: IDV_PERSONA["API_KEY"]
    # .. setting_default: "" (must be set)
    # .. setting_description: The Persona API key (``persona_production_...`` or ``persona_sandbox_...``)
    #   sent as ``Authorization: Bearer <key>`` to create, resume and retrieve inquiries. A secret: keep it
    #   out of version control. ``manage.py check`` reports persona.E002 when it is blank.
    "API_KEY": "",
    # .. setting_name: IDV_PERSONA["INQUIRY_TEMPLATE_ID"]
    # .. setting_default: "" (must be set)
    # .. setting_description: The id (``itmpl_...``) of the Persona inquiry template learners go through.
    #   ``manage.py check`` reports persona.E003 when it is blank.
    "INQUIRY_TEMPLATE_ID": "",
    # .. setting_name: IDV_PERSONA["ENVIRONMENT_ID"]
    # .. setting_default: "" (none)
    # .. setting_description: Optional Persona environment id (``env_...``), sent with every new inquiry
    #   when set. Blank means the API key's own environment.
    "ENVIRONMENT_ID": "",
    # .. setting_name: IDV_PERSONA["API_ROOT"]
    # .. setting_default: "https://api.withpersona.com/api/v1"
    # .. setting_description: The root URL of Persona's REST API. Change it only to point at the Persona
    #   simulator in development (``<site>/persona-simulator/api/v1``).
    "API_ROOT": PERSONA_API_ROOT,
    # .. setting_name: IDV_PERSONA["HOSTED_FLOW_URL"]
    # .. setting_default: "https://inquiry.withpersona.com/verify"
    # .. setting_description: Where learners are sent to go through the inquiry (Persona's hosted flow).
    #   Change it only to point at the Persona simulator (``<site>/persona-simulator/verify``).
    "HOSTED_FLOW_URL": PERSONA_HOSTED_FLOW_URL,
    # .. setting_name: IDV_PERSONA["WEBHOOK_SECRETS"]
    # .. setting_default: [] (must be set)
    # .. setting_description: The webhook secrets (``wbhsec_...``) a ``Persona-Signature`` may be made
    #   with. A webhook is accepted when its signature matches any of them, so during a secret rotation
    #   list the new secret and the old one, then drop the old one. With no secret every webhook is
    #   refused (401); ``manage.py check`` reports persona.E004.
    "WEBHOOK_SECRETS": [],
    # .. setting_name: IDV_PERSONA["SIGNATURE_TOLERANCE_SECONDS"]
    # .. setting_default: 300
    # .. setting_description: How far (in seconds, either way) a webhook signature's timestamp may be from
    #   this server's clock. Older (replayed) or future-dated signatures are refused with 401.
    "SIGNATURE_TOLERANCE_SECONDS": 300,
    # .. setting_name: IDV_PERSONA["DAYS_GOOD_FOR"]
    # .. setting_default: 365
    # .. setting_description: How many days an approval by Persona lasts: an attempt approved by Persona
    #   expires this many days after the approval was recorded.
    "DAYS_GOOD_FOR": 365,
    # .. setting_name: IDV_PERSONA["TIMEOUT_SECONDS"]
    # .. setting_default: 10
    # .. setting_description: The timeout, in seconds, of each HTTP request to Persona's API (connecting,
    #   and then waiting for the answer). Requests that fail to connect, time out or get a 5xx answer are
    #   retried twice; the learner waits at most about three times this long.
    "TIMEOUT_SECONDS": 10,
}


def plugin_settings(settings: Any) -> None:
    """
    Apply the Persona provider's defaults to the host's settings, keeping every value the host set.

    Without ``IDV_PERSONA`` the host gets a copy of the defaults. With one (a dict), the keys it lacks are
    added and the keys it has are kept. A value that is not a dict is left alone, for ``manage.py check``
    to report (persona.E001).
    """
    current = getattr(settings, SETTING_NAME, None)
    if current is None:
        setattr(settings, SETTING_NAME, {key: _copy(value) for key, value in DEFAULTS.items()})
    elif isinstance(current, dict):
        for key, value in DEFAULTS.items():
            current.setdefault(key, _copy(value))


def _copy(value: Any) -> Any:
    # The lists must not be shared between hosts (or tests) that mutate their own.
    return list(value) if isinstance(value, list) else value
