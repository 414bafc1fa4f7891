"""
The Persona provider's class, registered under ``openedx.idv_provider`` as ``persona``: its URLs (mounted
by the core at ``/idv/persona/...``), its one setting ``IDV_PERSONA`` and its checks.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error, Warning
from django.urls import re_path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from idv_core import api
from idv_core.data import HealthFigure
from idv_core.providers import IDVProvider
from idv_persona import views
from idv_persona.inquiries import retire_user_webhook_events
from idv_persona.redaction import request_redactions, user_inquiry_ids
from idv_persona.webhook_failures import failures_since

#: The setting's name in the host's settings: one dict, its keys documented in ``settings_defaults``.
SETTING_NAME = "IDV_PERSONA"
#: Persona's production REST API root (``api.withpersona.com``; older docs use ``withpersona.com``).
PERSONA_API_ROOT = "https://api.withpersona.com/api/v1"
#: Persona's hosted flow, where learners are sent.
PERSONA_HOSTED_FLOW_URL = "https://inquiry.withpersona.com/verify"

_HINT = f"Set it in the {SETTING_NAME} dict; see the Persona provider's documentation."


def _is_positive_number(value: Any, *, whole: bool) -> bool:
    if isinstance(value, bool):
        return False
    kinds = (int,) if whole else (int, float)
    return isinstance(value, kinds) and value > 0


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


class PersonaProvider(IDVProvider):
    """Identity verification through Persona's hosted flow, decided by Persona's signed webhooks."""

    name = "Persona"
    description = _(
        "Verify with Persona, our identity-verification partner: take a photo of an identity document "
        "and a selfie. It usually takes a few minutes."
    )
    django_app = "idv_persona"
    # /idv/persona/start, /idv/persona/return, /idv/persona/webhook. The trailing slash is optional, so that
    # the webhook URL registered in Persona's dashboard works either way (a POST cannot follow APPEND_SLASH).
    urlpatterns = [
        re_path(r"^start/?$", views.start, name="start"),
        re_path(r"^return/?$", views.persona_return, name="return"),
        re_path(r"^webhook/?$", views.webhook, name="webhook"),
    ]
    settings_defaults = {
        # IDV_PERSONA is one dict: the operator's keys win key by key, a missing key gets its default
        # (read it with config(), never with setting()).
        SETTING_NAME: {
            # .. setting_name: IDV_PERSONA["API_KEY"]
            # .. setting_default: "" (must be set)
            # .. setting_description: The Persona API key (``persona_production_...`` or
            #   ``persona_sandbox_...``) sent as ``Authorization: Bearer <key>`` to create, resume and
            #   retrieve inquiries. A secret: keep it out of version control. ``manage.py check`` reports
            #   persona.E002 when it is blank.
            "API_KEY": "",
            # .. setting_name: IDV_PERSONA["INQUIRY_TEMPLATE_ID"]
            # .. setting_default: "" (must be set)
            # .. setting_description: The id (``itmpl_...``) of the Persona inquiry template learners go
            #   through. ``manage.py check`` reports persona.E003 when it is blank.
            "INQUIRY_TEMPLATE_ID": "",
            # .. setting_name: IDV_PERSONA["ENVIRONMENT_ID"]
            # .. setting_default: "" (none)
            # .. setting_description: Optional Persona environment id (``env_...``), sent with every new
            #   inquiry when set. Blank means the API key's own environment.
            "ENVIRONMENT_ID": "",
            # .. setting_name: IDV_PERSONA["API_ROOT"]
            # .. setting_default: "https://api.withpersona.com/api/v1"
            # .. setting_description: The root URL of Persona's REST API. Change it only to point at the
            #   Persona simulator in development (``<site>/persona-simulator/api/v1``).
            "API_ROOT": PERSONA_API_ROOT,
            # .. setting_name: IDV_PERSONA["HOSTED_FLOW_URL"]
            # .. setting_default: "https://inquiry.withpersona.com/verify"
            # .. setting_description: Where learners are sent to go through the inquiry (Persona's hosted
            #   flow). Change it only to point at the Persona simulator (``<site>/persona-simulator/verify``).
            "HOSTED_FLOW_URL": PERSONA_HOSTED_FLOW_URL,
            # .. setting_name: IDV_PERSONA["WEBHOOK_SECRETS"]
            # .. setting_default: [] (must be set)
            # .. setting_description: The webhook secrets (``wbhsec_...``) a ``Persona-Signature`` may be made
            #   with. A webhook is accepted when its signature matches any of them, so during a secret
            #   rotation list the new secret and the old one, then drop the old one. With no secret every
            #   webhook is refused (401); ``manage.py check`` reports persona.E004.
            "WEBHOOK_SECRETS": [],
            # .. setting_name: IDV_PERSONA["SIGNATURE_TOLERANCE_SECONDS"]
            # .. setting_default: 300
            # .. setting_description: How far (in seconds, either way) a webhook signature's timestamp may be
            #   from this server's clock. Older (replayed) or future-dated signatures are refused with 401.
            "SIGNATURE_TOLERANCE_SECONDS": 300,
            # .. setting_name: IDV_PERSONA["DAYS_GOOD_FOR"]
            # .. setting_default: 365
            # .. setting_description: How many days an approval by Persona lasts: an attempt approved by
            #   Persona expires this many days after the approval was recorded.
            "DAYS_GOOD_FOR": 365,
            # .. setting_name: IDV_PERSONA["TIMEOUT_SECONDS"]
            # .. setting_default: 10
            # .. setting_description: The timeout, in seconds, of each HTTP request to Persona's API
            #   (connecting, and then waiting for the answer). Requests that fail to connect, time out or get
            #   a 5xx answer are retried twice; the learner waits at most about three times this long.
            "TIMEOUT_SECONDS": 10,
        },
    }

    @classmethod
    def config(cls) -> dict[str, Any]:
        """
        Return ``IDV_PERSONA`` with the documented defaults under the operator's own keys.

        An operator's key always wins; a missing key gets (a copy of) its default. A value that is not a
        dict counts as empty here (``manage.py check`` reports it: persona.E001).
        """
        merged = copy.deepcopy(cls.settings_defaults[SETTING_NAME])
        operator = cls.setting(SETTING_NAME)
        if isinstance(operator, dict):
            merged.update(operator)
        return merged

    def retire_user(self, user_id: int) -> None:
        """
        Delete the webhook event records of the learner's inquiries (they hold Persona's ids), and have
        Persona redact the inquiries (their names, at Persona) once the retirement commits
        (``idv_persona.redaction``).
        """
        retire_user_webhook_events(user_id, self.id)
        request_redactions(user_inquiry_ids(user_id, self.id))

    def health(self, now: datetime) -> list[HealthFigure]:
        """The webhook deliveries refused (400, 401, 404, 413) in the last hour, to the minute (one query)."""
        return [
            HealthFigure(
                f"idv.{self.id}.webhook_failures_last_hour",
                "Persona webhooks refused in the last hour",
                failures_since(now - timedelta(hours=1)),
                "failures",
            )
        ]

    def check(self) -> list[CheckMessage]:
        """Report a missing or malformed ``IDV_PERSONA`` key (persona.E001 to persona.E007, W001)."""
        raw = self.setting(SETTING_NAME)
        defaults = self.settings_defaults[SETTING_NAME]
        if raw is not None and not isinstance(raw, dict):
            return [
                Error(
                    f"{SETTING_NAME} must be a dict, not {type(raw).__name__}.",
                    hint='For example IDV_PERSONA = {"API_KEY": "...", "INQUIRY_TEMPLATE_ID": "itmpl_...", '
                    '"WEBHOOK_SECRETS": ["wbhsec_..."]}.',
                    id="persona.E001",
                )
            ]
        config = self.config()
        messages: list[CheckMessage] = []
        for key, check_id in (("API_KEY", "persona.E002"), ("INQUIRY_TEMPLATE_ID", "persona.E003")):
            value = config[key]
            if not isinstance(value, str) or not value.strip():
                messages.append(
                    Error(f'{SETTING_NAME}["{key}"] must be a non-blank string.', hint=_HINT, id=check_id)
                )
        secrets = config["WEBHOOK_SECRETS"]
        if (
            not isinstance(secrets, list | tuple)
            or not secrets
            or not all(isinstance(secret, str) and secret for secret in secrets)
        ):
            messages.append(
                Error(
                    f'{SETTING_NAME}["WEBHOOK_SECRETS"] must be a non-empty list of webhook secrets '
                    "(strings); without one every Persona webhook is refused.",
                    hint="Copy the secret (wbhsec_...) from Persona's dashboard, Webhooks. "
                    "During a rotation, list the new and the old secret.",
                    id="persona.E004",
                )
            )
        for key in ("API_ROOT", "HOSTED_FLOW_URL"):
            if not _is_http_url(config[key]):
                messages.append(
                    Error(
                        f'{SETTING_NAME}["{key}"] must be an http(s) URL.',
                        hint=f"Leave it unset for Persona's own: {defaults[key]}.",
                        id="persona.E005",
                    )
                )
        for key, whole in (
            ("SIGNATURE_TOLERANCE_SECONDS", True),
            ("DAYS_GOOD_FOR", True),
            ("TIMEOUT_SECONDS", False),
        ):
            if not _is_positive_number(config[key], whole=whole):
                kind = "whole number" if whole else "number"
                messages.append(
                    Error(
                        f'{SETTING_NAME}["{key}"] must be a positive {kind}, not {config[key]!r}.',
                        hint=f"The default is {defaults[key]}.",
                        id="persona.E006",
                    )
                )
        days = config["DAYS_GOOD_FOR"]
        if _is_positive_number(days, whole=True) and api.expiration_after_days(timezone.now(), days) is None:
            messages.append(
                Error(
                    f'{SETTING_NAME}["DAYS_GOOD_FOR"] = {days} days from now is past '
                    f"{api.EXPIRATION_LIMIT:%Y-%m-%d}, the last date idv_core stores: every approval would "
                    "fail.",
                    hint=f"The default is {defaults['DAYS_GOOD_FOR']}.",
                    id="persona.E006",
                )
            )
        environment = config["ENVIRONMENT_ID"]
        if environment is not None and not isinstance(environment, str):
            messages.append(
                Error(
                    f'{SETTING_NAME}["ENVIRONMENT_ID"] must be a string (or blank).',
                    hint=_HINT,
                    id="persona.E007",
                )
            )
        unknown = sorted(set(raw or {}) - set(defaults), key=str)
        if unknown:
            messages.append(
                Warning(
                    f"{SETTING_NAME} has unknown keys: {', '.join(map(str, unknown))}.",
                    hint=f"Known keys: {', '.join(defaults)}. A misspelt key is ignored.",
                    id="persona.W001",
                )
            )
        return messages
