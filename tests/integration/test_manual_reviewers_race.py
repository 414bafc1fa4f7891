"""
Reviewers racing on MariaDB: two transactions decide one pending attempt, one approving, one denying. The
decision is checked under the row lock, so one wins, the other is refused, and there is one review record.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from idv_core import api
from idv_core.models import VerificationAttempt
from idv_manual import reviews
from idv_manual.models import ManualReview

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
#: Generous: only a broken lock makes a test wait this long (it then fails instead of hanging).
DEADLOCK_GUARD_SECONDS = 60


@pytest.fixture
def reviewers(make_user):
    return make_user(is_superuser=True), make_user(is_superuser=True)


def _statuses(attempt_id: int) -> list[str]:
    history = VerificationAttempt.history.filter(id=attempt_id).order_by("history_id")
    return list(history.values_list("status", flat=True))


def test_a_denial_that_read_pending_before_the_approval_committed_is_refused(user, reviewers):
    """
    The interleaving the probe found (41-51 of 100 ended approved then revoked), forced step by step:
    reviewer A approves and holds the row lock; reviewer B starts deciding, having read the attempt as
    pending (the approval is not committed), and reaches the row lock; then A commits.
    """
    approver, denier = reviewers
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")
    approved_uncommitted, denier_at_the_lock = threading.Event(), threading.Event()

    def approve() -> None:
        try:
            with transaction.atomic():
                reviews.decide_attempt(attempt_id, status="approved", reviewer=approver)
                approved_uncommitted.set()
                # Commit only once the denier has read the attempt and is at (or blocked on) the lock.
                assert denier_at_the_lock.wait(DEADLOCK_GUARD_SECONDS)
        finally:
            connections.close_all()

    def signal_at_the_lock(execute, sql, params, many, context):
        if "FOR UPDATE" in sql:
            denier_at_the_lock.set()
        return execute(sql, params, many, context)

    def deny() -> str:
        try:
            assert approved_uncommitted.wait(DEADLOCK_GUARD_SECONDS)
            # What the denier's page showed: the attempt as committed now, pending.
            assert api.get_verification_attempt(attempt_id).status == "pending"
            with connection.execute_wrapper(signal_at_the_lock):
                reviews.decide_attempt(attempt_id, status="denied", reviewer=denier, reason="fake document")
            return "denied"
        except reviews.AttemptNotReviewable as refused:
            return str(refused)
        finally:
            denier_at_the_lock.set()  # never leave the approver waiting
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        approving, denying = pool.submit(approve), pool.submit(deny)
        approving.result(timeout=DEADLOCK_GUARD_SECONDS)
        outcome = denying.result(timeout=DEADLOCK_GUARD_SECONDS)

    assert outcome == (
        f"Verification attempt {attempt_id} is 'approved'; only pending attempts can be decided here."
    )
    assert _statuses(attempt_id) == ["pending", "approved"]
    assert list(ManualReview.objects.values_list("attempt_id", "decision", "reviewer")) == [
        (attempt_id, "approved", approver.pk)
    ]


def test_racing_approvals_and_denials_give_each_attempt_one_decision_and_one_review(make_user, reviewers):
    """Free-running: whoever wins each attempt, it is decided once, never approved then revoked."""
    learners = [make_user() for _ in range(20)]
    attempt_ids = [
        api.create_verification_attempt(learner, "Ada Lovelace", "pending", provider="testprovider")
        for learner in learners
    ]
    start = threading.Barrier(2)

    def decide(status: str, reviewer) -> int:
        refused = 0
        try:
            start.wait(DEADLOCK_GUARD_SECONDS)
            for attempt_id in attempt_ids:
                try:
                    reviews.decide_attempt(attempt_id, status=status, reviewer=reviewer, reason="checked")
                except reviews.AttemptNotReviewable:
                    refused += 1
        finally:
            connections.close_all()
        return refused

    with ThreadPoolExecutor(max_workers=2) as pool:
        refusals = list(pool.map(decide, ["approved", "denied"], reviewers))

    assert sum(refusals) == len(attempt_ids)
    for attempt_id in attempt_ids:
        assert _statuses(attempt_id) in (["pending", "approved"], ["pending", "denied"])
        [review] = ManualReview.objects.filter(attempt_id=attempt_id)
        assert review.decision == api.get_verification_attempt(attempt_id).status
