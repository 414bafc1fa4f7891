"""What only a real MySQL-family database can show: row locks, constraints, and the indexes the reads use."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from idv_core import api
from idv_core.exceptions import (
    VerificationAttemptAlreadyExists,
    VerificationAttemptInvalidTransition,
    VerificationAttemptNotFound,
)
from idv_core.models import VerificationAttempt

pytestmark = [pytest.mark.integration]
FUTURE = datetime(2040, 1, 1, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_of_one_attempt_send_exactly_one_signal(make_user, signals):
    """Eight workers approve the same pending attempt at once: the row lock lets one through."""
    user = make_user()
    attempt_id = api.create_verification_attempt(user, "Ada", "pending")
    signals.events.clear()
    start = threading.Barrier(8)

    def approve(_):
        try:
            start.wait()
            api.update_verification_attempt(attempt_id, status="approved")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(approve, range(8)))
    assert signals.types == ["approved"]
    assert VerificationAttempt.history.filter(id=attempt_id, status="approved").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_approve_and_deny_never_leave_an_invalid_history(make_user, signals):
    """Racing approve and deny: whatever wins, every recorded step is an allowed transition."""
    user = make_user()
    attempt_ids = [api.create_verification_attempt(user, "Ada", "pending") for _ in range(10)]
    signals.events.clear()
    start = threading.Barrier(2)

    def change(status):
        results = []
        try:
            start.wait()
            for attempt_id in attempt_ids:
                try:
                    api.update_verification_attempt(attempt_id, status=status)
                    results.append("ok")
                except VerificationAttemptInvalidTransition:
                    results.append("refused")
        finally:
            connections.close_all()
        return results

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(change, ["approved", "denied"]))
    for attempt_id in attempt_ids:
        statuses = list(
            VerificationAttempt.history.filter(id=attempt_id)
            .order_by("history_id")
            .values_list("status", flat=True)
        )
        assert statuses in (["pending", "denied"], ["pending", "approved", "denied"])
    # Denied is final and reachable from both pending and approved: every attempt ends denied, once.
    assert signals.types.count("denied") == 10
    assert signals.types.count("approved") == sum(
        VerificationAttempt.history.filter(id=attempt_id, status="approved").count()
        for attempt_id in attempt_ids
    )


@pytest.mark.django_db
def test_update_locks_the_row(user):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending")
    with CaptureQueriesContext(connection) as queries:
        api.update_verification_attempt(attempt_id, status="approved")
    [select] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")][:1]
    assert select.endswith("FOR UPDATE")


@pytest.mark.django_db
def test_the_unique_external_id_holds_on_mariadb(user):
    api.create_verification_attempt(user, "Ada", "created", provider="persona", external_id="inq_1")
    with pytest.raises(VerificationAttemptAlreadyExists):
        api.create_verification_attempt(user, "Ada", "created", provider="persona", external_id="inq_1")
    for _ in range(3):
        api.create_verification_attempt(user, "Ada", "created", provider="persona")
    assert VerificationAttempt.objects.filter(provider="persona").count() == 4


def _explain(queryset):
    with connection.cursor() as cursor:
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@pytest.mark.django_db
def test_reads_use_the_user_status_expiration_index(make_user):
    users = [make_user() for _ in range(30)]
    VerificationAttempt.objects.bulk_create(
        VerificationAttempt(user=u, name="N", status=s, expiration_datetime=FUTURE)
        for u in users
        for s in ("created", "pending", "approved", "denied")
    )
    connection.cursor().execute("ANALYZE TABLE idv_core_verificationattempt")
    now = datetime.now(tz=UTC)
    approved = VerificationAttempt.objects.filter(status="approved", expiration_datetime__gt=now)
    for queryset in (
        approved.filter(user_id=users[0].pk),
        approved.filter(user_id__in=[u.pk for u in users[:10]]).values_list("user_id", flat=True).distinct(),
    ):
        [plan] = _explain(queryset)
        assert plan["key"] == "idv_attempt_user_status_exp"
        assert plan["type"] in {"ref", "range"}


@pytest.mark.django_db
def test_external_ids_are_exact_on_mariadb_whatever_the_table_collation(user):
    """Vendor references are case-sensitive (Persona's inq_ ids): the database must not fold case."""
    upper = api.create_verification_attempt(user, "Ada", "created", provider="persona", external_id="inq_AbC")
    lower = api.create_verification_attempt(user, "Ada", "created", provider="persona", external_id="inq_abc")
    accented = api.create_verification_attempt(
        user, "Ada", "created", provider="persona", external_id="inq_abç"
    )
    assert len({upper, lower, accented}) == 3
    assert api.get_verification_attempt_by_external_id("persona", "inq_AbC").id == upper
    assert api.get_verification_attempt_by_external_id("persona", "inq_abc").id == lower
    assert api.get_verification_attempt_by_external_id("persona", "inq_abç").id == accented
    with pytest.raises(VerificationAttemptNotFound):
        api.get_verification_attempt_by_external_id("Persona", "inq_abc")
