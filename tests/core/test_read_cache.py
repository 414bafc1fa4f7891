"""
The read path's request cache (idv_core.read_cache): within one request a learner's answer costs one
query once; a write about the learner in the request forgets it; nothing is remembered outside requests.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from idv_core import api
from idv_core.models import VerificationAttempt
from idv_core.statuses import UserVerificationState

pytestmark = pytest.mark.django_db


def test_the_same_status_asked_twice_in_a_request_costs_no_query(
    user, serving_a_request, django_assert_num_queries
):
    api.create_verification_attempt(user, "Ada", "approved")
    with serving_a_request():
        with django_assert_num_queries(1):
            first = api.get_user_verification_status(user)
        with django_assert_num_queries(0):
            assert api.get_user_verification_status(user.pk) == first
            # The status also answers "verified?".
            assert api.is_user_verified(user) is True
    assert first.is_verified is True


def test_is_user_verified_asked_twice_in_a_request_costs_one_query(
    user, serving_a_request, django_assert_num_queries
):
    with serving_a_request():
        with django_assert_num_queries(1):
            assert api.is_user_verified(user) is False
        with django_assert_num_queries(0):
            assert api.is_user_verified(user.pk) is False
        # A bare "verified?" does not answer the status.
        with django_assert_num_queries(1):
            assert api.get_user_verification_status(user).status == UserVerificationState.NONE


def test_another_learner_is_not_answered_from_the_cache(
    make_user, serving_a_request, django_assert_num_queries
):
    ada, grace = make_user(), make_user()
    api.create_verification_attempt(ada, "Ada", "approved")
    with serving_a_request():
        assert api.is_user_verified(ada) is True
        with django_assert_num_queries(1):
            assert api.is_user_verified(grace) is False


def test_outside_a_request_every_read_asks_the_database(user, serving_a_request, django_assert_num_queries):
    with django_assert_num_queries(2):
        api.get_user_verification_status(user)
        api.get_user_verification_status(user)
    with serving_a_request():
        api.is_user_verified(user)
    # The request is over: what it remembered is gone, and nothing new is remembered.
    api.create_verification_attempt(user, "Ada", "approved")
    with django_assert_num_queries(2):
        assert api.is_user_verified(user) is True
        assert api.is_user_verified(user) is True


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda user, attempt_id: api.create_verification_attempt(user, "Ada", "approved"), id="create"
        ),
        pytest.param(
            lambda user, attempt_id: api.update_verification_attempt(attempt_id, status="approved"),
            id="update",
        ),
        pytest.param(lambda user, attempt_id: api.retire_user_verification_names(user), id="retire"),
    ],
)
def test_a_write_through_the_api_forgets_the_learners_answers(
    user, serving_a_request, django_assert_num_queries, write
):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending")
    with serving_a_request():
        api.get_user_verification_status(user)
        api.is_user_verified(user)
        write(user, attempt_id)
        with django_assert_num_queries(1):
            status = api.get_user_verification_status(user)
        # Read afresh for the rest of the request: a rolled-back write must not leave an answer behind.
        with django_assert_num_queries(1):
            assert api.is_user_verified(user) is status.is_verified
    assert status == api.get_user_verification_status(user)


def test_an_answer_read_after_a_rolled_back_write_is_not_kept(user, serving_a_request):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending")
    with serving_a_request():
        savepoint = transaction.savepoint()
        api.update_verification_attempt(attempt_id, status="approved")
        assert api.is_user_verified(user) is True
        transaction.savepoint_rollback(savepoint)
        assert api.is_user_verified(user) is False


def test_a_direct_save_of_an_attempt_forgets_the_learners_answers(user, serving_a_request):
    with serving_a_request():
        assert api.is_user_verified(user) is False
        VerificationAttempt.objects.create(
            user=user, name="Ada", status="approved", expiration_datetime=timezone.now() + timedelta(days=1)
        )
        assert api.is_user_verified(user) is True
        VerificationAttempt.objects.filter(user=user).get().delete()
        assert api.is_user_verified(user) is False


@pytest.mark.urls("tests.core.read_cache_urls")
def test_a_request_served_by_django_reads_once_and_again_after_a_write(client, user):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending")

    answer = client.get(f"/read-twice/{user.pk}").json()
    assert answer == {"status": "pending", "verified": False, "verified_after": False, "queries": [1, 0, 0]}

    answer = client.get(f"/read-twice/{user.pk}", {"approve": attempt_id}).json()
    assert answer == {"status": "pending", "verified": False, "verified_after": True, "queries": [1, 0, 1]}
    # The next request starts afresh.
    assert client.get(f"/read-twice/{user.pk}").json()["status"] == "approved"
