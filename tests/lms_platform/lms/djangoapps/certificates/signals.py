"""
Stands in for the platform's ``lms/djangoapps/certificates/signals.py`` (its ``IDV_ATTEMPT_APPROVED``
receiver), for tests only.

The platform's receiver (dispatch uid ``openedx_idv_attempt_approved``) loads the event's user and regenerates
their certificates, and generation asks ``IDVerificationService.user_is_verified`` when
``FEATURES["ENABLE_CERTIFICATES_IDV_REQUIREMENT"]`` is on. This one records, at the moment the event
arrives, ``(user_id, attempt_id, user_is_verified(user))`` in ``RECORDED``, so a test can see what certificate
generation would have concluded. Call ``clear()`` before the part of a test you check.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from openedx_events.learning.signals import IDV_ATTEMPT_APPROVED

from lms.djangoapps.verify_student.services import IDVerificationService

#: What the receiver saw: (user id, attempt id, IDVerificationService.user_is_verified(user)), in order.
RECORDED: list[tuple[int, int, bool]] = []

#: The platform's dispatch uid for this receiver.
DISPATCH_UID = "openedx_idv_attempt_approved"


def clear() -> None:
    """Forget everything recorded so far."""
    RECORDED.clear()


def _listen_for_id_verification_approved_event(sender: Any, signal: Any, **kwargs: Any) -> None:
    """Record whether the platform's service deems the event's user verified (certificate generation asks)."""
    event_data = kwargs["idv_attempt"]
    user = get_user_model().objects.get(id=event_data.user.id)  # DoesNotExist propagates, as in the platform
    RECORDED.append((user.id, event_data.attempt_id, IDVerificationService.user_is_verified(user)))


def connect() -> None:
    """Connect the receiver (idempotent: one dispatch uid)."""
    IDV_ATTEMPT_APPROVED.connect(_listen_for_id_verification_approved_event, dispatch_uid=DISPATCH_UID)
