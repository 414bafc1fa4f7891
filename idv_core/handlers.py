"""
Receivers of the LMS's signals, connected the way the LMS connects a plugin app's receivers
(``plugin_app["signals_config"]`` in ``idv_core.apps``, read by edx-django-utils'
``connect_plugin_receivers``).

Outside the LMS the signals named there do not exist and nothing here is connected.
"""

from __future__ import annotations

import logging
from typing import Any

from idv_core import api

log = logging.getLogger(__name__)


def retire_user_on_lms_retirement(sender: Any, user: Any = None, **kwargs: Any) -> None:
    """
    ``USER_RETIRE_LMS_MISC``: erase the learner's verified names everywhere openedx-idv keeps them.

    The LMS sends it with ``user=`` from its retirement pipeline; an error propagates so that the step
    fails and the pipeline retries it.
    """
    if user is None:
        log.warning("USER_RETIRE_LMS_MISC was sent without a user; nothing to retire.")
        return
    api.retire_user_verification_names(user)
