"""
Stands in for the platform's ``lms/djangoapps/verify_student/api.py`` (the IDV plugin API), for tests only.

The platform's quirks, kept on purpose:

* ``create_verification_attempt`` sends only ``IDV_ATTEMPT_CREATED``, with the status it was given (an attempt
  created ``approved`` never sends ``IDV_ATTEMPT_APPROVED``);
* ``update_verification_attempt`` always overwrites ``expiration_datetime`` (a name-only update clears it),
  cannot change ``hide_status_from_user``, applies no transition rules, and sends the status's event with
  ``name`` exactly as passed (None unless given again);
* events are sent synchronously, inside the caller's transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from lms.djangoapps.verify_student.exceptions import VerificationAttemptInvalidStatus
from lms.djangoapps.verify_student.models import VerificationAttempt
from lms.djangoapps.verify_student.signals.signals import (
    emit_idv_attempt_approved_event,
    emit_idv_attempt_created_event,
    emit_idv_attempt_denied_event,
    emit_idv_attempt_pending_event,
)
from lms.djangoapps.verify_student.statuses import VerificationAttemptStatus

log = logging.getLogger(__name__)

_EMITTERS = {
    VerificationAttemptStatus.PENDING: emit_idv_attempt_pending_event,
    VerificationAttemptStatus.APPROVED: emit_idv_attempt_approved_event,
    VerificationAttemptStatus.DENIED: emit_idv_attempt_denied_event,
}


def create_verification_attempt(
    user: Any,
    name: str,
    status: str,
    expiration_datetime: datetime | None = None,
    hide_status_from_user: bool | None = False,
) -> int:
    """Create a generic verification attempt, send ``IDV_ATTEMPT_CREATED``, and return the attempt's id."""
    attempt = VerificationAttempt.objects.create(
        user=user,
        name=name,
        status=status,
        expiration_datetime=expiration_datetime,
        hide_status_from_user=hide_status_from_user,
    )
    emit_idv_attempt_created_event(
        attempt_id=attempt.id,
        user=user,
        status=status,
        name=name,
        expiration_date=expiration_datetime,
    )
    return attempt.id


def update_verification_attempt(
    attempt_id: int,
    name: str | None = None,
    status: str | None = None,
    expiration_datetime: datetime | None = None,
) -> None:
    """
    Update a generic verification attempt and send the event of its new status, if any.

    Raises ``VerificationAttempt.DoesNotExist`` for an unknown id and ``VerificationAttemptInvalidStatus`` for
    a status that is not a ``VerificationAttemptStatus`` (nothing saved in either case).
    """
    try:
        attempt = VerificationAttempt.objects.get(id=attempt_id)
    except VerificationAttempt.DoesNotExist:
        log.error(
            "VerificationAttempt with id %s was not found when updating it to status=%s", attempt_id, status
        )
        raise

    if name is not None:
        attempt.name = name
    if status is not None:
        if status not in list(VerificationAttemptStatus):
            log.error("update_verification_attempt called with invalid status %r", status)
            raise VerificationAttemptInvalidStatus
        attempt.status = status
    # The platform's own rule: the expiration is set from each update, None included.
    attempt.expiration_datetime = expiration_datetime
    attempt.save()

    emitter = _EMITTERS.get(status) if status is not None else None
    if emitter is not None:
        emitter(
            attempt_id=attempt_id,
            user=attempt.user,
            status=status,
            name=name,
            expiration_date=expiration_datetime,
        )
