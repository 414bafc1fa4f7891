"""
The errors ``idv_core.api`` raises. Each message says what was wrong and what is allowed.

Messages never contain a verified name (PII).
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from idv_core.statuses import VerificationAttemptStatus, allowed_next_statuses


class VerificationAttemptNotFound(ObjectDoesNotExist):
    """No verification attempt matches the given id (or provider and external id, or platform id)."""

    def __init__(
        self,
        *,
        attempt_id: int | None = None,
        provider: str = "",
        external_id: str = "",
        platform_attempt_id: int | None = None,
    ) -> None:
        self.attempt_id = attempt_id
        self.provider = provider
        self.external_id = external_id
        self.platform_attempt_id = platform_attempt_id
        if attempt_id is not None:
            message = f"No verification attempt with id {attempt_id!r}."
        elif platform_attempt_id is not None:
            message = (
                f"No verification attempt is mirrored by the platform's verification attempt "
                f"{platform_attempt_id!r}."
            )
        else:
            message = f"No verification attempt from provider {provider!r} with external id {external_id!r}."
        super().__init__(message)


class VerificationAttemptInvalidStatus(ValueError):
    """The given status is not one of the valid statuses."""

    def __init__(self, status: object) -> None:
        self.status = status
        valid = ", ".join(VerificationAttemptStatus.values())
        super().__init__(
            f"{status!r} is not a valid verification attempt status; valid statuses are: {valid}."
        )


class VerificationAttemptInvalidTransition(ValueError):
    """The attempt's current status does not allow a change to the requested status."""

    def __init__(self, *, attempt_id: int, current: str, requested: str) -> None:
        self.attempt_id = attempt_id
        self.current = current
        self.requested = requested
        allowed = allowed_next_statuses(current)
        allowed_text = ", ".join(allowed) if allowed else f"none: {current!r} is final"
        super().__init__(
            f"Verification attempt {attempt_id} cannot move from {current!r} to {requested!r}; "
            f"allowed from {current!r}: {allowed_text}."
        )


class VerificationAttemptStatusChanged(ValueError):
    """
    The attempt's status, read under the row lock, is not one the caller expected (``expected_status`` of
    ``update_verification_attempt``): it changed since the caller looked, for instance because another
    reviewer decided first. Nothing was changed.
    """

    def __init__(self, *, attempt_id: int, current: str, expected: tuple[str, ...]) -> None:
        self.attempt_id = attempt_id
        self.current = current
        self.expected = expected
        super().__init__(
            f"Verification attempt {attempt_id} is {current!r}, not {' or '.join(map(repr, expected))} "
            "as expected: it changed meanwhile. Nothing was changed."
        )


class VerificationAttemptInvalidName(ValueError):
    """
    The name to verify is blank, too long, not a string, or has control characters, invisible format
    characters (bidi overrides and isolates, zero-width characters: ``idv_core.names``) or a lone
    surrogate.

    The message never repeats the name.
    """


class VerificationAttemptInvalidExpiration(ValueError):
    """
    The expiration is not a timezone-aware datetime (or None), or is out of range: from 1000-01-01 and
    before 9999-12-31 (UTC). Also raised for an approval that needs the default expiration when
    ``IDV_DAYS_GOOD_FOR`` days from now is past that range (``manage.py check`` reports such a setting).
    """


class VerificationAttemptInvalidField(ValueError):
    """
    Another argument (user, attempt id, provider id, external id, flag, reason) has the wrong type or length,
    an id starts or ends with white space, or a text has a NUL or a lone surrogate.
    """


class VerificationAttemptAlreadyExists(ValueError):
    """An attempt with the same provider and external id already exists."""

    def __init__(self, *, provider: str, external_id: str) -> None:
        self.provider = provider
        self.external_id = external_id
        super().__init__(
            f"A verification attempt from provider {provider!r} with external id {external_id!r} already "
            "exists; external ids are unique per provider. Update that attempt instead."
        )


class VerificationStartRateLimited(Exception):
    """
    The learner started too many new verifications with this provider lately (``IDV_START_RATE_LIMIT``).

    ``retry_after`` is how many seconds until the next start is allowed. The core's provider views turn it
    into a 429 page with a ``Retry-After`` header; nothing was written.
    """

    def __init__(self, *, provider: str, limit: int, period_seconds: int, retry_after: int) -> None:
        self.provider = provider
        self.limit = limit
        self.period_seconds = period_seconds
        self.retry_after = retry_after
        super().__init__(
            f"At most {limit} new verification(s) with provider {provider!r} every {period_seconds} "
            f"seconds (IDV_START_RATE_LIMIT); the next one is allowed in {retry_after} seconds."
        )
