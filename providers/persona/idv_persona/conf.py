"""The one accessor for the Persona provider's settings (defaults live in ``idv_persona.settings.common``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from idv_persona.settings.common import DEFAULTS, SETTING_NAME


def persona_settings() -> dict[str, Any]:
    """
    Return ``IDV_PERSONA`` with the documented defaults under the host's own keys.

    A host key always wins; a missing key gets its default, even when the host defined the dict after
    ``add_plugins`` ran. A value that is not a dict counts as empty here (``manage.py check`` reports it).
    """
    host = getattr(settings, SETTING_NAME, None)
    merged = dict(DEFAULTS)
    if isinstance(host, dict):
        merged.update(host)
    return merged


def persona_setting(key: str) -> Any:
    """Return one key of ``IDV_PERSONA`` (the host's value, else its default)."""
    return persona_settings()[key]
