"""
The status vocabulary of a verification attempt, and the one place its transitions are defined.
"""

from __future__ import annotations

from enum import StrEnum


class VerificationAttemptStatus(StrEnum):
    """
    The status of one verification attempt.

    * ``created``: the attempt exists; the learner has not submitted anything yet.
    * ``pending``: the learner submitted; a vendor or a person is reviewing.
    * ``approved``: the learner's identity is verified (until the attempt's expiration, if any).
    * ``denied``: the attempt failed, was declined, or an approval was revoked. Final.
    """

    CREATED = "created"
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """Return every valid status value, in lifecycle order."""
        return tuple(member.value for member in cls)

    @classmethod
    def is_valid(cls, value: object) -> bool:
        """Return whether ``value`` is one of the valid status values."""
        return isinstance(value, str) and value in cls._value2member_map_


# The allowed status changes. A status not listed as a key has no way out (``denied`` is final).
# Approved -> denied is a revocation (for example after a fraud review).
ALLOWED_TRANSITIONS: dict[VerificationAttemptStatus, frozenset[VerificationAttemptStatus]] = {
    VerificationAttemptStatus.CREATED: frozenset(
        {
            VerificationAttemptStatus.PENDING,
            VerificationAttemptStatus.APPROVED,
            VerificationAttemptStatus.DENIED,
        }
    ),
    VerificationAttemptStatus.PENDING: frozenset(
        {VerificationAttemptStatus.APPROVED, VerificationAttemptStatus.DENIED}
    ),
    VerificationAttemptStatus.APPROVED: frozenset({VerificationAttemptStatus.DENIED}),
    VerificationAttemptStatus.DENIED: frozenset(),
}


def can_transition(current: str, new: str) -> bool:
    """
    Return whether an attempt in status ``current`` may be given status ``new``.

    Setting the status an attempt already has is always allowed: it is a no-op, not a transition.
    Both arguments must be valid status values.
    """
    current_status = VerificationAttemptStatus(current)
    new_status = VerificationAttemptStatus(new)
    return current_status == new_status or new_status in ALLOWED_TRANSITIONS[current_status]


def allowed_next_statuses(current: str) -> tuple[str, ...]:
    """Return the statuses an attempt in status ``current`` may move to, in lifecycle order."""
    allowed = ALLOWED_TRANSITIONS[VerificationAttemptStatus(current)]
    return tuple(status.value for status in VerificationAttemptStatus if status in allowed)


class UserVerificationState(StrEnum):
    """
    What the platform knows about one user's identity verification, summed up over all their attempts.

    ``none`` means the user has no (visible) attempt; ``expired`` means the user's newest visible attempt
    is an approval whose expiration has passed. The other values mirror :class:`VerificationAttemptStatus`.
    """

    NONE = "none"
    CREATED = "created"
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
