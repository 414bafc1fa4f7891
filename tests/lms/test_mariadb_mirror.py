"""
LMS mode on the real MariaDB (``make test-integration``): both tables written in one transaction under the
LMS's ATOMIC_REQUESTS, concurrent approvals through the mirror, the lock order (ours, then the platform's).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections, transaction
from lms.djangoapps.verify_student.models import VerificationAttempt as PlatformAttempt
from lms.djangoapps.verify_student.services import IDVerificationService

from idv_core import api
from idv_core.exceptions import VerificationAttemptInvalidTransition
from idv_core.models import VerificationAttempt

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _in_threads(count: int, work) -> list:
    start = threading.Barrier(count)

    def run(index: int):
        try:
            start.wait()
            return work(index)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_approvals_through_the_mirror_send_one_signal_and_write_one_platform_row(
    make_user, signals
):
    user = make_user()
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="manual")
    signals.events.clear()

    _in_threads(8, lambda _index: api.update_verification_attempt(attempt_id, status="approved"))

    platform_id = api.get_verification_attempt(attempt_id).platform_attempt_id
    assert signals.types == ["approved"]
    assert [payload.attempt_id for payload in signals.payloads] == [platform_id]
    assert PlatformAttempt.objects.filter(user=user).count() == 1
    assert PlatformAttempt.objects.get(pk=platform_id).status == "approved"
    assert IDVerificationService.user_is_verified(user) is True


def test_racing_approve_and_deny_end_the_same_in_both_tables(make_user):
    user = make_user()
    attempt_ids = [
        api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="manual") for _ in range(20)
    ]

    def change(index: int) -> None:
        status = "approved" if index == 0 else "denied"
        for attempt_id in attempt_ids:
            try:
                # The LMS's ATOMIC_REQUESTS: the whole request is one transaction.
                with transaction.atomic():
                    api.update_verification_attempt(attempt_id, status=status)
            except VerificationAttemptInvalidTransition:
                pass

    _in_threads(2, change)

    for attempt in VerificationAttempt.objects.filter(pk__in=attempt_ids):
        assert PlatformAttempt.objects.get(pk=attempt.platform_attempt_id).status == attempt.status


def test_a_rolled_back_request_leaves_neither_table_changed(make_user):
    user = make_user()
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="manual")

    class RequestFailed(Exception):
        pass

    def failing_request() -> None:
        with transaction.atomic():
            api.update_verification_attempt(attempt_id, status="approved")
            api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="manual")
            raise RequestFailed

    with pytest.raises(RequestFailed):
        failing_request()

    assert list(PlatformAttempt.objects.filter(user=user).values_list("status", flat=True)) == ["pending"]
    assert VerificationAttempt.objects.filter(user=user).count() == 1


def test_concurrent_creates_for_many_learners_never_deadlock(make_user):
    learners = [make_user() for _ in range(8)]

    def create_and_approve(index: int) -> int:
        attempt_id = api.create_verification_attempt(
            learners[index], "Ada Lovelace", "pending", provider="manual"
        )
        with transaction.atomic():
            api.update_verification_attempt(attempt_id, status="approved")
        return attempt_id

    attempt_ids = _in_threads(8, create_and_approve)

    assert PlatformAttempt.objects.filter(status="approved").count() == 8
    assert set(api.get_verified_user_ids([learner.pk for learner in learners])) == {u.pk for u in learners}
    assert len(set(attempt_ids)) == 8
