"""
How many queries the API makes: the figures the docs and the closing note quote.

Inside a test the surrounding transaction turns each ``atomic`` block into a SAVEPOINT and a RELEASE,
which are counted here; outside one they are the BEGIN and COMMIT of the real transaction (``make bench``
counts the same totals).
"""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from idv_core import api, outbox
from idv_core.models import OutboxEvent, VerificationAttempt

pytestmark = pytest.mark.django_db
FUTURE = datetime(2040, 1, 1, tzinfo=UTC)


@pytest.fixture
def ten_thousand_users(db):
    User = get_user_model()
    User.objects.bulk_create([User(username=f"bulk{i}") for i in range(10_000)], batch_size=2000)
    ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    # Every third user verified, every seventh of those with an expired approval instead.
    attempts = [
        VerificationAttempt(
            user_id=user_id,
            name="N",
            status="approved",
            expiration_datetime=datetime(2020, 1, 1, tzinfo=UTC) if index % 7 == 0 else FUTURE,
        )
        for index, user_id in enumerate(ids)
        if index % 3 == 0
    ]
    VerificationAttempt.objects.bulk_create(attempts, batch_size=2000)
    return ids


def test_is_user_verified_is_one_query(user, django_assert_num_queries):
    api.create_verification_attempt(user, "Ada", "approved")
    with django_assert_num_queries(1):
        assert api.is_user_verified(user) is True


def test_get_user_verification_status_is_one_query(user, django_assert_num_queries):
    for status in ("denied", "approved", "pending"):
        api.create_verification_attempt(user, "Ada", status)
    with django_assert_num_queries(1):
        assert api.get_user_verification_status(user).is_verified is True


def test_get_verified_user_ids_for_ten_thousand_users_is_ten_queries(
    ten_thousand_users, django_assert_num_queries
):
    with django_assert_num_queries(10):
        verified = api.get_verified_user_ids(ten_thousand_users)
    expected = {user_id for index, user_id in enumerate(ten_thousand_users) if index % 3 == 0 and index % 7}
    assert verified == expected


def test_get_verified_user_ids_is_one_query_per_thousand_ids(ten_thousand_users, django_assert_num_queries):
    with django_assert_num_queries(2):
        api.get_verified_user_ids(ten_thousand_users[:1001])


def test_create_verification_attempt_queries(user, django_assert_num_queries):
    # SAVEPOINT, INSERT attempt, INSERT history row, RELEASE SAVEPOINT.
    with django_assert_num_queries(4):
        api.create_verification_attempt(user, "Ada", "approved", provider="persona", external_id="inq_1")


def test_update_verification_attempt_queries(user, django_assert_num_queries):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending")
    # Inside the caller's transaction (here the test's) no savepoint: SELECT ... FOR UPDATE, UPDATE, INSERT
    # history row, SELECT user (for the event).
    with django_assert_num_queries(4):
        api.update_verification_attempt(attempt_id, status="approved")
    # Without a status change there is no event and so no user to load.
    with django_assert_num_queries(3):
        api.update_verification_attempt(attempt_id, name="Ada King")
    # A no-op reads the row and writes nothing.
    with django_assert_num_queries(1):
        api.update_verification_attempt(attempt_id, status="approved")
    # Setting the external reference keeps a savepoint (a clash is told apart after the failed write):
    # SAVEPOINT, SELECT ... FOR UPDATE, SAVEPOINT, UPDATE, INSERT history row, RELEASE, RELEASE.
    with django_assert_num_queries(7):
        api.update_verification_attempt(attempt_id, external_id="ref-1")


@pytest.fixture
def outbox_on(settings):
    """IDV events routed to the event bus: each status change also writes its outbox rows."""
    settings.IDV_EVENT_BUS_PRODUCER_CONFIG = {
        event_type: {"learning-idv-attempt": {"event_key_field": "idv_attempt.user.id", "enabled": True}}
        for event_type in outbox.IDV_EVENT_TYPES
    }


def test_create_verification_attempt_queries_with_the_outbox(user, outbox_on, django_assert_num_queries):
    # SAVEPOINT (the transaction that holds the attempt and its outbox rows), SAVEPOINT, INSERT attempt,
    # INSERT history row, RELEASE, INSERT outbox rows (created and approved: one bulk INSERT), RELEASE.
    with django_assert_num_queries(7):
        api.create_verification_attempt(user, "Ada", "approved", provider="persona", external_id="inq_1")
    assert OutboxEvent.objects.count() == 2


def test_update_verification_attempt_queries_with_the_outbox(user, outbox_on, django_assert_num_queries):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending")
    # As without the outbox, plus one INSERT of the outbox row.
    with django_assert_num_queries(5):
        api.update_verification_attempt(attempt_id, status="approved")
    # No status change, no event: the same as without the outbox.
    with django_assert_num_queries(3):
        api.update_verification_attempt(attempt_id, name="Ada King")
    with django_assert_num_queries(1):
        api.update_verification_attempt(attempt_id, status="approved")
