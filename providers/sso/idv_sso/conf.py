"""The one accessor for idv_sso's settings (defaults live in ``idv_sso.settings.common``)."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings

from idv_sso.settings.common import DEFAULTS


def sso_setting(name: str) -> Any:
    """Return the host's value of the ``IDV_SSO_*`` setting ``name``, or (a copy of) its default."""
    return getattr(settings, name, copy.deepcopy(DEFAULTS[name]))
