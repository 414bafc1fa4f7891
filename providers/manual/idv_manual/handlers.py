"""
Receivers of the IDV openedx-events signals: they keep the review queue (``PendingAttempt``) current.

Connected in ``IdvManualConfig.ready``. The core sends the signals after commit; these run outside the
attempt's transaction, so a failure here never undoes a decision (openedx-events logs it).
"""

from __future__ import annotations

from typing import Any

from openedx_events.learning.data import VerificationAttemptData

from idv_core.exceptions import VerificationAttemptNotFound
from idv_manual import reviews


def queue_pending_attempt(
    sender: Any, idv_attempt: VerificationAttemptData, metadata: Any, **kwargs: Any
) -> None:
    """``IDV_ATTEMPT_PENDING``: add the attempt, of whichever provider, to the review queue."""
    try:
        reviews.queue_if_pending(idv_attempt.attempt_id, pending_since=metadata.time)
    except VerificationAttemptNotFound:
        # Deleted with its user before the event was handled: nothing to review.
        return


def unqueue_decided_attempt(
    sender: Any, idv_attempt: VerificationAttemptData, metadata: Any, **kwargs: Any
) -> None:
    """``IDV_ATTEMPT_APPROVED`` / ``_DENIED``: the attempt needs no review any more."""
    reviews.unqueue(idv_attempt.attempt_id)
