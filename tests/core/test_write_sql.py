"""
The write path's prepared statements (idv_core.read_sql: lock_attempt, user_by_id, advance_events_sent) do
exactly what the ORM calls they replace do. The default suite runs this on SQLite, ``make test-integration``
on MariaDB and ``make test-postgres`` on PostgreSQL (the row locks themselves are raced there:
tests/integration/test_event_order.py and the hardening probes).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from idv_core import api, read_sql
from idv_core.exceptions import (
    VerificationAttemptAlreadyExists,
    VerificationAttemptInvalidExpiration,
    VerificationAttemptInvalidField,
    VerificationAttemptInvalidTransition,
    VerificationAttemptNotFound,
    VerificationAttemptStatusChanged,
)
from idv_core.models import VerificationAttempt


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "values",
    [
        {"name": "Ada Lovelace", "status": "created"},
        {
            "name": "Zoë Ångström",
            "status": "approved",
            "expiration_datetime": datetime(2030, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
            "hide_status_from_user": True,
            "provider": "persona",
            "external_id": "inq_AbC123",
            "platform_attempt_id": 77,
        },
    ],
)
def test_lock_attempt_loads_what_the_orm_loads(make_user, values):
    attempt = VerificationAttempt.objects.create(user=make_user(), **values)
    with transaction.atomic():
        expected = VerificationAttempt.objects.select_for_update().get(pk=attempt.pk)
        found = read_sql.lock_attempt(attempt.pk)
    assert type(found) is VerificationAttempt
    assert _fields(found) == _fields(expected)
    assert found.hide_status_from_user is expected.hide_status_from_user
    # Loaded from the database: saving it updates the row rather than inserting another.
    assert not found._state.adding
    assert found._state.db == expected._state.db
    with transaction.atomic():
        found.status = "denied"
        found.save(update_fields=["status"])
    assert VerificationAttempt.objects.get(pk=attempt.pk).status == "denied"
    assert VerificationAttempt.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("attempt_id", [10**9, 2**63, -(2**63) - 1])
def test_lock_attempt_of_no_attempt_is_none(attempt_id):
    with transaction.atomic():
        assert read_sql.lock_attempt(attempt_id) is None


@pytest.mark.django_db(transaction=True)
def test_lock_attempt_outside_a_transaction_is_refused_where_it_would_lock_nothing(make_user):
    attempt = VerificationAttempt.objects.create(user=make_user(), name="N", status="created")
    if not connection.features.has_select_for_update:
        # SQLite: no row locks, as the ORM's select_for_update() there.
        assert read_sql.lock_attempt(attempt.pk).pk == attempt.pk
        return
    with pytest.raises(TransactionManagementError):
        read_sql.lock_attempt(attempt.pk)


@pytest.mark.django_db
def test_user_by_id_loads_what_the_orm_loads(make_user):
    user = make_user(is_active=False)
    found = read_sql.user_by_id(user.pk)
    assert type(found) is get_user_model()
    assert _fields(found) == _fields(get_user_model().objects.get(pk=user.pk))
    assert found.is_active is False
    assert found.get_username() == user.username
    assert read_sql.user_by_id(10**9) is None


@pytest.mark.django_db
def test_advance_events_sent_moves_forward_only(make_user):
    attempt = VerificationAttempt.objects.create(
        user=make_user(), name="N", status="pending", event_sequence=2, events_sent_sequence=0
    )
    assert read_sql.advance_events_sent(attempt.pk, 1, 2) == 1
    attempt.refresh_from_db()
    assert attempt.events_sent_sequence == 2
    # Events 1-2 were sent: sending them again, or an older one, changes nothing.
    assert read_sql.advance_events_sent(attempt.pk, 1, 2) == 0
    assert read_sql.advance_events_sent(attempt.pk, 2, 2) == 0
    attempt.refresh_from_db()
    assert attempt.events_sent_sequence == 2
    assert read_sql.advance_events_sent(attempt.pk, 3, 5) == 1
    attempt.refresh_from_db()
    assert attempt.events_sent_sequence == 5
    assert read_sql.advance_events_sent(10**9, 1, 1) == 0


# --- update_verification_attempt inside the caller's transaction (no savepoint of its own) ---------------


@pytest.fixture
def refusals(make_user, settings):
    """Attempts and update calls that each refuse after taking the row lock, before writing."""
    user = make_user()
    denied = VerificationAttempt.objects.create(user=user, name="N", status="denied")
    pending = VerificationAttempt.objects.create(user=user, name="N", status="pending")
    referenced = VerificationAttempt.objects.create(user=user, name="N", status="pending", external_id="ref")
    return {
        "transition": lambda: api.update_verification_attempt(denied.pk, status="approved"),
        "expected status": lambda: api.update_verification_attempt(
            pending.pk, status="approved", expected_status="created"
        ),
        "not found": lambda: api.update_verification_attempt(10**9, status="approved"),
        "default expiration out of range": lambda: (
            setattr(settings, "IDV_DAYS_GOOD_FOR", 3_000_000),
            api.update_verification_attempt(pending.pk, status="approved"),
        ),
        "external id set once": lambda: api.update_verification_attempt(referenced.pk, external_id="other"),
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("refusal", "error"),
    [
        ("transition", VerificationAttemptInvalidTransition),
        ("expected status", VerificationAttemptStatusChanged),
        ("not found", VerificationAttemptNotFound),
        ("default expiration out of range", VerificationAttemptInvalidExpiration),
        ("external id set once", VerificationAttemptInvalidField),
    ],
)
def test_a_refused_update_leaves_the_callers_transaction_usable(refusals, make_user, refusal, error):
    other = VerificationAttempt.objects.create(user=make_user(), name="N", status="pending")
    with transaction.atomic():
        with pytest.raises(error):
            refusals[refusal]()
        # The caller goes on in its transaction (a webhook records the outcome) and commits.
        api.update_verification_attempt(other.pk, status="denied")
    assert VerificationAttempt.objects.get(pk=other.pk).status == "denied"


@pytest.mark.django_db(transaction=True)
def test_a_clash_of_external_ids_is_rolled_back_to_the_updates_own_savepoint(make_user):
    user = make_user()
    VerificationAttempt.objects.create(user=user, name="N", status="pending", provider="p", external_id="ref")
    attempt = VerificationAttempt.objects.create(user=user, name="N", status="pending", provider="p")
    with transaction.atomic():
        with pytest.raises(VerificationAttemptAlreadyExists):
            api.update_verification_attempt(attempt.pk, status="approved", external_id="ref")
        api.update_verification_attempt(attempt.pk, status="denied")
    attempt.refresh_from_db()
    assert (attempt.status, attempt.external_id) == ("denied", None)
