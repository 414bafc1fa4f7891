"""The one accessor for idv_core's settings (defaults live in ``idv_core.settings.common``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from idv_core.settings.common import DEFAULTS


def idv_setting(name: str) -> Any:
    """Return the host's value of the ``IDV_*`` setting ``name``, or its documented default."""
    return getattr(settings, name, DEFAULTS[name])
