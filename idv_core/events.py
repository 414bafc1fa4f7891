"""
Status change -> openedx-events signal: the one map, and sending after the transaction commits.

Each status an attempt enters sends exactly one signal, carrying a ``VerificationAttemptData`` built at
the moment of the change (so each signal announces the status it is named for), and only once the
surrounding transaction has committed: a rolled-back change sends nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from openedx_events.learning.data import UserData, UserPersonalData, VerificationAttemptData
from openedx_events.learning.signals import (
    IDV_ATTEMPT_APPROVED,
    IDV_ATTEMPT_CREATED,
    IDV_ATTEMPT_DENIED,
    IDV_ATTEMPT_PENDING,
)
from openedx_events.tooling import OpenEdxPublicSignal

from idv_core.statuses import VerificationAttemptStatus

if TYPE_CHECKING:
    from idv_core.models import VerificationAttempt

log = logging.getLogger(__name__)

STATUS_SIGNALS: dict[VerificationAttemptStatus, OpenEdxPublicSignal] = {
    VerificationAttemptStatus.CREATED: IDV_ATTEMPT_CREATED,
    VerificationAttemptStatus.PENDING: IDV_ATTEMPT_PENDING,
    VerificationAttemptStatus.APPROVED: IDV_ATTEMPT_APPROVED,
    VerificationAttemptStatus.DENIED: IDV_ATTEMPT_DENIED,
}


def _user_full_name(user: Any) -> str:
    # The LMS keeps the learner's full name on the profile; other hosts on the user model.
    profile = getattr(user, "profile", None)
    profile_name = getattr(profile, "name", "")
    if profile_name:
        return profile_name
    get_full_name = getattr(user, "get_full_name", None)
    return get_full_name() if callable(get_full_name) else ""


def build_event_data(attempt: VerificationAttempt, user: Any, status: str) -> VerificationAttemptData:
    """Return the ``VerificationAttemptData`` announcing that ``attempt`` (of ``user``) entered ``status``."""
    return VerificationAttemptData(
        attempt_id=attempt.pk,
        user=UserData(
            id=user.pk,
            is_active=user.is_active,
            pii=UserPersonalData(
                username=user.get_username(),
                email=getattr(user, "email", "") or "",
                name=_user_full_name(user),
            ),
        ),
        status=str(status),
        name=attempt.name,
        expiration_date=attempt.expiration_datetime,
    )


def send_status_events_on_commit(
    attempt: VerificationAttempt, user: Any, statuses: Sequence[VerificationAttemptStatus]
) -> None:
    """
    Send one signal per status in ``statuses`` (in order) once the current transaction commits.

    The payloads are built now, from the attempt as just saved; outside a transaction they go at once.
    """
    payloads = [(STATUS_SIGNALS[status], build_event_data(attempt, user, status)) for status in statuses]
    transaction.on_commit(functools.partial(_send, payloads, attempt.modified), robust=True)


def _send(payloads: list[tuple[OpenEdxPublicSignal, VerificationAttemptData]], changed_at: datetime) -> None:
    for signal, data in payloads:
        try:
            # send_robust: a receiver that raises does not stop the others (openedx-events logs it).
            signal.send_event(idv_attempt=data, time=changed_at)
        except Exception:
            # The change is committed: one signal's failure must not stop the next signal of the change.
            # Only reached when openedx-events re-raises (settings.DEBUG, or allow_send_event_failure()).
            log.exception(
                "Sending %s for verification attempt %s failed.", signal.event_type, data.attempt_id
            )
