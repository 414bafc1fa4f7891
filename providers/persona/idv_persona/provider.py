"""The Persona provider's class, registered under ``openedx.idv_provider`` as ``persona``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error, Warning
from django.urls import reverse

from idv_core.providers import IDVProvider
from idv_persona.conf import persona_settings
from idv_persona.inquiries import retire_user_webhook_events
from idv_persona.settings.common import DEFAULTS, SETTING_NAME

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
    description = (
        "Verify with Persona, our identity-verification partner: take a photo of an identity document "
        "and a selfie. It usually takes a few minutes."
    )
    django_app = "idv_persona"

    def get_start_url(self) -> str:
        """The provider's start view, which creates (or resumes) the learner's Persona inquiry."""
        return reverse("idv_persona:start")

    def retire_user(self, user_id: int) -> None:
        """Delete the webhook event records of the learner's inquiries (they hold Persona's ids)."""
        retire_user_webhook_events(user_id)

    def check(self) -> list[CheckMessage]:
        """Report a missing or malformed ``IDV_PERSONA`` key (persona.E001 to persona.E007, W001)."""
        from django.conf import settings

        raw = getattr(settings, SETTING_NAME, None)
        if raw is not None and not isinstance(raw, dict):
            return [
                Error(
                    f"{SETTING_NAME} must be a dict, not {type(raw).__name__}.",
                    hint='For example IDV_PERSONA = {"API_KEY": "...", "INQUIRY_TEMPLATE_ID": "itmpl_...", '
                    '"WEBHOOK_SECRETS": ["wbhsec_..."]}.',
                    id="persona.E001",
                )
            ]
        config = persona_settings()
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
                        hint=f"Leave it unset for Persona's own: {DEFAULTS[key]}.",
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
                        hint=f"The default is {DEFAULTS[key]}.",
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
        unknown = sorted(set(raw or {}) - set(DEFAULTS), key=str)
        if unknown:
            messages.append(
                Warning(
                    f"{SETTING_NAME} has unknown keys: {', '.join(map(str, unknown))}.",
                    hint=f"Known keys: {', '.join(DEFAULTS)}. A misspelt key is ignored.",
                    id="persona.W001",
                )
            )
        return messages
