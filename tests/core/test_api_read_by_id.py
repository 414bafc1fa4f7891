"""get_verification_attempts_by_id: many attempts by id, in one query per 1,000 ids."""

import pytest

from idv_core import api
from idv_core.exceptions import VerificationAttemptInvalidField

pytestmark = pytest.mark.django_db


def test_the_attempts_are_returned_by_id_and_unknown_ids_are_left_out(user, make_user):
    mine = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")
    theirs = api.create_verification_attempt(make_user(), "Grace Hopper", "approved", provider="manual")

    found = api.get_verification_attempts_by_id([theirs, mine, mine, theirs + 1000])

    assert found == {mine: api.get_verification_attempt(mine), theirs: api.get_verification_attempt(theirs)}
    assert api.get_verification_attempts_by_id([]) == {}


def test_ids_are_read_a_thousand_at_a_time(user, django_assert_num_queries):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending")
    with django_assert_num_queries(1):
        assert list(api.get_verification_attempts_by_id(iter([attempt_id]))) == [attempt_id]
    with django_assert_num_queries(2):
        found = api.get_verification_attempts_by_id(range(attempt_id, attempt_id + 1001))
    assert list(found) == [attempt_id]


@pytest.mark.parametrize("bad", ["7", 7.0, True, None])
def test_an_id_that_is_not_an_integer_is_refused(bad):
    with pytest.raises(VerificationAttemptInvalidField, match="attempt_id must be an integer"):
        api.get_verification_attempts_by_id([1, bad])
