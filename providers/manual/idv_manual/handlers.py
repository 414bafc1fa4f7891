"""
Receivers of the IDV openedx-events signals: they keep the review queue (``PendingAttempt``) current.

Connected in ``IdvManualConfig.ready``. The core sends the signals after commit; these run outside the
attempt's transaction, so a failure here never undoes a decision (openedx-events logs it).
"""

from __future__ import annotations

from typing import Any

from openedx_events.learning.data import VerificationAttemptData

from idv_core import api
from idv_core.exceptions import VerificationAttemptNotFound
from idv_manual import reviews


def queue_pending_attempt(
    sender: Any, idv_attempt: VerificationAttemptData, metadata: Any, **kwargs: Any
) -> None:
    """``IDV_ATTEMPT_PENDING``: add the attempt, of whichever provider, to the review queue."""
    try:
        # Inside the LMS the event names the platform's mirror row: the core resolves it to our attempt.
        record = api.get_verification_attempt_from_event(idv_attempt)
    except VerificationAttemptNotFound:
        # Deleted with its user before the event was handled, or not one of ours: nothing to review.
        return
    reviews.queue_if_pending(record, pending_since=metadata.time)


def unqueue_decided_attempt(
    sender: Any, idv_attempt: VerificationAttemptData, metadata: Any, **kwargs: Any
) -> None:
    """``IDV_ATTEMPT_APPROVED`` / ``_DENIED``: the attempt needs no review any more."""
    try:
        record = api.get_verification_attempt_from_event(idv_attempt)
    except VerificationAttemptNotFound:
        return
    reviews.unqueue(record.id)
