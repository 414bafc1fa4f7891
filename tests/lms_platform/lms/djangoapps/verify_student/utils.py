"""Stands in for the platform's ``lms/djangoapps/verify_student/utils.py``, for tests only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.timezone import now


def is_verification_expiring_soon(expiration_datetime: datetime | None) -> bool:
    """
    Whether ``expiration_datetime`` is at most ``VERIFY_STUDENT["EXPIRING_SOON_WINDOW"]`` whole days away.

    An expiration already past counts as expiring soon; no expiration does not.
    """
    if not expiration_datetime:
        return False
    return (expiration_datetime - now()).days <= settings.VERIFY_STUDENT.get("EXPIRING_SOON_WINDOW")


def most_recent_verification(verification_sets: Iterable[Iterable[Any]]) -> Any | None:
    """The verification with the greatest ``updated_at`` across the given querysets (the first on a tie)."""
    latest = None
    for verifications in verification_sets:
        for verification in verifications:
            if latest is None or verification.updated_at > latest.updated_at:
                latest = verification
    return latest


def can_verify_now(verification_status: Mapping[str, Any], expiration_datetime: datetime | None) -> bool:
    """
    Whether the learner may (re)verify now: no usable verification, or one that expires soon.

    ``verification_status`` is ``IDVerificationService.user_status``'s answer.
    """
    if verification_status["status"] in {"none", "must_reverify", "expired", "pending"}:
        return True
    return bool(expiration_datetime and is_verification_expiring_soon(expiration_datetime))
