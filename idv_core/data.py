"""
The immutable data objects ``idv_core.api`` returns. Callers never get model instances.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from idv_core.statuses import UserVerificationState, VerificationAttemptStatus


@dataclass(frozen=True, slots=True)
class VerificationAttemptRecord:
    """
    One verification attempt as stored.

    ``name`` is the name being ID-verified: PII, never log it. ``provider`` is blank for attempts
    written by hand; ``external_id`` is blank when the provider keeps no reference of its own.
    ``expiration_datetime`` None on an approved attempt means the approval never expires.
    ``platform_attempt_id`` is the id of the LMS's ``verify_student.VerificationAttempt`` row mirroring
    this attempt (the ``attempt_id`` its events carry), None outside the LMS or before it was mirrored.
    """

    id: int
    user_id: int
    name: str
    status: VerificationAttemptStatus
    provider: str
    external_id: str
    expiration_datetime: datetime | None
    hide_status_from_user: bool
    created: datetime
    modified: datetime
    platform_attempt_id: int | None = None


@dataclass(frozen=True, slots=True)
class UserVerificationStatus:
    """
    One user's verification, summed up over all their attempts.

    ``attempt_id`` names the attempt the status comes from (None when ``status`` is ``none``);
    ``expiration_datetime`` is that attempt's expiration.
    """

    status: UserVerificationState
    is_verified: bool
    expiration_datetime: datetime | None
    attempt_id: int | None


@dataclass(frozen=True, slots=True)
class HealthFigure:
    """
    One figure an operator watches (``manage.py idv_providers``, the admin index, monitoring).

    ``name`` is the monitoring custom attribute it is sent as (``idv.<provider id>.<what>`` for a
    provider's); ``label`` is what people read; ``value`` is None when there is nothing to measure (no
    record waiting, no relay ever ran) or it could not be read (``problem`` then says why, with no PII).
    ``unit`` is "seconds" for ages (shown as "2 min 5 s"), else a plural noun ("records", "failures").
    """

    name: str
    label: str
    value: int | float | None
    unit: str = ""
    problem: str = ""

    @classmethod
    def age(cls, name: str, label: str, since: datetime | None, now: datetime) -> HealthFigure:
        """The age at ``now`` of something that began ``since``, in whole seconds; unknown when None."""
        seconds = None if since is None else float(max(0, int((now - since).total_seconds())))
        return cls(name, label, seconds, "seconds")
