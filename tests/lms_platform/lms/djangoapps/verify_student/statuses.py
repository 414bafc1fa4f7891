"""Stands in for the platform's ``lms/djangoapps/verify_student/statuses.py``, for tests only."""

from __future__ import annotations

from enum import StrEnum


class VerificationAttemptStatus(StrEnum):
    """The statuses of the platform's generic ``VerificationAttempt``."""

    CREATED = "created"
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
