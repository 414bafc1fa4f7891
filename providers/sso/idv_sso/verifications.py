"""
The one rule of the sso provider: when does a trusted sign-in (or an old account link) write a new
approved attempt, and how it is written. The pipeline step and the backfill command both use it.

A learner's latest SSO verification through the same sign-in (backend, IdP and uid) decides:

* none yet, or it has expired, or the IdP now asserts another name: a new approved attempt;
* an approval that has not expired, with the same name: nothing is written;
* staff revoked it (the attempt was moved to ``denied``): nothing is written. A revocation is a person's
  decision about this sign-in; a later sign-in does not silently undo it (staff verify again by hand).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from idv_core import api
from idv_core.exceptions import VerificationAttemptNotFound
from idv_core.providers import IDVProvider
from idv_core.statuses import VerificationAttemptStatus
from idv_sso.models import SSOVerification
from idv_sso.trusted_backends import TrustedBackend

log = logging.getLogger(__name__)


def sso_provider() -> IDVProvider:
    """The sso provider (the registry's instance): its id is its entry point's name."""
    from idv_sso.provider import SSOProvider  # the provider's class imports this module's callers

    return SSOProvider.get_instance()


# idv_core keeps at most 100 characters of reason in the audit trail.
_REASON_MAX_LENGTH = 100


class Outcome(StrEnum):
    """What :func:`verify` did (or, in a dry run, would do)."""

    #: No SSO verification through this sign-in yet: a new approved attempt.
    FIRST = "first"
    #: The latest one has expired: a new approved attempt.
    EXPIRED = "expired"
    #: The IdP asserts another name than the latest one verified: a new approved attempt.
    NAME_CHANGED = "name_changed"
    #: An unexpired approval with the same name exists: nothing written.
    UNCHANGED = "unchanged"
    #: Staff revoked the latest one: nothing written.
    REVOKED = "revoked"

    @property
    def writes(self) -> bool:
        """Whether this outcome records a new attempt."""
        return self in (Outcome.FIRST, Outcome.EXPIRED, Outcome.NAME_CHANGED)


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome, and the id of the attempt written (None when nothing was, or in a dry run)."""

    outcome: Outcome
    attempt_id: int | None = None


def _decide(user: AbstractBaseUser, trusted: TrustedBackend, uid: str, name: str, now: datetime) -> Outcome:
    # Two queries for an already-verified learner: this provider's latest record, then its attempt.
    latest_attempt_id = (
        SSOVerification.objects.filter(user=user, backend=trusted.backend, idp=trusted.idp, uid=uid)
        .order_by("-pk")
        .values_list("attempt_id", flat=True)
        .first()
    )
    if latest_attempt_id is None:
        return Outcome.FIRST
    try:
        attempt = api.get_verification_attempt(latest_attempt_id)
    except VerificationAttemptNotFound:
        return Outcome.FIRST
    if attempt.status == VerificationAttemptStatus.DENIED:
        return Outcome.REVOKED
    if attempt.expiration_datetime is not None and attempt.expiration_datetime <= now:
        return Outcome.EXPIRED
    if attempt.name != name:
        return Outcome.NAME_CHANGED
    return Outcome.UNCHANGED


def verify(
    user: AbstractBaseUser,
    trusted: TrustedBackend,
    uid: str,
    name: str,
    *,
    source: str = SSOVerification.SOURCE_SIGN_IN,
    dry_run: bool = False,
) -> Result:
    """
    Record that ``trusted`` vouched for ``user`` (known there as ``uid``) under ``name``, unless done already.

    The attempt is created ``approved`` through ``idv_core.api`` (so its events are sent after the
    transaction commits), together with this provider's :class:`~idv_sso.models.SSOVerification`, in one
    transaction. ``name`` is the name the IdP asserted (PII: never logged).

    Raises:
        VerificationAttemptInvalidName: idv_core refuses the name (too long, control characters...).
        django.db.DatabaseError: the attempt could not be saved.
    """
    now = timezone.now()
    outcome = _decide(user, trusted, uid, name, now)
    if not outcome.writes or dry_run:
        return Result(outcome)
    expiration = now + timedelta(days=trusted.days_good_for) if trusted.days_good_for else None
    if source == SSOVerification.SOURCE_BACKFILL:
        reason = f"SSO backfill: existing {trusted.key} link"
    else:
        reason = f"SSO sign-in through {trusted.key}"
    # A random external id: unique per attempt whatever the number of sign-ins, and free of the uid (PII).
    external_id = f"sso-{uuid.uuid4().hex}"
    with transaction.atomic():
        attempt_id = api.create_verification_attempt(
            user,
            name,
            VerificationAttemptStatus.APPROVED,
            expiration,
            provider=sso_provider().id,
            external_id=external_id,
            reason=reason[:_REASON_MAX_LENGTH],
        )
        SSOVerification.objects.create(
            user=user,
            attempt_id=attempt_id,
            external_id=external_id,
            backend=trusted.backend,
            idp=trusted.idp,
            uid=uid,
            source=source,
        )
    log.info(
        "SSO verification: attempt %s approved for user %s through %s (%s, %s).",
        attempt_id,
        user.pk,
        trusted.key,
        outcome,
        source,
    )
    return Result(outcome, attempt_id)
