"""
Events in commit order per attempt, on MariaDB with real threads (issue 13, point 2).

Two changes of one attempt commit in order (the row lock), but each runs its after-commit callback in its
own thread: without ordering, the later status could reach the receivers first. Measured here:

* 50 threads racing 5,000 API calls over 100 attempts;
* approve-then-revoke pairs: the revoke waits on the approval's row lock, so both commits are back to back.

A receiver records every signal it gets, per attempt; the commit order is the attempt's history. Figures
(deliveries, stale events dropped, out-of-order deliveries) are printed for the closing note.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections, transaction

from idv_core import api, events
from idv_core.exceptions import VerificationAttemptInvalidTransition
from idv_core.models import VerificationAttempt

pytestmark = [pytest.mark.integration]


class Receiver:
    """Every IDV signal, in the order the receivers got it: attempt id -> statuses."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_attempt: dict[int, list[str]] = defaultdict(list)

    def __call__(self, sender, signal, **kwargs):
        data = kwargs["idv_attempt"]
        # A receiver that reads the database, as edx-name-affirmation's does.
        VerificationAttempt.objects.filter(pk=data.attempt_id).exists()
        with self.lock:
            self.by_attempt[data.attempt_id].append(data.status)


@pytest.fixture
def receiver():
    recorder = Receiver()
    for signal in events.STATUS_SIGNALS.values():
        signal.connect(recorder, dispatch_uid="event-order-receiver")
    yield recorder
    for signal in events.STATUS_SIGNALS.values():
        signal.disconnect(dispatch_uid="event-order-receiver")


def _committed_order(attempt_id: int) -> list[str]:
    return list(
        VerificationAttempt.history.filter(id=attempt_id)
        .order_by("history_id")
        .values_list("status", flat=True)
    )


def _out_of_order(receiver: Receiver, attempt_ids: list[int]) -> tuple[int, int, int]:
    """
    (deliveries, statuses committed but not delivered, deliveries of an earlier status after a later).

    The receiver is cleared after the attempts are created: their first status is not counted.
    """
    delivered = dropped = inversions = 0
    for attempt_id in attempt_ids:
        committed = _committed_order(attempt_id)
        got = receiver.by_attempt.get(attempt_id, [])
        delivered += len(got)
        dropped += len(committed) - 1 - len(got)
        positions = [committed.index(status) for status in got]
        inversions += sum(1 for before, after in itertools.pairwise(positions) if after < before)
        assert len(set(got)) == len(got), (attempt_id, got)  # never a status twice
    return delivered, dropped, inversions


def _threads(count, target, *args):
    def run(number):
        try:
            return target(number, *args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.django_db(transaction=True)
def test_fifty_threads_racing_never_deliver_a_status_out_of_commit_order(make_user, receiver):
    users = [make_user(username=f"race{number}") for number in range(10)]
    attempt_ids = [api.create_verification_attempt(users[n % 10], "Ada", "created") for n in range(100)]
    receiver.by_attempt.clear()
    start = threading.Barrier(50)
    statuses = ["pending", "approved", "denied"]

    def race(number):
        rng = random.Random(number)  # noqa: S311 -- a reproducible workload
        calls = refused = 0
        start.wait()
        for _ in range(100):
            try:
                api.update_verification_attempt(rng.choice(attempt_ids), status=rng.choice(statuses))
            except VerificationAttemptInvalidTransition:
                refused += 1
            calls += 1
        return calls, refused

    results = _threads(50, race)
    delivered, dropped, inversions = _out_of_order(receiver, attempt_ids)
    changes = sum(len(_committed_order(a)) - 1 for a in attempt_ids)  # the create is before the race
    print(  # noqa: T201 -- the figures of the closing note
        f"\nrace: calls={sum(c for c, _ in results)} refused={sum(r for _, r in results)} "
        f"status changes={changes} delivered={delivered} dropped as stale={dropped} out of order={inversions}"
    )
    assert inversions == 0
    for attempt_id in attempt_ids:
        attempt = VerificationAttempt.objects.get(pk=attempt_id)
        # Every attempt's newest status reached the receivers, last.
        assert receiver.by_attempt[attempt_id][-1] == attempt.status
        assert attempt.events_sent_sequence == attempt.event_sequence


@pytest.mark.django_db(transaction=True)
def test_approve_then_revoke_never_reaches_receivers_as_revoke_then_approve(make_user, receiver):
    """25 pairs of threads; in each pair the revoke waits on the approval's row lock (300 attempts)."""
    user = make_user()
    attempt_ids = [api.create_verification_attempt(user, "Ada", "pending") for _ in range(300)]
    receiver.by_attempt.clear()
    pairs = 25
    approved_locked = [threading.Event() for _ in attempt_ids]

    def approve_or_revoke(number):
        pair, revoker = divmod(number, 2)
        for index in range(pair, len(attempt_ids), pairs):
            if revoker:
                approved_locked[index].wait()
                api.update_verification_attempt(attempt_ids[index], status="denied")
            else:
                # As under the LMS's ATOMIC_REQUESTS: the approval's transaction is the request's.
                with transaction.atomic():
                    api.update_verification_attempt(attempt_ids[index], status="approved")
                    approved_locked[index].set()  # the revoke now waits on this row lock
                    VerificationAttempt.objects.filter(pk=attempt_ids[index]).exists()

    _threads(pairs * 2, approve_or_revoke)
    delivered, dropped, inversions = _out_of_order(receiver, attempt_ids)
    regressed = sum(1 for a in attempt_ids if receiver.by_attempt[a] == ["denied", "approved"])
    print(  # noqa: T201 -- the figures of the closing note
        f"\npairs: {len(attempt_ids)} delivered={delivered} dropped as stale={dropped} "
        f"out of order={inversions} denied-before-approved={regressed}"
    )
    assert inversions == 0
    for attempt_id in attempt_ids:
        assert _committed_order(attempt_id) == ["pending", "approved", "denied"]
        assert receiver.by_attempt[attempt_id][-1] == "denied"
