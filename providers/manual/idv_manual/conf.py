"""The one accessor for the manual provider's settings (defaults live in ``idv_manual.settings.common``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from idv_manual.settings.common import DEFAULTS


def manual_setting(name: str) -> Any:
    """Return the host's value of the ``IDV_MANUAL_*`` setting ``name``, or its documented default."""
    return getattr(settings, name, DEFAULTS[name])
