"""Stands in for the platform's ``lms/djangoapps/verify_student/exceptions.py``, for tests only."""


class VerificationAttemptInvalidStatus(Exception):
    """``update_verification_attempt`` was given a status that is not a ``VerificationAttemptStatus``."""
