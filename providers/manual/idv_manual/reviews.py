"""
Manual decisions: the two things a reviewer does, each writing the attempt (through ``idv_core.api``) and
its :class:`~idv_manual.models.ManualReview` record in one transaction.

The admin and the ``idv_manual_verify`` command both go through these functions, so every decision has
its audit record, its who-and-why in idv_core's history, and its events (sent by the core after commit).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from idv_core import api, rows
from idv_core.data import VerificationAttemptRecord
from idv_core.exceptions import VerificationAttemptStatusChanged
from idv_core.statuses import VerificationAttemptStatus
from idv_manual.models import Decision, ManualReview, PendingAttempt


def provider_id() -> str:
    """The manual provider's id: its entry point's name (one source)."""
    from idv_manual.provider import ManualProvider  # the provider's class imports this module

    return ManualProvider.get_instance().id


class ReasonRequired(ValueError):
    """A denial was asked for without a reason: learners and auditors must be able to learn why."""

    def __init__(self) -> None:
        super().__init__("A denial needs a reason (at most 100 characters, no names).")


class AttemptNotReviewable(ValueError):
    """The attempt is not in a status this decision may change (e.g. it was decided meanwhile)."""

    def __init__(self, *, attempt_id: int, current: str, allowed: Iterable[str]) -> None:
        self.attempt_id = attempt_id
        self.current = current
        super().__init__(
            f"Verification attempt {attempt_id} is {current!r}; only {', '.join(allowed)} attempts can be "
            "decided here."
        )


def _decision(status: str) -> Decision:
    if status not in Decision.values:
        raise ValueError(f"A manual decision is 'approved' or 'denied', not {status!r}.")
    return Decision(status)


def _require_reason(decision: Decision, reason: str) -> None:
    if decision == Decision.DENIED and not reason.strip():
        raise ReasonRequired()


def create_verification(
    *,
    learner: AbstractBaseUser,
    name: str,
    status: str,
    reviewer: AbstractBaseUser,
    reason: str = "",
    expiration_datetime: datetime | None = None,
) -> ManualReview:
    """
    Record that ``reviewer`` checked ``learner``'s identity: a new ``manual`` attempt and its review.

    Args:
        learner: The user whose identity was checked.
        name: The verified name (PII: never logged).
        status: ``approved`` or ``denied``.
        reviewer: The staff user who decided.
        reason: Why (at most 100 characters); required for a denial.
        expiration_datetime: When an approval stops counting; None for the site default
            (``IDV_DAYS_GOOD_FOR`` days).

    Returns:
        The saved review record (its ``attempt_id`` names the new attempt).

    Raises:
        ReasonRequired: a denial without a reason.
        idv_core.exceptions.VerificationAttemptInvalidName: and the core's other validation errors.
    """
    decision = _decision(status)
    _require_reason(decision, reason)
    with transaction.atomic():
        attempt_id = api.create_verification_attempt(
            learner,
            name,
            decision.value,
            expiration_datetime,
            provider=provider_id(),
            changed_by=reviewer,
            reason=reason,
        )
        return ManualReview.objects.create(
            attempt_id=attempt_id, learner=learner, reviewer=reviewer, decision=decision, reason=reason
        )


def decide_attempt(
    attempt_id: int,
    *,
    status: str,
    reviewer: AbstractBaseUser,
    reason: str = "",
    from_statuses: Iterable[str] = (VerificationAttemptStatus.PENDING,),
    name: str | None = None,
    expiration_datetime: datetime | None = None,
) -> ManualReview:
    """
    Approve or deny an existing attempt (of any provider) and record the review.

    The attempt's status is checked under its row lock (``expected_status`` of the core's update): of two
    reviewers deciding the same attempt at once, the second finds it decided and is refused, so an
    attempt gets one decision and one review record, never an approval then a revocation nobody meant.

    Args:
        attempt_id: The attempt to decide.
        status: ``approved`` or ``denied``.
        reviewer: The staff user who decided.
        reason: Why (at most 100 characters); required for a denial.
        from_statuses: The statuses the attempt may be in; by default only ``pending``. The command also
            revokes approvals (``approved`` -> ``denied``).
        name: The verified name to set with the decision, if the reviewer checked a different one.
        expiration_datetime: The approval's expiration; None for the site default.

    Raises:
        ReasonRequired: a denial without a reason.
        AttemptNotReviewable: the attempt is not in one of ``from_statuses`` (decided meanwhile); nothing
            was written.
        idv_core.exceptions.VerificationAttemptNotFound: no attempt has this id.
        idv_core.exceptions.VerificationAttemptInvalidTransition: the attempt changed under us.
    """
    decision = _decision(status)
    _require_reason(decision, reason)
    allowed = tuple(str(value) for value in from_statuses)
    with transaction.atomic():
        try:
            api.update_verification_attempt(
                attempt_id,
                name=api.UNSET if name is None else name,
                status=decision.value,
                expiration_datetime=api.UNSET if expiration_datetime is None else expiration_datetime,
                changed_by=reviewer,
                reason=reason,
                expected_status=allowed,
            )
        except VerificationAttemptStatusChanged as changed:
            raise AttemptNotReviewable(
                attempt_id=attempt_id, current=changed.current, allowed=allowed
            ) from None
        record = api.get_verification_attempt(attempt_id)  # read after the lock: it is ours until commit
        # The DENIED/APPROVED event removes it too (after commit); doing it here keeps the queue right
        # even where a host turned the events off.
        PendingAttempt.objects.filter(attempt_id=attempt_id).delete()
        return ManualReview.objects.create(
            attempt_id=attempt_id,
            learner_id=record.user_id,
            reviewer=reviewer,
            decision=decision,
            reason=reason,
        )


def queue_if_pending(record: VerificationAttemptRecord, *, pending_since: datetime) -> bool:
    """
    Put the attempt in the review queue if it is pending now; return whether it is queued.

    ``record`` is read through the core API when the event is handled: by then the attempt may have moved
    on.
    """
    if record.status != VerificationAttemptStatus.PENDING:
        return False
    # One INSERT that keeps the row already queued (and its pending_since), where get_or_create() would
    # make four round trips (SELECT, SAVEPOINT, INSERT, RELEASE): it runs on every pending attempt's event,
    # so its statement is built once (idv_core.rows).
    rows.insert_row(
        PendingAttempt(
            attempt_id=record.id,
            learner_id=record.user_id,
            provider=record.provider,
            pending_since=pending_since,
        ),
        ignore_conflicts=True,
    )
    return True


def unqueue(attempt_id: int) -> None:
    """Take the attempt out of the review queue (it was decided)."""
    # One DELETE, matching nothing for the attempts never queued (created approved or denied): it runs in
    # the transaction the core sends the decision's event in, which writes anyway.
    PendingAttempt.objects.filter(attempt_id=attempt_id).delete()


def retire_learner_reviews(user_id: int) -> int:
    """
    Erase the reasons of the reviews about ``user_id`` (retirement): staff notes may name the learner.

    The decisions themselves (who decided what, when) stay: they are the audit trail of manual work.
    Returns how many reviews had a reason.
    """
    return ManualReview.objects.filter(learner_id=user_id).exclude(reason="").update(reason="")


def sync_user_queue(learner: AbstractBaseUser | int) -> int:
    """
    Make the queue hold exactly ``learner``'s pending attempts; return how many they have.

    Catches up with attempts whose event the queue never heard (made before this app was installed).
    """
    records = api.get_verification_attempts(learner)
    pending = {record.id: record for record in records if record.status == VerificationAttemptStatus.PENDING}
    user_id = learner if isinstance(learner, int) else learner.pk
    PendingAttempt.objects.filter(learner_id=user_id).exclude(attempt_id__in=pending).delete()
    for record in pending.values():
        PendingAttempt.objects.get_or_create(
            attempt_id=record.id,
            defaults={"learner_id": user_id, "provider": record.provider, "pending_since": record.modified},
        )
    return len(pending)
