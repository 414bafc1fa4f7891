"""The decision functions and the review queue's receivers, directly."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from idv_core import api
from idv_core.exceptions import VerificationAttemptInvalidName
from idv_manual import handlers, reviews
from idv_manual.models import ManualReview, PendingAttempt

pytestmark = pytest.mark.django_db


def test_a_denial_without_a_reason_writes_nothing(user, reviewer):
    with pytest.raises(reviews.ReasonRequired, match="A denial needs a reason"):
        reviews.create_verification(learner=user, name="Ada", status="denied", reviewer=reviewer, reason="  ")
    assert api.get_verification_attempts(user) == []
    assert ManualReview.objects.count() == 0


def test_only_approved_or_denied_are_decisions(user, reviewer):
    with pytest.raises(ValueError, match="'approved' or 'denied', not 'pending'"):
        reviews.create_verification(learner=user, name="Ada", status="pending", reviewer=reviewer)


def test_a_failed_create_leaves_no_review_record(user, reviewer):
    with pytest.raises(VerificationAttemptInvalidName):
        reviews.create_verification(learner=user, name="x" * 300, status="approved", reviewer=reviewer)
    assert ManualReview.objects.count() == 0


def test_the_pending_event_of_an_attempt_already_decided_queues_nothing(user):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending", provider="testprovider")
    api.update_verification_attempt(attempt_id, status="approved")
    event = SimpleNamespace(attempt_id=attempt_id)
    handlers.queue_pending_attempt(None, idv_attempt=event, metadata=SimpleNamespace(time=timezone.now()))
    assert PendingAttempt.objects.count() == 0


def test_the_pending_event_of_a_deleted_attempt_queues_nothing(user):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending")
    user.delete()
    event = SimpleNamespace(attempt_id=attempt_id)
    handlers.queue_pending_attempt(None, idv_attempt=event, metadata=SimpleNamespace(time=timezone.now()))
    assert PendingAttempt.objects.count() == 0


def test_syncing_a_user_drops_stale_entries(user):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending")
    PendingAttempt.objects.create(attempt_id=attempt_id + 1000, learner=user, pending_since=timezone.now())
    assert reviews.sync_user_queue(user.pk) == 1
    assert list(PendingAttempt.objects.values_list("attempt_id", flat=True)) == [attempt_id]


def test_a_review_of_a_deleted_attempt_says_so_in_the_admin(reviewer_client, user, reviewer):
    review = ManualReview.objects.create(
        attempt_id=99999, learner=user, reviewer=reviewer, decision="approved"
    )
    page = reviewer_client.get(f"/admin/idv_manual/manualreview/{review.pk}/change/").content.decode()
    assert "(attempt deleted)" in page
    assert str(review) == "Approved attempt 99999"


def test_a_queue_entry_of_a_deleted_attempt_says_so(reviewer_client, user):
    entry = PendingAttempt.objects.create(attempt_id=99999, learner=user, pending_since=timezone.now())
    assert "(attempt deleted)" in reviewer_client.get("/admin/idv_manual/pendingattempt/").content.decode()
    assert str(entry) == "Pending attempt 99999"


def test_the_default_instructions_apply_without_any_host_setting(settings):
    from idv_manual.provider import ManualProvider

    assert not hasattr(settings, "IDV_MANUAL_INSTRUCTIONS")
    assert (
        ManualProvider.get_instance()
        .setting("IDV_MANUAL_INSTRUCTIONS")
        .startswith("A member of our support team")
    )


def test_a_pending_event_again_keeps_the_queued_row_and_its_time(user, django_assert_num_queries):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending", provider="testprovider")
    event = SimpleNamespace(attempt_id=attempt_id)
    # The attempt's lookup, then one INSERT (not get_or_create's SELECT, SAVEPOINT, INSERT, RELEASE).
    with django_assert_num_queries(2):
        handlers.queue_pending_attempt(None, idv_attempt=event, metadata=SimpleNamespace(time=timezone.now()))
    first = PendingAttempt.objects.get(attempt_id=attempt_id)
    assert (first.learner_id, first.provider) == (user.pk, "testprovider")
    later = SimpleNamespace(time=first.pending_since + timezone.timedelta(hours=1))
    # Again: the same INSERT, which keeps the row already there.
    with django_assert_num_queries(2):
        handlers.queue_pending_attempt(None, idv_attempt=event, metadata=later)
    assert list(PendingAttempt.objects.values_list("attempt_id", "pending_since")) == [
        (attempt_id, first.pending_since)
    ]


def test_a_decision_takes_the_attempt_out_of_the_queue_in_one_delete(user, django_assert_num_queries):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending", provider="testprovider")
    event = SimpleNamespace(attempt_id=attempt_id)
    handlers.queue_pending_attempt(None, idv_attempt=event, metadata=SimpleNamespace(time=timezone.now()))
    assert PendingAttempt.objects.filter(attempt_id=attempt_id).exists()
    # The attempt's lookup, then the DELETE.
    with django_assert_num_queries(2):
        handlers.unqueue_decided_attempt(None, idv_attempt=event, metadata=None)
    assert not PendingAttempt.objects.filter(attempt_id=attempt_id).exists()
    # An attempt never queued: the same DELETE, matching nothing.
    with django_assert_num_queries(2):
        handlers.unqueue_decided_attempt(None, idv_attempt=event, metadata=None)
