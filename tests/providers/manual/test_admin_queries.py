"""The manual provider's admin changelists read a page in a constant number of queries (no N+1)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from idv_core import api
from idv_manual.models import ManualReview, PendingAttempt

pytestmark = pytest.mark.django_db

QUEUE = "/admin/idv_manual/pendingattempt/"
REVIEWS = "/admin/idv_manual/manualreview/"
#: The session, the user, its permissions (2), the counts (filtered and total), the page, the page's
#: attempts (one query through idv_core.api, whatever the number of rows), the provider filter's choices.
QUEUE_PAGE_QUERIES = 9
#: The same without the attempts (the reviews' list shows none of them) and without a filter query.
REVIEWS_PAGE_QUERIES = 7


def _queue(make_user, count: int) -> list[int]:
    """``count`` pending attempts of different learners, in the review queue."""
    attempt_ids = []
    for number in range(count):
        learner = make_user()
        attempt_id = api.create_verification_attempt(learner, f"Learner {number}", "pending", provider="sso")
        PendingAttempt.objects.create(
            attempt_id=attempt_id, learner=learner, provider="sso", pending_since=timezone.now()
        )
        attempt_ids.append(attempt_id)
    return attempt_ids


@pytest.mark.parametrize("rows", [1, 50])
def test_the_queue_page_costs_the_same_queries_for_1_and_50_rows(
    reviewer_client, make_user, django_assert_num_queries, rows
):
    _queue(make_user, rows)
    reviewer_client.get(QUEUE)  # the session and the permissions, as on any admin page

    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        page = reviewer_client.get(QUEUE).content.decode()

    assert page.count('class="field-verified_name"') == rows
    assert "Learner 0" in page
    assert f"Learner {rows - 1}" in page


def test_the_queue_page_says_when_an_attempt_is_gone(reviewer_client, make_user):
    [attempt_id] = _queue(make_user, 1)
    PendingAttempt.objects.create(
        attempt_id=attempt_id + 1000, learner=make_user(), provider="sso", pending_since=timezone.now()
    )
    page = reviewer_client.get(QUEUE).content.decode()
    assert "(attempt deleted)" in page
    assert "Learner 0" in page


@pytest.mark.parametrize("rows", [1, 50])
def test_the_reviews_page_costs_the_same_queries_for_1_and_50_rows(
    reviewer_client, reviewer, make_user, django_assert_num_queries, rows
):
    for attempt_id in _queue(make_user, rows):
        ManualReview.objects.create(
            attempt_id=attempt_id,
            learner_id=api.get_verification_attempt(attempt_id).user_id,
            reviewer=reviewer,
            decision="approved",
        )
    reviewer_client.get(REVIEWS)

    with django_assert_num_queries(REVIEWS_PAGE_QUERIES):
        page = reviewer_client.get(REVIEWS).content.decode()

    assert page.count('class="field-decision"') == rows
