"""
Stands in for the platform's ``lms/djangoapps/verify_student/signals/signals.py``, for tests only.

The four ``emit_idv_attempt_*_event`` functions the platform's API calls: each sends the real openedx-events
signal (``IDV_ATTEMPT_CREATED`` / ``_PENDING`` / ``_APPROVED`` / ``_DENIED``) synchronously, with
``send_event``, inside whatever transaction the caller is in (not after commit).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openedx_events.learning.data import UserData, UserPersonalData, VerificationAttemptData
from openedx_events.learning.signals import (
    IDV_ATTEMPT_APPROVED,
    IDV_ATTEMPT_CREATED,
    IDV_ATTEMPT_DENIED,
    IDV_ATTEMPT_PENDING,
)
from openedx_events.tooling import OpenEdxPublicSignal


def _full_name(user: Any) -> str:
    """
    The name the platform puts in the event's ``UserPersonalData``: ``get_full_name()``, else the profile's.

    The LMS's profile name is ``user.profile.name``; the test host has no profile model, hence the fallbacks.
    """
    full_name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    if full_name:
        return full_name
    return getattr(getattr(user, "profile", None), "name", "") or ""


def _user_data(user: Any) -> UserData:
    return UserData(
        id=user.id,
        is_active=user.is_active,
        pii=UserPersonalData(username=user.username, email=user.email, name=_full_name(user)),
    )


def _emit(
    signal: OpenEdxPublicSignal,
    attempt_id: int,
    user: Any,
    status: str,
    name: str | None,
    expiration_date: datetime | None,
) -> UserData:
    user_data = _user_data(user)
    signal.send_event(
        idv_attempt=VerificationAttemptData(
            attempt_id=attempt_id,
            user=user_data,
            status=status,
            name=name,
            expiration_date=expiration_date,
        )
    )
    return user_data


def emit_idv_attempt_created_event(
    attempt_id: int, user: Any, status: str, name: str | None, expiration_date: datetime | None
) -> UserData:
    """Send ``IDV_ATTEMPT_CREATED`` (org.openedx.learning.idv_attempt.created.v1)."""
    return _emit(IDV_ATTEMPT_CREATED, attempt_id, user, status, name, expiration_date)


def emit_idv_attempt_pending_event(
    attempt_id: int, user: Any, status: str, name: str | None, expiration_date: datetime | None
) -> UserData:
    """Send ``IDV_ATTEMPT_PENDING`` (org.openedx.learning.idv_attempt.pending.v1)."""
    return _emit(IDV_ATTEMPT_PENDING, attempt_id, user, status, name, expiration_date)


def emit_idv_attempt_approved_event(
    attempt_id: int, user: Any, status: str, name: str | None, expiration_date: datetime | None
) -> UserData:
    """Send ``IDV_ATTEMPT_APPROVED`` (org.openedx.learning.idv_attempt.approved.v1)."""
    return _emit(IDV_ATTEMPT_APPROVED, attempt_id, user, status, name, expiration_date)


def emit_idv_attempt_denied_event(
    attempt_id: int, user: Any, status: str, name: str | None, expiration_date: datetime | None
) -> None:
    """Send ``IDV_ATTEMPT_DENIED`` (org.openedx.learning.idv_attempt.denied.v1); returns None."""
    _emit(IDV_ATTEMPT_DENIED, attempt_id, user, status, name, expiration_date)
