"""
Two reviewers deciding one attempt: the decision is checked under the row lock, so one wins and the other
is told so, with one review record. (The real race, with two transactions on MariaDB, is in
tests/integration/test_manual_reviewers_race.py.)
"""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.utils import timezone

from idv_core import api
from idv_manual import reviews
from idv_manual.models import ManualReview, PendingAttempt

from .conftest import grant_review_permission

pytestmark = pytest.mark.django_db
QUEUE = "/admin/idv_manual/pendingattempt/"


def test_a_decision_taken_on_a_stale_status_is_refused_and_writes_nothing(
    user, reviewer, make_user, monkeypatch
):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")
    other_reviewer = make_user(is_staff=True)
    grant_review_permission(other_reviewer)
    seen_pending = api.get_verification_attempt(attempt_id)  # what the second reviewer read
    reviews.decide_attempt(attempt_id, status="approved", reviewer=other_reviewer)
    # Every read the second reviewer makes still shows the attempt as it was when they looked.
    monkeypatch.setattr(api, "get_verification_attempt", lambda _attempt_id: seen_pending)

    with pytest.raises(reviews.AttemptNotReviewable, match=f"attempt {attempt_id} is 'approved';"):
        reviews.decide_attempt(attempt_id, status="denied", reviewer=reviewer, reason="fake document")

    monkeypatch.undo()
    assert api.get_verification_attempt(attempt_id).status == "approved"
    assert list(ManualReview.objects.values_list("decision", "reviewer")) == [("approved", other_reviewer.pk)]


def test_the_reviewer_who_lost_the_race_is_told_so_in_the_admin(client, user, reviewer, make_user):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")
    winner = make_user(is_staff=True)
    grant_review_permission(winner)
    client.force_login(reviewer)
    # Both reviewers had the queue entry on their page; the other one's approval commits first, and this
    # reviewer's action reads the entry before that approval takes it out of the queue.
    reviews.decide_attempt(attempt_id, status="approved", reviewer=winner)
    entry = PendingAttempt.objects.create(
        attempt_id=attempt_id, learner=user, provider="testprovider", pending_since=timezone.now()
    )

    response = client.post(
        QUEUE,
        {"action": "deny_selected", ACTION_CHECKBOX_NAME: [entry.pk], "apply": "yes", "reason": "fake"},
        follow=True,
    )

    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f"Not changed: Verification attempt {attempt_id} is 'approved'; only pending attempts can be "
        "decided here."
    ]
    assert api.get_verification_attempt(attempt_id).status == "approved"
    assert ManualReview.objects.filter(attempt_id=attempt_id).count() == 1
    assert not PendingAttempt.objects.exists()
